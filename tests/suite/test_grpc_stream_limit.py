"""Clause 2.1 judged on stream timelines made by hand (limit 180 s ± 3 s)."""

from __future__ import annotations

import grpc
import pytest
from answers import JOB_ANSWER

from support.grpc_stream import Ending, FrameArrival, StreamTimeline
from support.grpc_stream_limit import (
    StreamJob,
    StreamRead,
    check_closed_by_us_without_error,
    check_ended_at_limit,
    check_ended_ok_before_limit,
    check_frames_near_limit,
    check_frames_until_closed,
    check_not_cut_before_its_end,
)
from support.models import JobConfigured

CONFIGURED = JobConfigured.model_validate(JOB_ANSWER | {"job_id": "1-2", "stream_port": 1})
WINDOW = (1_000, 1_060)  # epoch s, end exclusive


def stream(
    ending: Ending | None,
    code: grpc.StatusCode | None,
    ended_s: float | None,
    frames: tuple[float, ...] = (1.0,),
    rows_ms: tuple[int, ...] = (),
    read_for_s: float | None = None,
) -> StreamRead:
    timeline = StreamTimeline("127.0.0.1:1", 0, 190.0, read_for_s, ending=ending, code=code, ended_s=ended_s)
    timeline.frames = [FrameArrival(n, at, 1, 0, 0) for n, at in enumerate(frames)]
    timeline.row_timestamps_ms = list(rows_ms)
    job = StreamJob("history" if rows_ms else "live", CONFIGURED, WINDOW if rows_ms else None)
    return StreamRead(job, timeline, 180.0, 3.0)


SERVER, DEADLINE, OK = Ending.SERVER, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.OK


@pytest.mark.parametrize("ended_s", [177.0, 180.0, 183.0])
def test_a_server_deadline_at_the_limit_within_the_tolerance(ended_s: float) -> None:
    check_ended_at_limit(stream(SERVER, DEADLINE, ended_s))


@pytest.mark.parametrize(
    ("read", "said"),
    [
        (stream(SERVER, DEADLINE, 176.9), "between 177 s and 183 s"),
        (stream(SERVER, DEADLINE, 183.1), "between 177 s and 183 s"),
        (stream(SERVER, grpc.StatusCode.CANCELLED, 180.0), "with DEADLINE_EXCEEDED"),
        (stream(Ending.OUR_DEADLINE, None, 190.0), "the server should have ended"),
    ],
)
def test_any_other_ending_fails_the_limit(read: StreamRead, said: str) -> None:
    with pytest.raises(AssertionError, match=said):
        check_ended_at_limit(read)


def test_frames_near_the_limit() -> None:
    check_frames_near_limit(stream(SERVER, DEADLINE, 180.0, frames=(1.0, 171.0)), 10)
    with pytest.raises(AssertionError, match=r"no frame arrived at or after 170 s"):
        check_frames_near_limit(stream(SERVER, DEADLINE, 180.0, frames=(1.0, 169.0)), 10)


def test_a_history_stream_ends_ok_before_the_limit() -> None:
    check_ended_ok_before_limit(stream(SERVER, OK, 60.0))
    with pytest.raises(AssertionError, match=r"with OK"):
        check_ended_ok_before_limit(stream(SERVER, DEADLINE, 60.0))
    with pytest.raises(AssertionError, match=r"before the 180 s limit"):
        check_ended_ok_before_limit(stream(SERVER, OK, 180.0))


def test_a_stream_closed_by_us_without_error_and_still_delivering() -> None:
    read = stream(Ending.CLOSED_BY_US, None, 20.0, frames=(1.0, 19.5), read_for_s=20)
    check_closed_by_us_without_error(read)
    check_frames_until_closed(read, 1.0)
    with pytest.raises(AssertionError, match=r"silent for 9.50 s"):
        check_frames_until_closed(stream(Ending.CLOSED_BY_US, None, 20.0, frames=(10.5,), read_for_s=20), 1.0)
    with pytest.raises(AssertionError, match=r"stayed open until we closed it at 20 s"):
        check_closed_by_us_without_error(stream(SERVER, grpc.StatusCode.INTERNAL, 5.0, read_for_s=20))
    with pytest.raises(AssertionError, match=r"no frame arrived in 20 s"):
        check_closed_by_us_without_error(stream(Ending.CLOSED_BY_US, None, 20.0, frames=(), read_for_s=20))


def test_an_error_ending_while_data_remained_is_a_cut() -> None:
    check_not_cut_before_its_end(stream(SERVER, DEADLINE, 180.0, rows_ms=(1_000_000, 1_059_500)))
    check_not_cut_before_its_end(stream(SERVER, OK, 30.0, rows_ms=(1_000_000, 1_030_000)))  # clause 4's, not this
    with pytest.raises(AssertionError, match=r"cut the stream with INTERNAL before the window's last recorded second"):
        check_not_cut_before_its_end(stream(SERVER, grpc.StatusCode.INTERNAL, 30.0, rows_ms=(1_000_000, 1_030_000)))
