"""Jobs whose gRPC stream a scenario reads: configured live, over a window of recorded history, or to outlast the
stream limit, and their stream read to its end (or for a while) with the timeline kept as evidence.

Set-up that several clauses share: clause 2.1 times these streams (its judgements are `support.grpc_stream_limit`'s),
clause 1.2 watches such a job's queue come and go (`support.rabbitmq_topology`). The reading itself is
`support.grpc_stream`'s; the history windows are found in the target's catalogue (`support.recordings`) by the one
window finder (`support.windows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from support.errors import PreconditionNotMet
from support.evidence import attach_csv, attach_json, cut_text, report_figure
from support.focus_api import FocusServer
from support.grpc_stream import StreamTimeline, read_job_stream
from support.models import JobConfig, JobConfigured
from support.recordings import find_uninterrupted
from support.settings import Settings
from support.windows import Sizes

MODES = ("live", "history")


@dataclass
class StreamJob:
    """A configured job whose stream a scenario reads; `window` (epoch s, end exclusive) for history only."""

    mode: str
    configured: JobConfigured
    window: tuple[int, int] | None = None

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"mode": self.mode, "job_id": self.configured.job_id}
        if self.window:
            start, end = self.window
            described["window"] = [iso(start), iso(end)]
            described["recorded_seconds"] = end - start
        return described


def iso(epoch_s: int) -> str:
    """An instant of a window (epoch s) as the evidence shows it: ISO 8601, UTC."""
    return datetime.fromtimestamp(epoch_s, UTC).isoformat()


def _configure(focus: FocusServer, config: JobConfig, mode: str, window: tuple[int, int] | None) -> StreamJob:
    answer = focus.configure(config)
    if answer.status != 200 or not isinstance(answer.body, JobConfigured):
        # Not the business of the clause that reads it: without a job there is no stream to judge.
        raise PreconditionNotMet(f"POST /configure ({mode}) answered {answer.status}: {cut_text(answer.text, 300)}")
    job = StreamJob(mode, answer.body, window)
    attach_json("job under test", job.describe())
    return job


def configure_live_stream_job(focus: FocusServer) -> StreamJob:
    """A live job whose stream clause 2.1 reads and times (all channels of the default body; cf.
    `support.live.configure_live_job`, a small live job that other clauses watch on the broker)."""
    return _configure(focus, JobConfig(), "live", None)


def configure_history_job(focus: FocusServer, settings: Settings, recorded_s: int) -> StreamJob:
    """A history job over a window holding `recorded_s` seconds of recorded data, found in the catalogue."""
    if recorded_s < 1:
        raise PreconditionNotMet(f"a history window needs at least 1 s of recorded data, asked for {recorded_s}")
    window = find_uninterrupted(focus, settings, recorded_s)
    # The job keeps it in whole epoch seconds, as 2.1's judgement reads it (support.grpc_stream_limit).
    seconds = (window.start_ms // 1000, window.end_ms // 1000)
    return _configure(focus, JobConfig.history(window.start, window.end), "history", seconds)


def sizes(settings: Settings) -> Sizes:
    """History windows as shares of the stream limit under test (support/windows.py)."""
    return Sizes(settings.stream_limit_s)


def configure_job_outlasting_limit(focus: FocusServer, settings: Settings, mode: str) -> StreamJob:
    """A job whose stream would run past the limit: live, or history with more recorded data than the limit."""
    if mode == "live":
        return configure_live_stream_job(focus)
    if mode == "history":
        # A third of the limit more recorded data than the limit: even a target whose limit is off by a few
        # seconds cannot end it OK before its limit.
        return configure_history_job(focus, settings, sizes(settings).outlasting_history_s)
    raise ValueError(f"mode {mode!r} is none of {MODES}")


def read(job: StreamJob, settings: Settings, read_for_s: float | None = None) -> StreamTimeline:
    """Read the job's stream (until the server ends it, or for `read_for_s`) and attach its timeline.

    Our deadline is the limit under test plus a margin, so that an ending before it is the server's.
    """
    timeline = read_job_stream(
        job.configured,
        deadline_s=settings.stream_limit_s + settings.timing.deadline_margin_s,
        read_for_s=read_for_s,
        connect_timeout_s=settings.timeouts.grpc_ready_s,
    )
    summary = timeline.summary() | {
        "stream_limit_s": settings.stream_limit_s,
        "tolerance_s": settings.stream_tolerance_s,
    }
    attach_json("gRPC stream timeline", summary)
    attach_csv("gRPC frames", timeline.frames_csv())
    report_figure(f"measured: {job.mode} stream {timeline.ended_text()}")
    return timeline
