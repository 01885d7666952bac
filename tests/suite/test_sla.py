"""The §2 judgements on synthetic timelines and answers: each passes on what the clause asks and fails otherwise."""

from __future__ import annotations

import grpc
import pytest

from support import sla
from support.errors import PreconditionNotMet
from support.focus_api import Answer
from support.grpc_stream import Ending, FrameArrival, StreamTimeline
from support.settings import Settings
from support.sla import RepeatedConfig, StreamJob

SETTINGS = Settings(base_url="http://x", stream_limit_s=180, stream_tolerance_s=3)


def timeline(
    ended_s: float,
    code: grpc.StatusCode,
    ending: Ending = Ending.SERVER,
    frames_every_s: float = 1.0,
    last_frame_s: float | None = None,
    read_for_s: float | None = None,
) -> StreamTimeline:
    last = ended_s - 0.1 if last_frame_s is None else last_frame_s
    count = int(last / frames_every_s) + 1
    arrivals = [min(n * frames_every_s, last) for n in range(count)]
    return StreamTimeline(
        address="h:1",
        stream_id=0,
        deadline_s=210,
        read_for_s=read_for_s,
        frames=[FrameArrival(n, at, 1, 1000 * n, 1000 * n) for n, at in enumerate(arrivals)],
        row_timestamps_ms=[1_000_000_000 + 1000 * n for n in range(count)],
        ending=ending,
        code=code,
        ended_s=ended_s,
    )


@pytest.mark.parametrize(("ended_s"), [177.0, 180.2, 183.0])
def test_a_server_deadline_at_the_limit_within_the_tolerance_passes(ended_s: float) -> None:
    sla.check_ended_at_limit(timeline(ended_s, grpc.StatusCode.DEADLINE_EXCEEDED), SETTINGS)


@pytest.mark.parametrize(
    ("stream", "why"),
    [
        (timeline(60.1, grpc.StatusCode.DEADLINE_EXCEEDED), "between 177 s and 183 s"),
        (timeline(183.2, grpc.StatusCode.DEADLINE_EXCEEDED), "between 177 s and 183 s"),
        (timeline(180.0, grpc.StatusCode.OK), "with DEADLINE_EXCEEDED; it was ended by the server at 180.00 s"),
        (timeline(180.0, grpc.StatusCode.CANCELLED), "with DEADLINE_EXCEEDED"),
        (timeline(210.0, grpc.StatusCode.CANCELLED, Ending.OUR_DEADLINE), "it was cut by our own deadline at 210.00"),
    ],
)
def test_any_other_ending_fails_the_limit(stream: StreamTimeline, why: str) -> None:
    with pytest.raises(AssertionError, match=why):
        sla.check_ended_at_limit(stream, SETTINGS)


def test_frames_near_the_limit() -> None:
    sla.check_frames_near_limit(timeline(180.1, grpc.StatusCode.DEADLINE_EXCEEDED), SETTINGS, 10)
    with pytest.raises(AssertionError, match="no frame arrived at or after 170 s"):
        sla.check_frames_near_limit(timeline(60.1, grpc.StatusCode.DEADLINE_EXCEEDED), SETTINGS, 10)
    silent = timeline(180.1, grpc.StatusCode.DEADLINE_EXCEEDED, last_frame_s=150)
    with pytest.raises(AssertionError, match=r"last frame at 150\.00 s"):
        sla.check_frames_near_limit(silent, SETTINGS, 10)


def test_a_history_ending_ok_before_the_limit() -> None:
    sla.check_ended_ok_before_limit(timeline(6.2, grpc.StatusCode.OK), SETTINGS)
    for bad in (
        timeline(180.0, grpc.StatusCode.DEADLINE_EXCEEDED),
        timeline(180.5, grpc.StatusCode.OK),
        timeline(210.0, grpc.StatusCode.CANCELLED, Ending.OUR_DEADLINE),
    ):
        with pytest.raises(AssertionError):
            sla.check_ended_ok_before_limit(bad, SETTINGS)


def test_a_stream_closed_by_us_without_error_and_still_delivering() -> None:
    ours = timeline(5.0, grpc.StatusCode.CANCELLED, Ending.CLOSED_BY_US, frames_every_s=0.2, read_for_s=5)
    sla.check_closed_by_us_without_error(ours)
    sla.check_frames_until_closed(ours, 2)
    ended_early = timeline(1.0, grpc.StatusCode.INTERNAL, read_for_s=5)
    with pytest.raises(AssertionError, match="stayed open until we closed it at 5 s; it was ended by the server"):
        sla.check_closed_by_us_without_error(ended_early)
    gone_quiet = timeline(5.0, grpc.StatusCode.CANCELLED, Ending.CLOSED_BY_US, last_frame_s=1.0, read_for_s=5)
    with pytest.raises(AssertionError, match=r"silent for 4\.00 s"):
        sla.check_frames_until_closed(gone_quiet, 2)


