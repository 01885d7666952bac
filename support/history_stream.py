"""History over the job API: configure a job for a window, read its gRPC stream to the end, judge (clause §4).

The production server offers no waterfall: history is a job (`POST /configure`, epoch seconds) whose gRPC stream
plays the recorded data at recording pace and skips holes. What the waterfall's rows and 208 say there, the stream
says here (contract, "Target shapes"): the rows are the frames' `timestamp_in_milis`, and the end of stream is the
stream ending with status OK once the last recorded instant has come. Coverage and holes are judged by the same
functions as for the waterfall (`support.waterfall.expect_coverage` / `expect_holes`, on `.timestamps`), and the
same picture and gap table are attached.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc

from support.errors import PreconditionNotMet
from support.evidence import attach_json, attach_png
from support.focus_api import Answer, FocusServer
from support.grpc_stream import Ending, Frame, StreamTimeline, read_job_stream
from support.models import JobConfig, JobConfigured, Range, Row, SensorIntensity
from support.pictures import waterfall_png
from support.recordings import HistoryWindow
from support.settings import Settings
from support.timeline import CONTINUITY_MS, find_temporal_gaps, fmt

# §4 is about time, not channels: a few keep the frames small (channels are 1-based in the job API).
HISTORY_CHANNELS = Range(min=1, max=8)


def history_job_config(history: HistoryWindow) -> JobConfig:
    """The job body for a window: the defaults, a few channels, and no mode (the clarifications say none exists)."""
    return JobConfig.history(history.window.start, history.window.end, channels=HISTORY_CHANNELS)


@dataclass
class StreamReading:
    """Everything one read of a history job's stream gave: its timeline and the rows, for the picture."""

    job_id: str
    timeline: StreamTimeline
    rows: list[Row] = field(default_factory=list)

    @property
    def timestamps(self) -> list[int]:
        return sorted(self.timeline.row_timestamps_ms)


def expect_job_accepted(answer: Answer) -> JobConfigured:
    assert answer.status == 200 and isinstance(answer.body, JobConfigured), (
        f"{answer.route} answered {answer.status}, not 200: {answer.text[:300]}"
    )
    return answer.body


def read_history_job(answer: Answer, history: HistoryWindow, settings: Settings) -> StreamReading:
    """Read the job's stream until the server ends it (our deadline: the stream limit plus a margin); attach it."""
    if not isinstance(answer.body, JobConfigured):
        raise PreconditionNotMet(f"no job to read: {answer.route} answered {answer.status}")
    configured = answer.body
    rows: list[Row] = []

    def keep(frame: Frame) -> None:
        rows.extend(_rows(configured.job_id, frame))

    timeline = StreamTimeline(address=configured.grpc_address, stream_id=-1, deadline_s=0, read_for_s=None)
    reading = StreamReading(configured.job_id, timeline, rows)
    try:
        reading.timeline = read_job_stream(
            configured,
            deadline_s=settings.stream_limit_s + settings.timing.deadline_margin_s,
            connect_timeout_s=settings.grpc_ready_s,
            on_frame=keep,
        )
    finally:
        attach_stream_reading(reading, history)
    _expect_not_cut_by_the_limit(reading, history)
    return reading


def read_history_jobs(
    focus: FocusServer, answers: list[Answer], histories: list[HistoryWindow], settings: Settings
) -> list[StreamReading]:
    """Read each window's job in turn; a window after the first is configured when its turn comes (`answers` grows),
    as a job nobody connects to ends within a minute."""
    readings = []
    for index, history in enumerate(histories):
        if index >= len(answers):
            answers.append(focus.configure(history_job_config(history)))
            expect_job_accepted(answers[index])
        readings.append(read_history_job(answers[index], history, settings))
    return readings


