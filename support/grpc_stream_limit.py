"""Clause 2.1, the gRPC stream limit: the judgements of a job's stream timeline, each figure shown in the report.

The job and the reading of its stream are shared set-up (`support.stream_jobs`); the timeline itself (frames, their
arrival, who ended the stream, with which status, when) is `support.grpc_stream`'s. Here: was the stream ended by
the server at the limit, and not cut with an error before it while data remained; did a history stream end OK
before the limit; did frames keep coming. Only the limit: a history stream the server ends OK before all its
recorded data came is short of rows, which is clause 4's business (4.2 … 4.6), never this clause's.
"""

from __future__ import annotations

import grpc

from support.evidence import report_figure
from support.grpc_stream import Ending, StreamTimeline
from support.settings import Settings
from support.stream_jobs import StreamJob, iso


def check_closed_by_us_without_error(timeline: StreamTimeline) -> None:
    """The server neither ended the stream nor failed it before we closed it, and it did deliver frames."""
    assert timeline.ending is Ending.CLOSED_BY_US, (
        f"the stream should have stayed open until we closed it at {timeline.read_for_s:g} s; it was "
        f"{timeline.ended_text()}"
    )
    assert timeline.frames, f"no frame arrived in {timeline.read_for_s:g} s"


def check_frames_until_closed(timeline: StreamTimeline, silence_s: float) -> None:
    """The stream was still delivering when we closed it: its last frame came at most `silence_s` before."""
    assert timeline.ended_s is not None and timeline.last_frame_s is not None, (
        f"no frame arrived; {timeline.ended_text()}"
    )
    silent = timeline.ended_s - timeline.last_frame_s
    assert silent <= silence_s, (
        f"the stream had been silent for {silent:.2f} s when we closed it (at most {silence_s:g} s expected); "
        f"{timeline.ended_text()}"
    )


def check_ended_ok_before_limit(timeline: StreamTimeline, settings: Settings) -> None:
    limit = settings.stream_limit_s
    assert timeline.ending is Ending.SERVER and timeline.code is grpc.StatusCode.OK, (
        f"the server should have ended the stream with OK when its data ran out; it was {timeline.ended_text()}"
    )
    assert timeline.ended_s is not None and timeline.ended_s < limit, (
        f"the stream should have ended before the {limit:g} s limit; it was {timeline.ended_text()}"
    )
    report_figure(f"measured: ended OK at {timeline.ended_s:.2f} s, before the {limit:g} s limit")


def check_not_cut_before_its_end(timeline: StreamTimeline, job: StreamJob) -> None:
    """The server did not end the stream with an error while the window's data remained (its rows had not reached
    the window's last recorded second). An OK ending is no cut: whether it came after every recorded second is
    clause 4's business (the rows' completeness), not the limit's."""
    assert job.window is not None, "only a history job has a window"
    start, end = job.window
    last = max(timeline.row_timestamps_ms, default=None)
    reached = iso(last // 1000) if last is not None else "none"
    report_figure(
        f"measured: last row {reached}, last recorded second {iso(end - 1)} ({timeline.rows} rows); "
        f"{timeline.ending or 'not ended'} with status {timeline.code_name}"
    )
    if timeline.ending is not Ending.SERVER or timeline.code is grpc.StatusCode.OK:
        return  # not ended by the server, or ended OK: what the check of the ending judges
    assert last is not None and last // 1000 >= end - 1, (
        f"the server cut the stream with {timeline.code_name} before the window's last recorded second "
        f"{iso(end - 1)}: last row {reached} (window {iso(start)} .. {iso(end)}); {timeline.ended_text()}"
    )


def check_frames_near_limit(timeline: StreamTimeline, settings: Settings, before_limit_s: float) -> None:
    """Frames still arrive `before_limit_s` seconds before the limit: the stream is not cut early."""
    instant = settings.stream_limit_s - before_limit_s
    late = timeline.frames_from(instant)
    assert late, f"no frame arrived at or after {instant:g} s into the call; the stream was {timeline.ended_text()}"
    report_figure(f"measured: {len(late)} frames arrived from {instant:g} s on, the first at {late[0].arrived_s:.2f} s")


def check_ended_at_limit(timeline: StreamTimeline, settings: Settings) -> None:
    """The server, not we, ended the stream with DEADLINE_EXCEEDED within the tolerance around the limit."""
    limit, tolerance = settings.stream_limit_s, settings.stream_tolerance_s
    low, high = limit - tolerance, limit + tolerance
    assert timeline.ending is Ending.SERVER, (
        f"the server should have ended the stream at {limit:g} s ± {tolerance:g} s; it was {timeline.ended_text()}"
    )
    assert timeline.code is grpc.StatusCode.DEADLINE_EXCEEDED, (
        f"the server should have ended the stream with DEADLINE_EXCEEDED; it was {timeline.ended_text()}"
    )
    assert timeline.ended_s is not None
    report_figure(
        f"measured: the server ended the stream at {timeline.ended_s:.2f} s with DEADLINE_EXCEEDED; "
        f"expected {low:g} s .. {high:g} s (limit {limit:g} s, tolerance {tolerance:g} s)"
    )
    assert low <= timeline.ended_s <= high, (
        f"the stream should have ended between {low:g} s and {high:g} s after the call start; it was "
        f"{timeline.ended_text()}"
    )
