"""The waterfall poller and the §4 judgements of support/partial_results.py, against fakes (no stand needed)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import pytest

from support import partial_results
from support.errors import MalformedAnswer, PreconditionNotMet, SuiteDefect
from support.focus_api import Answer, FocusServer
from support.grpc_stream import Ending, StreamTimeline
from support.models import ConfigAccepted, ErrorBody, JobConfigured, Row, SensorIntensity, WaterfallBlock
from support.partial_results import StreamReading, WaterfallPoller, WaterfallResult
from support.recordings import HistoryWindow, Shape
from support.settings import Settings
from support.timeline import Span
from support.waiting import Pace, WaitTimeout, monotonic, poll_until

T0 = 1_760_004_000_000  # 2025-10-09 10:00:00 UTC


def rows(first_s: int, count: int) -> list[Row]:
    return [
        Row(
            canvasId="t",
            sensors=[SensorIntensity(id=s, intensity=[float(s + i % 7)]) for s in range(4)],
            startTimestamp=T0 + (first_s + i) * 1000,
            endTimestamp=T0 + (first_s + i + 1) * 1000,
        )
        for i in range(count)
    ]


def block_answer(found: list[Row]) -> Answer[list[WaterfallBlock]]:
    body = [WaterfallBlock(rows=found, current_max_amp=10.0, current_min_amp=0.0)]
    return Answer("GET /waterfall", 201, 0.001, "[...]", body)


def empty(status: int) -> Answer[list[WaterfallBlock]]:
    return Answer("GET /waterfall", status, 0.001, "")


class ScriptedTarget:
    """Answers `GET /waterfall` from a script; once it runs out, repeats its last answer for ever."""

    def __init__(self, *script: Answer) -> None:
        self.script = list(script)
        self.polls = 0

    def waterfall(self, task_id: str, row_count: int) -> Answer[list[WaterfallBlock]]:
        answer = self.script[min(self.polls, len(self.script) - 1)]
        self.polls += 1
        return answer


# -- polling ---------------------------------------------------------------------------------------------------


def test_rows_then_208_are_kept_with_the_status_sequence() -> None:
    target = ScriptedTarget(empty(200), block_answer(rows(0, 300)), block_answer(rows(300, 200)), empty(208))
    result = WaterfallPoller(target, "t", pause_s=0.01).run()
    assert len(result.rows) == 500 and result.timestamps[0] == T0 and result.timestamps[-1] == T0 + 499_000
    assert result.statuses == [200, 201, 201, 208] and result.status_sequence() == "200 201×2 208"
    assert result.ended_with_208 and result.stopped_because == "208, end of stream"
    assert result.after_end is not None and (result.after_end.status, result.after_end.rows) == (208, 0)
    assert [poll.rows for poll in result.polls] == [0, 300, 200, 0]
    partial_results.expect_rows(result)
    partial_results.expect_end(result)
    partial_results.expect_nothing_after_end(result)


def test_no_pause_after_polls_that_brought_rows() -> None:
    target = ScriptedTarget(*[block_answer(rows(i, 1)) for i in range(40)], empty(208))
    result = WaterfallPoller(target, "t", pause_s=1.0).run()
    assert result.ended_with_208 and len(result.rows) == 40
    assert result.elapsed_s < 0.5  # 40 polls with rows and not one pause of 1 s


def test_a_pause_after_polls_that_brought_nothing() -> None:
    target = ScriptedTarget(empty(200), empty(200), empty(200), block_answer(rows(0, 5)), empty(208))
    result = WaterfallPoller(target, "t", pause_s=0.05).run()
    assert result.ended_with_208 and result.elapsed_s >= 0.15


def test_a_target_that_never_sends_208_is_left_soon_after_the_data_is_in() -> None:
    """With the window's last recorded instant known, the poller waits for 208 only `end_grace_s` after it."""
    target = ScriptedTarget(block_answer(rows(0, 300)), empty(200))
    reader = WaterfallPoller(target, "t", deadline_s=30, end_grace_s=0.3, pause_s=0.02, last_covered_ms=T0 + 300_000)
    result = reader.run()
    assert not result.ended_with_208 and result.after_end is None
    assert result.stopped_because == "no 208 within 0.3 s after the rows reached the last recorded instant"
    assert 0.3 <= result.elapsed_s < 2
    partial_results.expect_rows(result)  # the rows themselves are fine
    with pytest.raises(AssertionError, match=r"the stream did not end with 208: no 208 within 0\.3 s .*201 200×"):
        partial_results.expect_end(result)
    with pytest.raises(AssertionError, match="the stream never ended"):
        partial_results.expect_nothing_after_end(result)


