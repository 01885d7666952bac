"""Clause §2 (SLA) as the steps need it: jobs to stream, history windows, the judgements, idempotent configure.

The measurements themselves live in `support.grpc_stream` (stream timelines) and `support.latency` (latencies);
this module sets up what they measure, judges the results and shows the figures in the report.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import allure
import grpc

from support.errors import PreconditionNotMet
from support.evidence import attach_csv, attach_json, cut_text
from support.focus_api import Answer, FocusServer
from support.grpc_stream import Ending, StreamTimeline, read_job_stream
from support.ids import new_task_id
from support.live import StreamInBackground, job_subject
from support.models import Canvas, JobConfig, JobConfigured, TaskConfig
from support.rabbit_admin import RabbitAdmin
from support.recordings import Catalogue, blocks
from support.settings import Settings, Timing, get_settings
from support.waiting import WaitTimeout, monotonic, wait_for, watch_for
from support.windows import Sizes

MODES = ("live", "history")


def _report(text: str) -> None:
    """A measured figure as a step of its own in the Allure result, so that it reads without opening attachments."""
    with allure.step(text):
        pass


# -- jobs and their windows --------------------------------------------------------------------------------------


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
            described["window"] = [_iso(start), _iso(end)]
            described["recorded_seconds"] = end - start
        return described


def _iso(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat()


def _configure(focus: FocusServer, config: JobConfig, mode: str, window: tuple[int, int] | None) -> StreamJob:
    answer = focus.configure(config)
    if answer.status != 200 or not isinstance(answer.body, JobConfigured):
        # Not clause 2.1's business: without a job there is no stream to judge.
        raise PreconditionNotMet(f"POST /configure ({mode}) answered {answer.status}: {cut_text(answer.text, 300)}")
    job = StreamJob(mode, answer.body, window)
    attach_json("job under test", job.describe())
    return job


def configure_live_stream_job(focus: FocusServer) -> StreamJob:
    """A live job whose stream clause 2.1 reads and times (all channels of the default body; cf.
    `support.live.configure_live_job`, a small live job that other clauses watch on the broker)."""
    return _configure(focus, JobConfig(), "live", None)


def stretches(focus: FocusServer, settings: Settings) -> list[tuple[int, int]]:
    """Uninterrupted recorded time inside the settings' search window (epoch s, end exclusive), from the catalogue."""
    catalogue = Catalogue.of(focus, settings)
    clipped = (block.clip(catalogue.search) for block in blocks(catalogue.recordings(catalogue.search)))
    found = [(math.ceil(span.start_ms / 1000), span.end_ms // 1000) for span in clipped if span is not None]
    return [(start, end) for start, end in found if end > start]


def window_in_one_stretch(spans: list[tuple[int, int]], seconds: int) -> tuple[int, int] | None:
    """A window of `seconds` at the start of the shortest stretch of recorded time that holds it, or None.

    Without a hole, so that the window's recorded data is its length: how holes are played is clause 4's business,
    and a window with one would make this clause depend on it.
    """
    fitting = [span for span in spans if span[1] - span[0] >= seconds]
    if not fitting:
        return None
    start, _ = min(fitting, key=lambda span: span[1] - span[0])
    return start, start + seconds


def configure_history_job(focus: FocusServer, settings: Settings, recorded_s: int) -> StreamJob:
    """A history job over a window holding `recorded_s` seconds of recorded data, found in the catalogue."""
    if recorded_s < 1:
        raise PreconditionNotMet(f"a history window needs at least 1 s of recorded data, asked for {recorded_s}")
    window = window_in_one_stretch(stretches(focus, settings), recorded_s)
    if window is None:
        raise PreconditionNotMet(
            f"precondition not met: no {recorded_s} s of uninterrupted recorded time between "
            f"{settings.history_from.isoformat()} and {settings.history_to.isoformat()}"
        )
    start, end = (datetime.fromtimestamp(instant, UTC) for instant in window)
    return _configure(focus, JobConfig.history(start, end), "history", window)


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


# -- reading and judging streams ---------------------------------------------------------------------------------


def read(job: StreamJob, settings: Settings, read_for_s: float | None = None) -> StreamTimeline:
    """Read the job's stream (until the server ends it, or for `read_for_s`) and attach its timeline.

    Our deadline is the limit under test plus a margin, so that an ending before it is the server's.
    """
    timeline = read_job_stream(
        job.configured,
        deadline_s=settings.stream_limit_s + settings.timing.deadline_margin_s,
        read_for_s=read_for_s,
        connect_timeout_s=settings.grpc_ready_s,
    )
    summary = timeline.summary() | {
        "stream_limit_s": settings.stream_limit_s,
        "tolerance_s": settings.stream_tolerance_s,
    }
    attach_json("gRPC stream timeline", summary)
    attach_csv("gRPC frames", timeline.frames_csv())
    _report(f"measured: {job.mode} stream {timeline.ended_text()}")
    return timeline


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
    _report(f"measured: ended OK at {timeline.ended_s:.2f} s, before the {limit:g} s limit")


def check_reached_last_recorded_instant(timeline: StreamTimeline, job: StreamJob) -> None:
    """The stream was not cut before its data ran out: its rows reached the window's last recorded second.

    Only the end counts here (the limit's business); a second missing inside the window is clause 4.2's."""
    assert job.window is not None, "only a history job has a window"
    start, end = job.window
    last = max(timeline.row_timestamps_ms, default=None)
    _report(
        f"measured: last row {_iso(last // 1000) if last is not None else 'none'}, last recorded second "
        f"{_iso(end - 1)} ({timeline.rows} rows)"
    )
    assert last is not None and last // 1000 >= end - 1, (
        f"the stream ended before the window's last recorded second {_iso(end - 1)}: last row "
        f"{_iso(last // 1000) if last is not None else 'none'} (window {_iso(start)} .. {_iso(end)}); "
        f"{timeline.ended_text()}"
    )


def check_frames_near_limit(timeline: StreamTimeline, settings: Settings, before_limit_s: float) -> None:
    """Frames still arrive `before_limit_s` seconds before the limit: the stream is not cut early."""
    instant = settings.stream_limit_s - before_limit_s
    late = timeline.frames_from(instant)
    assert late, f"no frame arrived at or after {instant:g} s into the call; the stream was {timeline.ended_text()}"
    _report(f"measured: {len(late)} frames arrived from {instant:g} s on, the first at {late[0].arrived_s:.2f} s")


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
    _report(
        f"measured: the server ended the stream at {timeline.ended_s:.2f} s with DEADLINE_EXCEEDED; "
        f"expected {low:g} s .. {high:g} s (limit {limit:g} s, tolerance {tolerance:g} s)"
    )
    assert low <= timeline.ended_s <= high, (
        f"the stream should have ended between {low:g} s and {high:g} s after the call start; it was "
        f"{timeline.ended_text()}"
    )


# -- tasks: metadata and idempotent configure --------------------------------------------------------------------


def configure_ready_task(focus: FocusServer) -> str:
    """A live task configured and running: its metadata answers 201 (so that its latency is the route's, not setup)."""
    task_id = new_task_id("sla")
    answer = focus.config_task(task_id, TaskConfig())
    if answer.status != 200:
        raise PreconditionNotMet(f"POST /config/{task_id} answered {answer.status}: {cut_text(answer.text, 300)}")
    try:
        wait_task_ready(focus, task_id)
    except WaitTimeout as error:
        # Set-up, like the configure above: a task that never runs leaves nothing to time, so clause 2.2 cannot be
        # judged (it is a broken precondition, not slow metadata). Checks that a task runs belong to 2.3's Then.
        raise PreconditionNotMet(f"task {task_id} was accepted but never ran: {error}") from None
    return task_id


def wait_task_ready(focus: FocusServer, task_id: str) -> None:
    wait_for(
        lambda: focus.task_metadata(task_id).status == 201,
        reason=f"GET /metadata/{task_id} to answer 201",
        timeout_s=get_settings().task_ready_s,  # a real task may start slower than the stand's (FOCUS_TASK_READY_S)
    )


@dataclass
class RepeatedConfig:
    task_id: str
    body: dict[str, Any]
    answers: list[Answer]


def fresh_display(canvas_field: str) -> dict[str, Any]:
    """A valid display nobody sent before, in this run or any earlier one (nor a frontend): a random time axis of
    up to 8 decimals and a random canvas height. So the first send of 2.3's check is a first send, and "the same
    answer again" compares it with its resends, even on a target that answers bodies it has seen differently."""
    duration = round(5 + secrets.randbelow(10**9) / 10**8, 8)  # 5 s .. 15 s
    return {"displayTimeAxisDuration": duration, canvas_field: Canvas(height=100 + secrets.randbelow(900))}


def send_same_config(focus: FocusServer, times: int) -> RepeatedConfig:
    """The same `POST /config/{task_id}` with the same body, `times` times in a row (a frontend's resend)."""
    task_id = new_task_id("sla")
    config = TaskConfig(**fresh_display("canvasInfo"))
    answers = [focus.config_task(task_id, config) for _ in range(times)]
    return RepeatedConfig(task_id, config.model_dump(mode="json"), answers)


def _message(answer: Answer) -> Any:
    try:
        return answer.json()
    except ValueError:
        return answer.text


def check_same_answers(repeated: RepeatedConfig) -> None:
    seen = [{"status": answer.status, "body": _message(answer)} for answer in repeated.answers]
    attach_json("answers to the repeated configure", {"task_id": repeated.task_id, "answers": seen})
    first = repeated.answers[0]
    assert first.status == 200, f"the first POST /config/{repeated.task_id} should be accepted (200): {seen[0]}"
    for number, answer in enumerate(seen[1:], start=2):
        assert answer == seen[0], f"send {number} of the same configure answered {answer}, the first {seen[0]}"


def check_one_task_one_queue(focus: FocusServer, admin: RabbitAdmin, task_id: str) -> None:
    """The task answers as one task, and the broker holds one queue for it, not one per configure.

    The queue is recognised by the task id in its name whatever the pattern: its naming is clause 1.2's business.
    """
    wait_task_ready(focus, task_id)

    def named_after_task() -> list[str]:
        return sorted(queue.name for queue in admin.queues() if task_id in queue.name)

    first = wait_for(
        lambda: named_after_task() or None,
        reason=f"a queue named after task {task_id} in the management API",
        timeout_s=Timing.queue_shows_s,
    )
    # Not done at the first queue: a duplicate may come seconds later. Every queue seen in the window counts.
    seen = set(first)

    def another() -> bool:
        seen.update(named_after_task())
        return len(seen) > 1

    # Watched a while after the first shows, so that a second queue declared a moment late (by a second consumer
    # the resend started) is seen.
    watch_for(another, seconds=Timing.queue_settle_s)
    queues = sorted(seen)
    attach_json("queues of the task", queues)
    _report(f"measured: {len(queues)} queue(s) for task {task_id}: {', '.join(queues)}")
    assert len(queues) == 1, f"task {task_id} should have one results queue; the broker holds {queues}"


# -- jobs: the job API's resent configure (2.3) ------------------------------------------------------------------

# What "an equivalent stream description" compares: the streams a client would open, not the job's own id/port.
STREAM_DESCRIPTION = ("channel_amount", "stream_amount", "channel_to_stream_index", "view_type")


@dataclass
class RepeatedJobConfig:
    body: dict[str, Any]
    answers: list[Answer]

    @property
    def jobs(self) -> list[JobConfigured]:
        return [answer.body for answer in self.answers if isinstance(answer.body, JobConfigured)]


def send_same_job_config(focus: FocusServer, times: int) -> RepeatedJobConfig:
    """The same live `POST /configure` with the same body, `times` times in a row (a frontend's resend)."""
    config = JobConfig(**fresh_display("displayInfo"))
    answers = [focus.configure(config) for _ in range(times)]
    return RepeatedJobConfig(config.model_dump(mode="json"), answers)


def _description(answer: Answer) -> dict[str, Any]:
    if not isinstance(answer.body, JobConfigured):
        return {"status": answer.status, "body": _message(answer)}
    described = answer.body.model_dump(include=set(STREAM_DESCRIPTION))
    return {"status": answer.status, **described, "view_type": str(described["view_type"])}


def check_equivalent_job_answers(repeated: RepeatedJobConfig) -> None:
    """The same status every time, and streams described the same way (channels, their split, the view)."""
    seen = [_description(answer) for answer in repeated.answers]
    attach_json(
        "answers to the repeated configure",
        {"body": repeated.body, "job_ids": [job.job_id for job in repeated.jobs], "stream_descriptions": seen},
    )
    assert repeated.answers[0].status == 200, f"the first POST /configure should be accepted (200): {seen[0]}"
    for number, described in enumerate(seen[1:], start=2):
        differs = sorted(key for key in described if described.get(key) != seen[0].get(key))
        assert not differs, (
            f"send {number} of the same configure differs from the first in {', '.join(differs)}: "
            + "; ".join(f"{key} {described.get(key)!r} vs {seen[0].get(key)!r}" for key in differs)[:400]
        )


def check_every_stream_readable(settings: Settings, repeated: RepeatedJobConfig) -> None:
    """Each answer's stream gives its first frame; then we close it (so that nobody reads that job any more)."""
    read = {}
    for job in repeated.jobs:
        with StreamInBackground(settings, job_subject(job)) as reader:
            read[job.job_id] = reader.summary()
    attach_json("first frame of each answer's stream", read)
    unread = {job: seen for job, seen in read.items() if not seen["frames_read"]}
    assert not unread, f"no frame from the stream of job(s) {', '.join(unread)}: {unread}"


def check_jobs_end_unread(focus: FocusServer, repeated: RepeatedJobConfig, within_s: float) -> None:
    """Every job of the answers is gone (`GET /metadata/{job_id}` 404) within `within_s` once nobody reads it."""
    ids = [job.job_id for job in repeated.jobs]

    def running() -> list[str]:
        return [job_id for job_id in ids if focus.job_metadata(job_id).status != 404]

    started = monotonic()
    try:
        wait_for(lambda: not running(), reason=f"jobs {', '.join(ids)} to end", timeout_s=within_s)
    except WaitTimeout:
        left = running()
        raise AssertionError(
            f"{len(left)} of the {len(ids)} jobs still ran {within_s:g} s after nobody read them: {', '.join(left)}"
        ) from None
    finally:
        focus.exchanges[:] = focus.exchanges[-2 * len(ids) :]  # the last round is evidence enough
    _report(f"measured: all {len(ids)} jobs gone {monotonic() - started:.1f} s after nobody read them")