def test_the_stream_must_reach_the_last_recorded_second_not_every_second() -> None:
    stream = timeline(6.0, grpc.StatusCode.OK)  # rows at 1_000_000 s .. 1_000_005 s
    job = StreamJob("history", None, (1_000_000, 1_000_006))  # type: ignore[arg-type]
    sla.check_reached_last_recorded_instant(stream, job)
    longer = StreamJob("history", None, (1_000_000, 1_000_008))  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="ended before the window's last recorded second"):
        sla.check_reached_last_recorded_instant(stream, longer)


def test_the_window_lies_in_the_shortest_stretch_that_holds_it() -> None:
    stretches = [(0, 3600), (4000, 4300), (4600, 4900)]
    assert sla.window_in_one_stretch(stretches, 6) == (4000, 4006)
    assert sla.window_in_one_stretch(stretches, 240) == (4000, 4240)
    assert sla.window_in_one_stretch(stretches, 301) == (0, 301)
    assert sla.window_in_one_stretch(stretches, 3601) is None


def answer(status: int, text: str) -> Answer:
    return Answer("POST /config/t", status, 0.01, text)


ACCEPTED = '{"status": "Config received successfully", "task_id": "t"}'


def test_the_same_answer_each_time() -> None:
    sla.check_same_answers(RepeatedConfig("t", {}, [answer(200, ACCEPTED)] * 3))
    with pytest.raises(AssertionError, match=r"send 2 of the same configure answered \{'status': 409"):
        sla.check_same_answers(RepeatedConfig("t", {}, [answer(200, ACCEPTED), answer(409, '{"error": "exists"}')]))
    other = ACCEPTED.replace("successfully", "again")
    with pytest.raises(AssertionError, match="send 3"):
        sla.check_same_answers(
            RepeatedConfig("t", {}, [answer(200, ACCEPTED), answer(200, ACCEPTED), answer(200, other)])
        )
    with pytest.raises(AssertionError, match="should be accepted"):
        sla.check_same_answers(RepeatedConfig("t", {}, [answer(500, "boom")] * 2))


class _AcceptsButNeverRuns:
    """A target that accepts the task's configuration, then never answers its metadata with 201."""

    def config_task(self, task_id: str, config: object) -> Answer:
        return Answer(f"POST /config/{task_id}", 200, 0.01, '{"status": "Config received successfully"}', None)

    def task_metadata(self, task_id: str) -> Answer:
        return Answer(f"GET /metadata/{task_id}", 404, 0.01, '{"detail": "unknown"}', None)


def test_a_set_up_task_that_never_runs_is_a_precondition_not_met(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set-up of 2.2, like a refused configure: with no running task there is no latency to judge."""
    monkeypatch.setenv("FOCUS_TASK_READY_S", "0.3")
    monkeypatch.setattr(sla, "get_settings", Settings)  # read afresh, as the run reads it once
    with pytest.raises(PreconditionNotMet, match=r"was accepted but never ran: waited 0\.3 s for GET /metadata/"):
        sla.configure_ready_task(_AcceptsButNeverRuns())  # type: ignore[arg-type]


class _QueuesAppearing:
    """A management API whose queue list grows: after `late_after` listings, a second queue of the task shows."""

    def __init__(self, task_id: str, late_after: int | None) -> None:
        self.task_id, self.late_after, self.listings = task_id, late_after, 0

    def queues(self) -> list:
        from support.rabbit_admin import Queue

        self.listings += 1
        names = [f"{self.task_id}_results", "recorder_input"]
        if self.late_after is not None and self.listings > self.late_after:
            names.append(f"{self.task_id}_resent_results")
        return [Queue(name=name, vhost="/") for name in names]


class _ReadyTask:
    def task_metadata(self, task_id: str) -> Answer:
        return Answer("GET /metadata/{task_id}", 201, 0.01, "{}")


@pytest.mark.parametrize("late_after", [3, None], ids=["late duplicate", "one queue"])
def test_a_duplicate_queue_that_shows_a_moment_late_is_seen(monkeypatch: pytest.MonkeyPatch, late_after) -> None:
    monkeypatch.setattr(sla.Timing, "queue_settle_s", 1.5)
    monkeypatch.setattr(sla, "attach_json", lambda *_: None)
    admin = _QueuesAppearing("sla-abc", late_after)
    if late_after is None:
        sla.check_one_task_one_queue(_ReadyTask(), admin, "sla-abc")
        assert admin.listings >= 3, "watched for the whole settle time, not only once"
        return
    with pytest.raises(AssertionError, match="sla-abc_resent_results"):
        sla.check_one_task_one_queue(_ReadyTask(), admin, "sla-abc")
