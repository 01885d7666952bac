"""The concrete visible effect of each fault switch, observed over the wire (AssertionError when missing)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import grpc
from clause_checks import _config
from polls import comes, never, observe, until
from stand_wire import (
    Probe,
    StandHandle,
    gaps_ms,
    history_task_body,
    job_body,
    live_task_body,
    read_stream,
    unique_id,
    utc,
)

from stand.timing import StandTiming

NOTHING = ("2025-01-01 00:00:00", "2025-01-01 01:00:00")
# Observation windows (watching for a while on purpose, not waiting for readiness):
HEAR_MORE_S = 0.5  # once the first commands came, what else (a keepalive, a copy) comes a moment later
LINGER_S = 1.5  # a queue or job that should be gone at once is still there after this
NO_DUPLICATE_YET_S = 1.0  # late-duplicate-queue: the second queue is not there at once (it comes after 2.5 s)
RECORDER_LISTEN_S = 1.5  # the recorder's traffic, listened to (5 messages a second on a healthy stand)
HOLE_READ_S = 3.0  # gap-filled: a stream from 2 s before a hole, read into it


def _limit(stand: StandHandle) -> float:
    return float(stand.env["FOCUS_STREAM_LIMIT_S"])


def _live_stream(stand: StandHandle):
    return read_stream(stand.post("/configure", job_body()).json(), deadline_s=_limit(stand) * 3)


def _commands(stand: StandHandle, bindings: list[tuple[str, str]]) -> list[tuple[str, bytes, float]]:
    with Probe(stand.env["FOCUS_AMQP_URL"], bindings) as probe:
        _config(stand, live_task_body(), "cmd")
        # The configure's roi command, not just any message (recorder data shares prisma's "#").
        comes(lambda: any(b"Command" in body for _, body, _ in probe.messages))
        return list(probe.messages)


def extra_exchange(stand: StandHandle) -> None:
    assert "baby_analyzer_commands" in stand.exchanges()


def exchange_fanout(stand: StandHandle) -> None:
    assert stand.exchanges()["prisma"]["type"] == "fanout"


def exchange_transient(stand: StandHandle) -> None:
    assert stand.exchanges()["prisma"]["durable"] is False


def commands_elsewhere(stand: StandHandle) -> None:
    seen = _commands(stand, [("amq.topic", "baby_analyzer.commands.#")])
    assert any(key == "baby_analyzer.commands.roi" for key, _, _ in seen), seen


def _commands_polled(stand: StandHandle, bindings: list[tuple[str, str]]) -> list[tuple[str, bytes, float]]:
    """Commands heard while a live task is configured and its waterfall polled (which makes keepalives)."""
    with Probe(stand.env["FOCUS_AMQP_URL"], bindings) as probe:
        task_id = _config(stand, live_task_body(), "cmd")
        comes(lambda: stand.get(f"/waterfall/{task_id}/10") is not None and len(probe.messages) >= 2)
        observe(HEAR_MORE_S)
        return list(probe.messages)


def keepalive_elsewhere(stand: StandHandle) -> None:
    on_prisma = _commands_polled(stand, [("prisma", "#")])
    assert any(b"RegionOfInterestCommand" in body for _, body, _ in on_prisma)
    assert not any(b"KeepaliveCommand" in body for _, body, _ in on_prisma)
    assert any(b"KeepaliveCommand" in body for _, body, _ in _commands_polled(stand, [("amq.topic", "#")]))


def commands_copied_elsewhere(stand: StandHandle) -> None:
    keys = {key for key, body, _ in _commands_polled(stand, [("amq.topic", "#")]) if b"Command" in body}
    assert {"baby_analyzer.commands.roi", "baby_analyzer.commands.keepalive"} <= keys, keys
    keys = {key for key, body, _ in _commands_polled(stand, [("prisma", "#")]) if b"Command" in body}
    assert {"baby_analyzer.commands.roi", "baby_analyzer.commands.keepalive"} <= keys, keys


def keepalive_bare_key(stand: StandHandle) -> None:
    keys = {key for key, body, _ in _commands_polled(stand, [("prisma", "#")]) if b"Command" in body}
    assert keys == {"baby_analyzer.commands.roi", "keepalive"}, keys


def focus_queue(stand: StandHandle) -> None:
    assert "focus_server_queue" in stand.consumers_by_connection().get("focus-server", [])


def focus_exclusive_queue(stand: StandHandle) -> None:
    owned = stand.exclusive_queues_of("focus-server")
    assert len(owned) == 1 and owned[0].startswith("amq.gen-"), owned
    assert not stand.consumers_by_connection().get("focus-server"), "it consumes nothing"


def recorder_queue_renamed(stand: StandHandle) -> None:
    queues = stand.queues()
    assert "recorder_input" not in queues and "smart_recorder_input" in queues, sorted(queues)


def job_queue_pattern(stand: StandHandle) -> None:
    task_id = _config(stand, live_task_body(), "pattern")
    assert comes(lambda: f"results_{task_id}" in stand.queues())


def results_queue_lingers(stand: StandHandle) -> None:
    task_id = _config(stand, history_task_body("2025-10-11 10:04:55", "2025-10-11 10:05:00"), "linger")
    _, status = stand.drain_task(task_id, timeout_s=5)
    assert status == 208
    assert never(lambda: f"{task_id}_results" not in stand.queues(), LINGER_S), "the queue went with its task"


def bare_routing_keys(stand: StandHandle) -> None:
    seen = _commands(stand, [("prisma", "#")])
    assert any(key == "roi" for key, _, _ in seen), [k for k, _, _ in seen]


def grpc_limit_240(stand: StandHandle) -> None:
    outcome = _live_stream(stand)
    assert abs(outcome.seconds - _limit(stand) * 4 / 3) < 1.0 and outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED, (
        str(outcome)
    )


def grpc_limit_60(stand: StandHandle) -> None:
    outcome = _live_stream(stand)
    assert abs(outcome.seconds - _limit(stand) / 3) < 1.0 and outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED, str(
        outcome
    )


def grpc_cut_early(stand: StandHandle) -> None:
    outcome = _live_stream(stand)
    assert outcome.seconds < 3 and outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED, (outcome.seconds, outcome.code)


def grpc_history_hangs(stand: StandHandle) -> None:
    answer = stand.post(
        "/configure", job_body(start_time=utc("2025-10-11 10:04:58"), end_time=utc("2025-10-11 10:05:00"))
    )
    outcome = read_stream(answer.json(), keep_frames=5, deadline_s=_limit(stand) * 3)
    assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED and outcome.seconds > _limit(stand) - 1, str(outcome)


def grpc_end_ok(stand: StandHandle) -> None:
    outcome = _live_stream(stand)
    assert outcome.code == grpc.StatusCode.OK and abs(outcome.seconds - _limit(stand)) < 1.0, outcome.code


def grpc_stall(stand: StandHandle) -> None:
    outcome = _live_stream(stand)  # read to the end, every frame kept
    assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED and abs(outcome.seconds - _limit(stand)) < 1.0, outcome
    stall_at = min(StandTiming(_limit(stand)).grpc_stall_after_s, _limit(stand) / 2)  # as the stand has it
    assert outcome.frames and outcome.data_seconds <= stall_at + 0.5, f"rows span {outcome.data_seconds:.1f} s"


def grpc_history_skips(stand: StandHandle) -> None:
    answer = stand.post(
        "/configure", job_body(start_time=utc("2025-10-11 10:04:57"), end_time=utc("2025-10-11 10:05:00"))
    )
    outcome = read_stream(answer.json(), deadline_s=30)
    seconds = sorted({stamp // 1000 for stamp in outcome.timestamps})
    assert outcome.code == grpc.StatusCode.OK and seconds == [utc("2025-10-11 10:04:57"), utc("2025-10-11 10:04:59")]


def _took(stand: StandHandle, path: str) -> float:
    started = time.monotonic()
    assert stand.get(path).status_code in (200, 201)
    return time.monotonic() - started


def slow_live_metadata(stand: StandHandle) -> None:
    assert _took(stand, "/live_metadata") >= 1.3


def slow_task_metadata(stand: StandHandle) -> None:
    task_id = _config(stand, live_task_body(), "slowmeta")
    assert _took(stand, f"/metadata/{task_id}") >= 2.5


def slow_sensors(stand: StandHandle) -> None:
    assert _took(stand, "/sensors") >= 1.3


def config_not_idempotent(stand: StandHandle) -> None:
    task_id = unique_id("twice")
    assert stand.post(f"/config/{task_id}", live_task_body()).status_code == 200
    assert stand.post(f"/config/{task_id}", live_task_body()).status_code == 409


def late_duplicate_queue(stand: StandHandle) -> None:
    task_id = unique_id("dup")
    first = stand.post(f"/config/{task_id}", live_task_body())
    again = stand.post(f"/config/{task_id}", live_task_body())
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    until(lambda: f"{task_id}_results" in stand.queues(), f"{task_id}_results")
    assert never(lambda: [q for q in stand.queues() if task_id in q] != [f"{task_id}_results"], NO_DUPLICATE_YET_S), (
        "the duplicate came at once, not late"
    )
    assert comes(lambda: f"{task_id}_resent_results" in stand.queues()), sorted(stand.queues())


def _recorder_arrivals(stand: StandHandle, key: str, seconds: float, exchange: str = "prisma") -> list[float]:
    with Probe(stand.env["FOCUS_AMQP_URL"], [(exchange, key)]) as probe:
        observe(seconds)
        return [m[2] for m in probe.messages]


def _recorder_window(stand: StandHandle, key: str, seconds: float) -> tuple[list[float], float, float]:
    """Arrivals on prisma over an observation window, and when it began and ended (monotonic clock: a busy host
    makes it longer than asked)."""
    with Probe(stand.env["FOCUS_AMQP_URL"], [("prisma", key)]) as probe:
        began = time.monotonic()
        observe(seconds)
        return [m[2] for m in probe.messages], began, time.monotonic()


def recorder_silent(stand: StandHandle) -> None:
    assert _recorder_arrivals(stand, "#", 2.0) == []
    assert "recorder_input" in stand.consumers_by_connection().get("smart-recorder", [])  # it still consumes


def recorder_wrong_key(stand: StandHandle) -> None:
    assert len(_recorder_arrivals(stand, "recorder_data.#", RECORDER_LISTEN_S)) >= 3


def recorder_sparse(stand: StandHandle) -> None:
    # One message every recorder_sparse_every_s (3 s): over a window of 4 s (longer on a busy host), one more than
    # the whole periods it holds at most, at least one.
    arrivals, began, ended = _recorder_window(stand, "recorder.data.#", 4.0)
    listened = ended - began
    most = int(listened // StandTiming.recorder_sparse_every_s) + 1
    assert 1 <= len(arrivals) <= most, f"{len(arrivals)} messages in {listened:.1f} s (expected 1 to {most})"


def recorder_stops(stand: StandHandle) -> None:
    # The recorder publishes recorder_stops_after_s out of every recorder_stops_period_s (shares of the limit): a
    # window of two periods holds one whole silence, wherever it starts.
    timing = StandTiming(_limit(stand))
    arrivals, began, ended = _recorder_window(stand, "recorder.data.#", 2 * timing.recorder_stops_period_s)
    edges = [began, *arrivals, ended]
    silence = max(b - a for a, b in itertools.pairwise(edges))
    assert arrivals and silence >= 3.0, f"{len(arrivals)} messages, the longest silence {silence:.1f} s"
    assert "recorder_input" in stand.consumers_by_connection().get("smart-recorder", [])  # it still consumes


def recorder_copied_elsewhere(stand: StandHandle) -> None:
    copies = _recorder_arrivals(stand, "recorder.data.#", RECORDER_LISTEN_S, exchange="amq.topic")
    assert len(copies) >= 3, f"{len(copies)} copies in {RECORDER_LISTEN_S} s"
    assert len(_recorder_arrivals(stand, "recorder.data.#", RECORDER_LISTEN_S)) >= 3  # and still on prisma


def no_interrogator_queue(stand: StandHandle) -> None:
    assert "interrogator_input" not in stand.queues()


def no_fail_fast(stand: StandHandle) -> None:
    task_id = unique_id("empty")
    assert stand.post(f"/config/{task_id}", history_task_body(*NOTHING)).status_code == 200
    rows, status = stand.drain_task(task_id, timeout_s=5)
    assert rows == [] and status == 208


def not_found_404(stand: StandHandle) -> None:
    answer = stand.post(f"/config/{unique_id('nf')}", history_task_body(*NOTHING))
    assert answer.status_code == 404 and answer.json() == {"error": "No recording found in given time range"}


def slow_fail_fast(stand: StandHandle) -> None:
    started = time.monotonic()
    answer = stand.post(f"/config/{unique_id('late')}", history_task_body(*NOTHING))
    assert answer.status_code == 400 and time.monotonic() - started >= 5.0


def refused_task_lingers(stand: StandHandle) -> None:
    task_id = unique_id("refused")
    assert stand.post(f"/config/{task_id}", history_task_body(*NOTHING)).status_code == 400
    assert stand.get(f"/waterfall/{task_id}/10").status_code == 200
    assert stand.get(f"/waterfall/{unique_id('never')}/10").status_code == 404  # an id never sent is unknown


def rows_after_eos(stand: StandHandle) -> None:
    task_id = _config(stand, history_task_body("2025-10-11 10:04:55", "2025-10-11 10:05:00"), "after")
    rows, status = stand.drain_task(task_id, timeout_s=5)
    assert len(rows) == 5 and status == 208
    again = stand.get(f"/waterfall/{task_id}/10")
    assert again.status_code == 201 and again.json()[0]["rows"][0]["startTimestamp"] == rows[-1]["startTimestamp"]


def rows_with_200(stand: StandHandle) -> None:
    task_id = _config(stand, history_task_body("2025-10-11 10:04:55", "2025-10-11 10:05:00"), "r200")
    seen: list[dict] = []

    def five_rows() -> bool:
        answer = stand.get(f"/waterfall/{task_id}/10")
        assert answer.status_code in (200, 208), answer.status_code
        if answer.status_code == 200 and answer.content:
            seen.extend(row for block in answer.json() for row in block["rows"])
        return len(seen) >= 5

    comes(five_rows)
    assert len(seen) == 5, f"{len(seen)} rows came with 200"
    live = _config(stand, live_task_body(), "live201")  # live rows keep their 201
    assert comes(lambda: stand.get(f"/waterfall/{live}/10").status_code == 201)


def history_ends_at_hole(stand: StandHandle) -> None:
    task_id = _config(stand, history_task_body("2025-10-09 10:00:00", "2025-10-09 10:15:00"), "hole")
    rows, status = stand.drain_task(task_id, timeout_s=5)
    seconds = sorted(r["startTimestamp"] // 1000 for r in rows)
    assert status == 208 and seconds[0] == utc("2025-10-09 10:00:00") and seconds[-1] < utc("2025-10-09 10:10:00")


def spurious_gap(stand: StandHandle) -> None:
    task_id = _config(stand, history_task_body("2025-10-08 09:00:00", "2025-10-08 09:05:00"), "spur")
    rows, _ = stand.drain_task(task_id, timeout_s=5)
    gaps = gaps_ms([r["startTimestamp"] for r in rows], 2000)
    assert gaps and all(b - a == _gap_jump_ms(stand) for a, b in gaps), (gaps, _gap_jump_ms(stand))


def _gap_jump_ms(stand: StandHandle) -> int:
    """The jump between two rows around one of the faults' gaps: the seconds missing (StandTiming.gap_length_s, a
    share of the limit) and the second of the row before."""
    return (round(StandTiming(_limit(stand)).gap_length_s) + 1) * 1000


def recordings_lose_10s(stand: StandHandle) -> None:
    task_id = _config(stand, history_task_body("2025-10-09 10:00:00", "2025-10-09 10:05:00"), "lose")
    rows, _ = stand.drain_task(task_id, timeout_s=5)
    gaps = gaps_ms([r["startTimestamp"] for r in rows], 2000)
    # a 5-minute recording loses them too
    assert gaps and all(b - a == _gap_jump_ms(stand) for a, b in gaps), (gaps, _gap_jump_ms(stand))


def degrade_seen_body(stand: StandHandle) -> None:
    body = job_body(channels={"min": 1, "max": 40}, displayTimeAxisDuration=7.25)
    first = stand.post("/configure", body).json()
    # Past the window in which a second configure counts as a resend: any body seen before, at any time. Not a wait
    # for readiness: time that must pass.
    time.sleep(StandTiming.resent_within_s + HEAR_MORE_S)
    again = stand.post("/configure", body).json()
    assert (first["channel_amount"], again["channel_amount"]) == (40, 20), (first, again)
    task_body = live_task_body() | {"displayTimeAxisDuration": 7.25}
    answers = [stand.post(f"/config/{unique_id('seen')}", task_body).json() for _ in range(2)]
    assert ("cached" in answers[0], answers[1].get("cached")) == (False, True), answers


def gap_filled(stand: StandHandle) -> None:
    task_id = _config(stand, history_task_body("2025-10-09 10:00:00", "2025-10-09 10:15:00"), "fill")
    rows, _ = stand.drain_task(task_id, timeout_s=5)
    assert len(rows) == 900 and not gaps_ms([r["startTimestamp"] for r in rows], 2000)
    # Only between recordings: nothing after a window's last recording.
    after = _config(stand, history_task_body("2025-10-11 10:04:55", "2025-10-11 10:30:00"), "fillend")
    rows, status = stand.drain_task(after, timeout_s=5)
    assert status == 208 and max(r["startTimestamp"] // 1000 for r in rows) == utc("2025-10-11 10:04:59")
    # The job API plays the hole too, at recording pace: rows from inside it within seconds.
    body = job_body(
        channels={"min": 1, "max": 9}, start_time=utc("2025-10-09 10:04:58"), end_time=utc("2025-10-09 10:10:02")
    )
    outcome = read_stream(stand.post("/configure", body).json(), read_for_s=HOLE_READ_S)
    assert utc("2025-10-09 10:05:00") in {stamp // 1000 for stamp in outcome.timestamps}, outcome.timestamps[:5]


def strict_gaps(stand: StandHandle) -> None:
    answer = stand.post(
        f"/config/{unique_id('strict')}", history_task_body("2025-10-09 10:00:00", "2025-10-09 10:15:00")
    )
    assert answer.status_code == 400, answer.status_code


def no_eos(stand: StandHandle) -> None:
    task_id = _config(stand, history_task_body("2025-10-11 10:04:55", "2025-10-11 10:05:00"), "eos")
    rows, status = stand.drain_task(task_id, timeout_s=3)
    assert len(rows) == 5 and status == 0, (len(rows), status)  # 0: still no 208 when the wait ran out
    # Only the task API's end of stream is broken: a history gRPC stream still ends OK (clause 2.1 intact).
    answer = stand.post(
        "/configure", job_body(start_time=utc("2025-10-11 10:04:58"), end_time=utc("2025-10-11 10:05:00"))
    )
    outcome = read_stream(answer.json(), keep_frames=10, deadline_s=30)
    assert outcome.code == grpc.StatusCode.OK, str(outcome)


def slow_job_metadata(stand: StandHandle) -> None:
    job = stand.post("/configure", job_body()).json()
    assert _took(stand, f"/metadata/{job['job_id']}") >= 2.5


def slow_channels(stand: StandHandle) -> None:
    assert _took(stand, "/channels") >= 1.3


def configure_not_equivalent(stand: StandHandle) -> None:
    body = job_body(channels={"min": 1, "max": 40})
    first, again = (stand.post("/configure", body).json() for _ in range(2))
    assert (first["stream_amount"], again["stream_amount"]) == (1, 2), (first["stream_amount"], again["stream_amount"])
    assert read_stream(again, stream_id=1, keep_frames=1, read_for_s=1.0).frames  # the other split is readable


def resent_job_lingers(stand: StandHandle) -> None:
    body = job_body(channels={"min": 1, "max": 4})
    first, again = (stand.post("/configure", body).json() for _ in range(2))
    for answer in (first, again):
        read_stream(answer, keep_frames=1, read_for_s=1.0)
    assert comes(lambda: stand.get(f"/metadata/{first['job_id']}").status_code == 404)
    # read and closed, yet still there, and for a while
    assert never(lambda: stand.get(f"/metadata/{again['job_id']}").status_code != 200, LINGER_S)


def resent_job_unreadable(stand: StandHandle) -> None:
    body = job_body(channels={"min": 1, "max": 4})
    first, again = (stand.post("/configure", body).json() for _ in range(2))
    assert read_stream(first, keep_frames=1, read_for_s=1.0).frames  # the first job streams as usual
    mute = read_stream(again, keep_frames=1, deadline_s=5.0)
    assert mute.code == grpc.StatusCode.OK and not mute.frames, (mute.code, len(mute.frames))


def history_stream_empty(stand: StandHandle) -> None:
    answer = stand.post(
        "/configure", job_body(start_time=utc("2025-10-11 10:04:57"), end_time=utc("2025-10-11 10:05:00"))
    )
    assert answer.status_code == 200, answer.status_code
    outcome = read_stream(answer.json(), deadline_s=30)
    assert outcome.code == grpc.StatusCode.OK and not outcome.timestamps, (outcome.code, outcome.timestamps[:3])
    live = read_stream(stand.post("/configure", job_body()).json(), keep_frames=1, read_for_s=1.0)
    assert live.frames  # live streams are untouched


def history_ends_early(stand: StandHandle) -> None:
    answer = stand.post(
        "/configure", job_body(start_time=utc("2025-10-11 10:04:54"), end_time=utc("2025-10-11 10:05:00"))
    )
    outcome = read_stream(answer.json(), deadline_s=30)
    seconds = sorted({stamp // 1000 for stamp in outcome.timestamps})
    # Ended OK StandTiming.history_early_s before the last recorded second (10:04:59), its rows whole until then.
    last = utc("2025-10-11 10:04:59") - round(StandTiming(_limit(stand)).history_early_s)
    assert outcome.code == grpc.StatusCode.OK, str(outcome)
    assert seconds == list(range(utc("2025-10-11 10:04:54"), last + 1)), (seconds, last)
    task_id = _config(stand, history_task_body("2025-10-11 10:04:55", "2025-10-11 10:05:00"), "early")
    rows, status = stand.drain_task(task_id, timeout_s=5)
    assert status == 208 and len(rows) == 5, (status, len(rows))  # the task API's history is whole


def history_overrun(stand: StandHandle) -> None:
    answer = stand.post(
        "/configure", job_body(start_time=utc("2025-10-11 10:04:59"), end_time=utc("2025-10-11 10:05:00"))
    )
    outcome = read_stream(answer.json(), deadline_s=30)
    seconds = sorted({stamp // 1000 for stamp in outcome.timestamps})
    # Rows for StandTiming.overrun_s seconds past the recording's end (10:05:00): one per second from 10:05:00 on.
    last = utc("2025-10-11 10:05:00") + round(StandTiming.overrun_s) - 1
    assert outcome.code == grpc.StatusCode.OK and seconds[-1] == last, (outcome.code, seconds, last)


EFFECTS: dict[str, Callable[[StandHandle], None]] = {
    name.replace("_", "-"): function
    for name, function in list(globals().items())
    if callable(function) and not name.startswith("_") and getattr(function, "__module__", "") == __name__
}
EFFECTS["grpc-limit-240"] = grpc_limit_240
EFFECTS["grpc-limit-60"] = grpc_limit_60