def _expect_not_cut_by_the_limit(reading: StreamReading, history: HistoryWindow) -> None:
    """A window of ours holds less recorded data than the stream limit: a stream the server cut with
    DEADLINE_EXCEEDED before its data ran out was cut by a wrong limit, which is clause 2.1's business. This
    clause then cannot be judged (broken: not verified), rather than failed for what 2.1 judges."""
    timeline, last = reading.timeline, history.last_covered_ms
    if timeline.ending is not Ending.SERVER or timeline.code is not grpc.StatusCode.DEADLINE_EXCEEDED:
        return
    reached = max(reading.timestamps, default=None)
    if last is not None and (reached is None or reached < last - CONTINUITY_MS):
        raise PreconditionNotMet(
            f"precondition not met: the stream was cut before the window's data ran out ({timeline.ended_text()}; "
            f"last row {fmt(reached) if reached else 'none'}, last recorded instant {fmt(last)}); the window holds "
            "less recorded data than the stream limit, so the limit itself is wrong: see clause 2.1; this clause "
            "could not be judged"
        )


def each(histories: list[HistoryWindow], readings: list[Any], check: Callable[[Any, HistoryWindow], None]) -> None:
    """Judge every window of a clause (4.5 may need two) with `check`; a failure names its window when several."""
    for history, reading in zip(histories, readings, strict=True):
        try:
            check(reading, history)
        except AssertionError as error:
            if len(histories) == 1:
                raise
            raise AssertionError(f"window {history.window.label()} {history.shape.value}: {error}") from None


def _rows(job_id: str, frame: Frame) -> list[Row]:
    """The frame's rows as waterfall rows (one intensity per channel: the mean over its bins), for the picture."""
    means = frame.data.mean(axis=2)
    channels = range(frame.start_channel, frame.end_channel + 1)
    return [
        Row.model_construct(
            canvasId=job_id,
            sensors=[
                SensorIntensity.model_construct(id=c, intensity=[float(v)]) for c, v in zip(channels, row, strict=True)
            ],
            startTimestamp=stamp,
            endTimestamp=stamp,
        )
        for stamp, row in zip(frame.timestamps_ms, means, strict=True)
    ]


def attach_stream_reading(reading: StreamReading, history: HistoryWindow) -> None:
    gaps = find_temporal_gaps(reading.timestamps, CONTINUITY_MS)
    title = (
        f"job {reading.job_id}: window {history.window.label()} {history.shape.value}\n"
        # wrapped, never cut: the caption is the reading's verdict in words
        + textwrap.fill(f"{len(reading.timestamps)} rows over gRPC; {reading.timeline.ended_text()}", 130)
    )
    attach_png("stream received", waterfall_png(reading.rows, history.window, history.recordings, gaps, title))
    attach_json("gRPC stream timeline", reading.timeline.summary())
    attach_json(
        "gaps found in the rows",
        {
            "threshold_ms": CONTINUITY_MS,
            "gaps": [gap.as_dict() for gap in gaps],
            "catalogue_holes": [hole.as_dict() for hole in history.holes],
        },
    )


# -- judging ---------------------------------------------------------------------------------------------------


def expect_stream_rows(reading: StreamReading) -> None:
    assert reading.timestamps, f"no rows received; the stream was {reading.timeline.ended_text()}"


def expect_stream_end(reading: StreamReading, history: HistoryWindow) -> None:
    """The end of stream over gRPC: the server ended it with OK, after the rows reached the last recorded instant."""
    timeline = reading.timeline
    assert timeline.ending is Ending.SERVER and timeline.code is grpc.StatusCode.OK, (
        f"the stream should have ended with status OK once its data ran out; it was {timeline.ended_text()}"
    )
    last = history.last_covered_ms
    assert last is not None, f"{history.describe()}: nothing recorded, no end of data to wait for"
    reached = max(reading.timestamps, default=None)
    assert reached is not None and reached >= last - CONTINUITY_MS, (
        f"the stream ended OK before its data had come: last row {fmt(reached) if reached else 'none'}, "
        f"last recorded instant {fmt(last)}; {history.describe()}"
    )


def expect_nothing_after_last_recorded(reading: StreamReading, history: HistoryWindow) -> None:
    """No row from after the window's last recorded instant (give or take the row spacing the contract allows)."""
    last = history.last_covered_ms
    assert last is not None, f"{history.describe()}: nothing recorded"
    after = [stamp for stamp in reading.timestamps if stamp > last + CONTINUITY_MS]
    assert not after, (
        f"{len(after)} row(s) came after the last recorded instant {fmt(last)}, from {fmt(after[0])} to "
        f"{fmt(after[-1])}; {history.describe()}"
    )
