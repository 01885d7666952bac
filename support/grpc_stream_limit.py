"""Clause 2.1, the gRPC stream limit: jobs whose stream is read and timed (live, over history, or outlasting the
limit), then judged: the server ends the stream at the limit, not with an error while data remained; a history stream
ends OK before it; frames keep coming. A history stream short of rows is clause 4's business."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import grpc

from support.errors import PreconditionNotMet
from support.evidence import Shown, cut_text
from support.grpc_stream import Ending, StreamTimeline
from support.models import JobConfig, JobConfigured, fresh_display

if TYPE_CHECKING:
    from support.world import World

MODES = ("live", "history")


def iso(epoch_s: int) -> str:
    """An instant of a window (epoch s) as the evidence shows it: ISO 8601, UTC."""
    return datetime.fromtimestamp(epoch_s, UTC).isoformat()


@dataclass(frozen=True)
class StreamJob:
    """A configured job whose stream a scenario reads; `window` (epoch s, end exclusive) for history only."""

    mode: str
    configured: JobConfigured
    window: tuple[int, int] | None = None

    def shown(self) -> list[Shown]:
        described: dict[str, Any] = {"mode": self.mode, "job_id": self.configured.job_id}
        if self.window:
            described |= {"window": [iso(s) for s in self.window], "recorded_seconds": self.window[1] - self.window[0]}
        return [Shown("job under test", "json", described)]


@dataclass(frozen=True)
class StreamRead:
    """A job's stream as read, with the limit it is judged against."""

    job: StreamJob
    timeline: StreamTimeline
    limit_s: float
    tolerance_s: float

    def shown(self) -> list[Shown]:
        timeline = self.timeline
        summary = timeline.summary() | {"stream_limit_s": self.limit_s, "tolerance_s": self.tolerance_s}
        shown = [
            Shown("gRPC stream timeline", "json", summary),
            Shown("gRPC frames", "csv", timeline.frames_csv()),
            Shown(f"measured: {self.job.mode} stream {timeline.ended_text()}", "figure"),
        ]
        if self.job.window is not None:
            last = max(timeline.row_timestamps_ms, default=None)
            reached = iso(last // 1000) if last is not None else "none"
            said = f"last row {reached}, last recorded second {iso(self.job.window[1] - 1)} ({timeline.rows} rows)"
            shown.append(Shown(f"measured: {said}", "figure"))
        return shown


def _configure(world: World, config: JobConfig, mode: str, window: tuple[int, int] | None) -> StreamJob:
    answer = world.jobs.configure(config)
    if answer.status != 200 or not isinstance(answer.body, JobConfigured):
        # Not the business of the clause that reads it: without a job there is no stream to judge.
        raise PreconditionNotMet(f"POST /configure ({mode}) answered {answer.status}: {cut_text(answer.text, 300)}")
    job = StreamJob(mode, answer.body, window)
    world.evidence.keep(job)
    return job


def configure_live_job(world: World) -> StreamJob:
    """A live job on all channels (support/live.py's are small, for watching the broker), with a display nobody sent
    before: the @slow scenarios start together, and two same bodies at once would pass for a resend (2.3)."""
    return _configure(world, JobConfig(**fresh_display("displayInfo")), "live", None)


def configure_history_job(world: World, recorded_s: int) -> StreamJob:
    """A history job over a window holding `recorded_s` seconds of uninterrupted recorded data, from the catalogue."""
    if recorded_s < 1:
        raise PreconditionNotMet(f"a history window needs at least 1 s of recorded data, asked for {recorded_s}")
    window = world.catalogue.uninterrupted(recorded_s)
    seconds = (window.start_ms // 1000, window.end_ms // 1000)  # whole epoch seconds, as the judgement reads them
    return _configure(world, JobConfig.history(window.start, window.end), "history", seconds)


def configure_outlasting(world: World, mode: str) -> StreamJob:
    """A job whose stream would outlast the limit: live, or history holding a third of the limit more than it."""
    if mode == "live":
        return configure_live_job(world)
    if mode == "history":
        return configure_history_job(world, world.times.outlasting_history_s)
    raise ValueError(f"mode {mode!r} is none of {MODES}")


def read(world: World, job: StreamJob, read_for_s: float | None = None) -> StreamRead:
    """Read the job's stream until the server ends it (our deadline past the limit), or for `read_for_s`."""
    try:
        timeline = world.reader.job(job.configured, read_for_s=read_for_s)
    except Exception as error:  # a stream read as far as it got is evidence too
        if (partial := getattr(error, "timeline", None)) is not None:
            world.evidence.keep(StreamRead(job, partial, world.times.limit_s, world.times.tolerance_s))
        raise
    read = StreamRead(job, timeline, world.times.limit_s, world.times.tolerance_s)
    world.evidence.keep(read)
    if timeline.ending is Ending.SERVER:
        ok = timeline.code is grpc.StatusCode.OK
        bounds: dict[str, Any] = {"low": None} if ok else {"low": read.limit_s - read.tolerance_s}
        said = "when the stream ended, normally" if ok else "when the server ended the stream, at the limit"
        limit = read.limit_s if ok else read.limit_s + read.tolerance_s
        world.evidence.metric("end", said, timeline.ended_s or 0.0, "s", limit, **bounds)
    return read


def check_closed_by_us_without_error(read: StreamRead) -> None:
    """The server neither ended the stream nor failed it before we closed it, and it did deliver frames."""
    timeline = read.timeline
    assert timeline.ending is Ending.CLOSED_BY_US, (
        f"the stream should have stayed open until we closed it at {timeline.read_for_s:g} s; it was "
        f"{timeline.ended_text()}"
    )
    assert timeline.frames, f"no frame arrived in {timeline.read_for_s:g} s"


def check_frames_until_closed(read: StreamRead, silence_s: float) -> None:
    """The stream was still delivering when we closed it: its last frame came at most `silence_s` before."""
    timeline = read.timeline
    assert timeline.ended_s is not None and timeline.last_frame_s is not None, (
        f"no frame arrived; {timeline.ended_text()}"
    )
    silent = timeline.ended_s - timeline.last_frame_s
    assert silent <= silence_s, (
        f"the stream had been silent for {silent:.2f} s when we closed it (at most {silence_s:g} s expected); "
        f"{timeline.ended_text()}"
    )


def check_ended_ok_before_limit(read: StreamRead) -> None:
    timeline, limit = read.timeline, read.limit_s
    assert timeline.ending is Ending.SERVER and timeline.code is grpc.StatusCode.OK, (
        f"the server should have ended the stream with OK when its data ran out; it was {timeline.ended_text()}"
    )
    assert timeline.ended_s is not None and timeline.ended_s < limit, (
        f"the stream should have ended before the {limit:g} s limit; it was {timeline.ended_text()}"
    )


def check_not_cut_before_its_end(read: StreamRead) -> None:
    """The server did not end the stream with an error while the window's data remained (an OK ending is clause 4's)."""
    timeline, window = read.timeline, read.job.window
    assert window is not None, "only a history job has a window"
    if timeline.ending is not Ending.SERVER or timeline.code is grpc.StatusCode.OK:
        return  # not ended by the server, or ended OK: what the check of the ending judges
    last = max(timeline.row_timestamps_ms, default=None)
    assert last is not None and last // 1000 >= window[1] - 1, (
        f"the server cut the stream with {timeline.code_name} before the window's last recorded second "
        f"{iso(window[1] - 1)}: last row {iso(last // 1000) if last is not None else 'none'} "
        f"(window {iso(window[0])} .. {iso(window[1])}); {timeline.ended_text()}"
    )


def check_frames_near_limit(read: StreamRead, before_limit_s: float) -> None:
    """Frames still arrive `before_limit_s` seconds before the limit: the stream is not cut early."""
    instant = read.limit_s - before_limit_s
    late = read.timeline.frames_from(instant)
    assert late, (
        f"no frame arrived at or after {instant:g} s into the call; the stream was {read.timeline.ended_text()}"
    )


def check_ended_at_limit(read: StreamRead) -> None:
    """The server, not we, ended the stream with DEADLINE_EXCEEDED within the tolerance around the limit."""
    timeline, limit, tolerance = read.timeline, read.limit_s, read.tolerance_s
    low, high = limit - tolerance, limit + tolerance
    assert timeline.ending is Ending.SERVER, (
        f"the server should have ended the stream at {limit:g} s ± {tolerance:g} s; it was {timeline.ended_text()}"
    )
    assert timeline.code is grpc.StatusCode.DEADLINE_EXCEEDED, (
        f"the server should have ended the stream with DEADLINE_EXCEEDED; it was {timeline.ended_text()}"
    )
    assert timeline.ended_s is not None and low <= timeline.ended_s <= high, (
        f"the stream should have ended between {low:g} s and {high:g} s after the call start; it was "
        f"{timeline.ended_text()}"
    )
