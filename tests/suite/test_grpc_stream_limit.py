"""Clause 2.1's judgements on synthetic timelines: each passes on what the clause asks and fails otherwise."""

from __future__ import annotations

import grpc
import pytest

from support import grpc_stream_limit
from support.grpc_stream import Ending, FrameArrival, StreamTimeline
from support.settings import Settings
from support.stream_jobs import StreamJob

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
    grpc_stream_limit.check_ended_at_limit(timeline(ended_s, grpc.StatusCode.DEADLINE_EXCEEDED), SETTINGS)


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
        grpc_stream_limit.check_ended_at_limit(stream, SETTINGS)


def test_frames_near_the_limit() -> None:
    grpc_stream_limit.check_frames_near_limit(timeline(180.1, grpc.StatusCode.DEADLINE_EXCEEDED), SETTINGS, 10)
    with pytest.raises(AssertionError, match="no frame arrived at or after 170 s"):
        grpc_stream_limit.check_frames_near_limit(timeline(60.1, grpc.StatusCode.DEADLINE_EXCEEDED), SETTINGS, 10)
    silent = timeline(180.1, grpc.StatusCode.DEADLINE_EXCEEDED, last_frame_s=150)
    with pytest.raises(AssertionError, match=r"last frame at 150\.00 s"):
        grpc_stream_limit.check_frames_near_limit(silent, SETTINGS, 10)


def test_a_history_ending_ok_before_the_limit() -> None:
    grpc_stream_limit.check_ended_ok_before_limit(timeline(6.2, grpc.StatusCode.OK), SETTINGS)
    for bad in (
        timeline(180.0, grpc.StatusCode.DEADLINE_EXCEEDED),
        timeline(180.5, grpc.StatusCode.OK),
        timeline(210.0, grpc.StatusCode.CANCELLED, Ending.OUR_DEADLINE),
    ):
        with pytest.raises(AssertionError):
            grpc_stream_limit.check_ended_ok_before_limit(bad, SETTINGS)


def test_a_stream_closed_by_us_without_error_and_still_delivering() -> None:
    ours = timeline(5.0, grpc.StatusCode.CANCELLED, Ending.CLOSED_BY_US, frames_every_s=0.2, read_for_s=5)
    grpc_stream_limit.check_closed_by_us_without_error(ours)
    grpc_stream_limit.check_frames_until_closed(ours, 2)
    ended_early = timeline(1.0, grpc.StatusCode.INTERNAL, read_for_s=5)
    with pytest.raises(AssertionError, match="stayed open until we closed it at 5 s; it was ended by the server"):
        grpc_stream_limit.check_closed_by_us_without_error(ended_early)
    gone_quiet = timeline(5.0, grpc.StatusCode.CANCELLED, Ending.CLOSED_BY_US, last_frame_s=1.0, read_for_s=5)
    with pytest.raises(AssertionError, match=r"silent for 4\.00 s"):
        grpc_stream_limit.check_frames_until_closed(gone_quiet, 2)


HISTORY = StreamJob("history", None, (1_000_000, 1_000_006))  # type: ignore[arg-type]
LONGER = StreamJob("history", None, (1_000_000, 1_000_008))  # type: ignore[arg-type]


def test_a_stream_whose_rows_reached_the_last_recorded_second_was_not_cut() -> None:
    stream = timeline(6.0, grpc.StatusCode.OK)  # rows at 1_000_000 s .. 1_000_005 s
    grpc_stream_limit.check_not_cut_before_its_end(stream, HISTORY)
    # Held open past its data and ended at the limit: no cut (all its data came); the ending's own check judges it.
    grpc_stream_limit.check_not_cut_before_its_end(timeline(180.0, grpc.StatusCode.DEADLINE_EXCEEDED), HISTORY)


@pytest.mark.parametrize("code", [grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.INTERNAL])
def test_an_error_ending_while_data_remained_is_a_cut(code: grpc.StatusCode) -> None:
    with pytest.raises(AssertionError, match=f"cut the stream with {code.name} before the window's last recorded"):
        grpc_stream_limit.check_not_cut_before_its_end(timeline(6.0, code), LONGER)


def test_an_ok_ending_before_the_last_recorded_second_is_no_matter_of_the_limit() -> None:
    """Clause 2.1 judges the limit: a server that ends a history stream OK before its data all came is short of
    rows, clause 4's business (issue 25: such a server failed 2.1 besides 4.2-4.6)."""
    early = timeline(6.0, grpc.StatusCode.OK)  # rows to 1_000_005 s of a window whose last second is 1_000_007
    grpc_stream_limit.check_not_cut_before_its_end(early, LONGER)
    grpc_stream_limit.check_ended_ok_before_limit(early, SETTINGS)
    empty = timeline(0.2, grpc.StatusCode.OK)
    empty.row_timestamps_ms.clear()
    grpc_stream_limit.check_not_cut_before_its_end(empty, LONGER)
    grpc_stream_limit.check_ended_ok_before_limit(empty, SETTINGS)