def test_a_target_that_never_sends_208_nor_all_the_data_stops_at_the_deadline() -> None:
    target = ScriptedTarget(block_answer(rows(0, 10)), empty(200))
    reader = WaterfallPoller(target, "t", deadline_s=0.5, end_grace_s=0.1, pause_s=0.05, last_covered_ms=T0 + 900_000)
    result = reader.run()
    assert result.stopped_because == "no 208 within the deadline of 0.5 s"
    assert 0.5 <= result.elapsed_s < 1.5 and len(result.rows) == 10
    with pytest.raises(AssertionError, match=r"did not end with 208: no 208 within the deadline of 0\.5 s"):
        partial_results.expect_end(result)


def test_a_status_the_contract_does_not_give_stops_the_read() -> None:
    target = ScriptedTarget(block_answer(rows(0, 10)), empty(404), block_answer(rows(10, 10)), empty(208))
    result = WaterfallPoller(target, "t", pause_s=0.01).run()
    assert result.stopped_because == "the waterfall answered 404" and result.statuses == [201, 404]
    with pytest.raises(AssertionError, match=r"answered \[404\] while the task ran"):
        partial_results.expect_rows(result)


def test_no_rows_at_all_is_named() -> None:
    result = WaterfallPoller(ScriptedTarget(empty(200), empty(208)), "t", pause_s=0.01).run()
    with pytest.raises(AssertionError, match="no rows received; statuses 200 208"):
        partial_results.expect_rows(result)


def test_rows_after_the_end_of_stream_are_caught() -> None:
    target = ScriptedTarget(block_answer(rows(0, 10)), empty(208), block_answer(rows(10, 3)))
    result = WaterfallPoller(target, "t", pause_s=0.01).run()
    assert len(result.rows) == 10  # what came after the end is not mixed with the stream
    with pytest.raises(AssertionError, match=r"3 row\(s\) came after the end of stream \(status 201\)"):
        partial_results.expect_nothing_after_end(result)


# -- the same through the real REST client, against a tiny local server ------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """201 with a block on the first poll, then 200 empty for ever (or a malformed block when asked)."""

    polls = 0
    malformed = False

    def do_GET(self) -> None:
        type(self).polls += 1
        if type(self).polls == 1 or type(self).malformed:
            row = {"canvasId": "t", "sensors": [{"id": 0, "intensity": [1.0]}], "startTimestamp": T0}
            if not type(self).malformed:
                row["endTimestamp"] = T0 + 1000
            body = json.dumps([{"rows": [row], "current_max_amp": 1.0, "current_min_amp": 0.0}]).encode()
            self.send_response(201)
        else:
            body = b""
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_target() -> Iterator[tuple[FocusServer, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"polls": 0, "malformed": False})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield FocusServer(Settings(base_url=f"http://127.0.0.1:{server.server_port}/focus-server")), handler
    finally:
        server.shutdown()
        server.server_close()


def test_poller_over_http_stops_at_its_deadline_when_208_never_comes(local_target) -> None:
    focus, handler = local_target
    result = WaterfallPoller(focus, "t", deadline_s=0.6, pause_s=0.05).run()
    assert not result.ended_with_208 and len(result.rows) == 1 and handler.polls > 3
    assert result.statuses[0] == 201 and set(result.statuses[1:]) == {200}
    with pytest.raises(AssertionError, match=r"did not end with 208: no 208 within the deadline of 0\.6 s"):
        partial_results.expect_end(result)


def test_a_malformed_block_fails_the_read_naming_the_field(local_target) -> None:
    focus, handler = local_target
    handler.malformed = True
    with pytest.raises(MalformedAnswer, match=r"0\.rows\.0\.endTimestamp: Field required"):
        WaterfallPoller(focus, "t", deadline_s=2).run()


# -- evidence, task ids and the judgements of a configuration -----------------------------------------------------

HOLE = HistoryWindow(Shape.HOLE, Span(T0, T0 + 900_000), (Span(T0, T0 + 300_000), Span(T0 + 600_000, T0 + 900_000)))


def test_read_history_attaches_picture_statuses_and_gaps(monkeypatch) -> None:
    attached: list[str] = []
    monkeypatch.setattr(
        partial_results, "attach_png", lambda name, draw: attached.append(name) if draw()[:4] == b"\x89PNG" else None
    )
    monkeypatch.setattr(partial_results, "attach_json", lambda name, data: attached.append(name))
    target = ScriptedTarget(block_answer(rows(0, 300)), block_answer(rows(600, 300)), empty(208))
    result = partial_results.read_history(target, "t", HOLE, pause_s=0.01)
    assert attached == ["waterfall received", "waterfall status sequence", "gaps found in the rows"]
    partial_results.expect_coverage(result, HOLE, 2000)
    partial_results.expect_holes(result, HOLE, 60)


def test_evidence_is_attached_even_when_the_read_breaks(monkeypatch) -> None:
    attached: list[str] = []
    monkeypatch.setattr(partial_results, "attach_png", lambda name, png: attached.append(name))
    monkeypatch.setattr(partial_results, "attach_json", lambda name, data: attached.append(name))

    class Broken(ScriptedTarget):
        def waterfall(self, task_id: str, row_count: int) -> Answer[list[WaterfallBlock]]:
            raise MalformedAnswer("GET /waterfall answered 201 with a malformed body: rows: Field required")

    with pytest.raises(MalformedAnswer):
        partial_results.read_history(Broken(), "t", HOLE)
    assert "waterfall received" in attached


def test_filled_hole_and_rows_outside_fail_with_the_catalogue_in_the_message(monkeypatch) -> None:
    monkeypatch.setattr(partial_results, "attach_json", lambda name, data: None)
    filled = WaterfallResult("t", rows=rows(0, 900), ended_with_208=True)
    with pytest.raises(AssertionError, match=r"rows outside the recordings: 295 row\(s\) at 2025-10-09 10:05:03"):
        partial_results.expect_coverage(filled, HOLE, 2000)
    partial_results.expect_coverage(filled, HOLE, 2000, only_inside=True)  # 4.6: all recorded data came back
    with pytest.raises(AssertionError, match="the catalogue has a hole 2025-10-09 10:05:00–10:10:00 but the rows"):
        partial_results.expect_holes(filled, HOLE, 60)


def test_task_ids_are_unique_and_name_the_case() -> None:
    ids = {partial_results.new_task_id(["spec-4.3", "case-partial-coverage-hole"]) for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"acc_partial-coverage-hole_[0-9a-f]{8}", task_id) for task_id in ids)
    assert re.fullmatch(r"acc_history_[0-9a-f]{8}", partial_results.new_task_id([]))


def test_history_config_asks_for_the_window_only() -> None:
    body = partial_results.history_config(HOLE.window).model_dump()
    assert (body["start_time"], body["end_time"]) == ("251009100000", "251009101500")
    assert set(body) == {
        "displayTimeAxisDuration", "nfftSelection", "canvasInfo", "sensors", "frequencyRange", "start_time", "end_time"
    }  # fmt: skip


def test_judging_a_configuration_answer(monkeypatch) -> None:
    monkeypatch.setattr(partial_results, "attach_text", lambda name, text: None)
    refused = Answer(
        "POST /config/t", 400, 0.05, "", ErrorBody(error="No recordings found in the requested time range")
    )
    partial_results.expect_refused(refused, 400, "no recordings")
    partial_results.expect_at_once(refused, 2)
    with pytest.raises(AssertionError, match=r"took 2\.50 s to answer|answered 400 in 2\.500 s, not under 2 s"):
        partial_results.expect_at_once(Answer("POST /config/t", 400, 2.5, "", refused.body), 2)
    not_found = Answer("POST /config/t", 404, 0.05, '{"error": "No recording found in given time range"}')
    with pytest.raises(AssertionError, match="answered 404, not 400"):
        partial_results.expect_refused(not_found, 400, "no recordings")
    wrong_words = Answer("POST /config/t", 400, 0.05, "", ErrorBody(error="No recording found in given time range"))
    with pytest.raises(AssertionError, match="does not say 'no recordings'"):
        partial_results.expect_refused(wrong_words, 400, "no recordings")
    accepted = Answer("POST /config/t", 200, 0.05, "", ConfigAccepted(status="Config received successfully"))
    partial_results.expect_accepted(accepted)
    with pytest.raises(AssertionError, match="answered 400, not 200"):
        partial_results.expect_accepted(refused)


def test_a_refused_task_must_be_unknown_afterwards(monkeypatch) -> None:
    monkeypatch.setattr(partial_results, "attach_png", lambda name, png: None)
    monkeypatch.setattr(partial_results, "attach_json", lambda name, data: None)
    nothing = HistoryWindow(Shape.EMPTY, Span(T0, T0 + 3_600_000), ())
    partial_results.expect_no_task(ScriptedTarget(empty(404)), "t", nothing)
    with pytest.raises(AssertionError, match="answered 200, not 404"):
        partial_results.expect_no_task(ScriptedTarget(empty(200)), "t", nothing)


# -- waiting.poll_until, the helper the poller waits through -------------------------------------------------------


def test_poll_until_goes_on_at_once_after_progress_and_pauses_otherwise() -> None:
    paces = iter([Pace.AT_ONCE] * 20 + [Pace.LATER, Pace.LATER, "done"])
    started = monotonic()
    assert poll_until(lambda: next(paces), reason="the script to end", timeout_s=5, interval_s=0.1) == "done"
    assert 0.2 <= monotonic() - started < 0.6  # two pauses of 0.1 s, none for the twenty steps that made progress


def test_poll_until_gives_up_at_its_deadline_with_its_reason() -> None:
    with pytest.raises(WaitTimeout, match=r"waited 0\.3 s for the end of stream \(208\) of task t"):
        poll_until(lambda: Pace.LATER, reason="the end of stream (208) of task t", timeout_s=0.3, interval_s=0.05)


def test_poll_until_lets_errors_through() -> None:
    def step() -> Pace:
        raise MalformedAnswer("GET /waterfall answered 201 with a malformed body")

    with pytest.raises(MalformedAnswer):
        poll_until(step, reason="nothing", timeout_s=1)


def test_a_window_without_a_catalogue_hole_is_the_suites_defect_not_a_precondition(monkeypatch) -> None:
    """A check (Then) never says "precondition not met": the Given chose the window by its hole."""
    monkeypatch.setattr(partial_results, "attach_json", lambda name, data: None)
    covered = HistoryWindow(Shape.HOLE, Span(T0, T0 + 900_000), (Span(T0, T0 + 900_000),))
    with pytest.raises(SuiteDefect, match="the window chosen has no catalogue hole over 60 s"):
        partial_results.expect_holes(WaterfallResult("t", rows=rows(0, 900), ended_with_208=True), covered, 60)


# -- a history stream cut at the limit, over the job API: judged by what came (issue 25) -------------------------

JOB_HOLE = HistoryWindow(  # a third of the limit (60 s) of each recording around a 5-minute hole
    Shape.HOLE, Span(T0 + 240_000, T0 + 660_000), (Span(T0, T0 + 300_000), Span(T0 + 600_000, T0 + 900_000))
)


def cut_stream(seconds: list[int], code: grpc.StatusCode = grpc.StatusCode.DEADLINE_EXCEEDED) -> StreamReading:
    """A job's reading whose rows came at `seconds` (since T0) and whose server ended it with `code` at 180 s."""
    timeline = StreamTimeline("h:1", 0, deadline_s=210, read_for_s=None, ending=Ending.SERVER, code=code, ended_s=180.0)
    timeline.row_timestamps_ms = [T0 + second * 1000 for second in seconds]
    return StreamReading("1-1", timeline)


@pytest.fixture(name="evidence")
def evidence_fixture(monkeypatch) -> dict[str, object]:
    attached: dict[str, object] = {}
    monkeypatch.setattr(partial_results, "attach_json", lambda name, data: attached.setdefault(name, data))
    monkeypatch.setattr(partial_results, "attach_png", lambda name, draw: None)
    return attached


def test_a_cut_stream_that_filled_the_hole_fails_its_clause_not_precondition(evidence: dict[str, object]) -> None:
    """A server that streams data through a hole: its rows came from inside the hole before the limit cut the stream,
    a defect of 4.3 and 4.6 shown before any cut (it was once "precondition not met, see 2.1": broken, not verified).
    """
    filled = cut_stream(list(range(240, 300)) + list(range(300, 420)))  # the first recording, then the hole, filled
    partial_results.judge_a_cut(filled, JOB_HOLE)  # judged, not excused
    assert "rows where the catalogue records nothing: 117 row(s) at 2025-10-09 10:05:03–10:06:59" in filled.cut
    assert "what came before the cut" in evidence
    filled_and_cut = r"10:11:00; rows outside the recordings: 117 row.*; the stream was cut before the window's data"
    with pytest.raises(AssertionError, match=filled_and_cut):
        partial_results.each([JOB_HOLE], [filled], lambda r, h: partial_results.expect_coverage(r, h, 2000))
    with pytest.raises(AssertionError, match=r"no rows at all for the recorded part .*10:10:00–10:11:00; the stream"):
        partial_results.each(  # 4.6: best effort did not bring back the recorded data after the hole
            [JOB_HOLE], [filled], lambda r, h: partial_results.expect_coverage(r, h, 2000, only_inside=True)
        )


def test_a_cut_stream_whose_rows_agree_with_the_clause_could_not_judge_it(evidence: dict[str, object]) -> None:
    agree = r"before the cut agree with this clause.*see clause 2\.1; this clause could not be judged"
    with pytest.raises(PreconditionNotMet, match=agree):
        partial_results.judge_a_cut(cut_stream(list(range(240, 290))), JOB_HOLE)
    with pytest.raises(PreconditionNotMet, match="last row none"):
        partial_results.judge_a_cut(cut_stream([]), JOB_HOLE)


def test_a_gap_inside_the_recording_before_the_cut_is_judged(evidence: dict[str, object]) -> None:
    gapped = cut_stream([*range(240, 260), *range(270, 300), *range(600, 610)])
    partial_results.judge_a_cut(gapped, JOB_HOLE)
    assert "gap 2025-10-09 10:04:19–10:04:30 (11.0 s) inside the recorded part" in gapped.cut


@pytest.mark.parametrize(
    ("seconds", "code"),
    [
        (list(range(240, 300)) + list(range(600, 660)), grpc.StatusCode.DEADLINE_EXCEEDED),  # all came: no cut
        (list(range(240, 290)), grpc.StatusCode.OK),  # ended OK early: the checks fail it, no excuse to weigh
        (list(range(240, 290)), grpc.StatusCode.INTERNAL),  # not the limit's status: the checks fail it
    ],
)
def test_only_a_limit_cut_before_the_data_ran_out_is_weighed(seconds: list[int], code: grpc.StatusCode) -> None:
    reading = cut_stream(seconds, code)
    partial_results.judge_a_cut(reading, JOB_HOLE)
    assert reading.cut == ""


def test_the_read_of_a_job_weighs_its_cut(monkeypatch, evidence: dict[str, object]) -> None:
    """`read_history_job` (the When step) judges the cut: a filled hole goes on to the checks, an agreeing cut stops."""
    configured = JobConfigured(
        status="ok", job_id="1-1", stream_url="http://h", stream_port=5, stream_amount=1,
        channel_to_stream_index={"1": 0}, channel_amount=8, frequencies_list=[1.0], frequencies_amount=1,
        lines_dt=1.0, view_type=0,
    )  # fmt: skip
    answer = Answer("POST /configure", 200, 0.01, "{}", configured)
    settings = Settings(base_url="http://x", stream_limit_s=180)
    for seconds, outcome in ((list(range(240, 420)), None), (list(range(240, 290)), PreconditionNotMet)):
        monkeypatch.setattr(partial_results, "read_job_stream", lambda *a, s=seconds, **k: cut_stream(s).timeline)
        if outcome is None:
            assert partial_results.read_history_job(answer, JOB_HOLE, settings).cut
        else:
            with pytest.raises(outcome):
                partial_results.read_history_job(answer, JOB_HOLE, settings)


def test_a_failure_of_one_window_of_several_is_named_once(evidence: dict[str, object]) -> None:
    windows = [JOB_HOLE, HOLE]
    silent = [cut_stream([], grpc.StatusCode.OK), cut_stream([], grpc.StatusCode.OK)]
    with pytest.raises(AssertionError, match=r"^window 2025-10-09 10:04:00–10:11:00 with a hole .*: no rows received"):
        partial_results.each(windows, silent, lambda reading, _: partial_results.expect_stream_rows(reading))
    with pytest.raises(AssertionError) as caught:  # its message names the window already: not twice
        partial_results.each(windows, silent, lambda r, h: partial_results.expect_coverage(r, h, 2000))
    assert str(caught.value).count("10:04:00–10:11:00 with a hole") == 1
