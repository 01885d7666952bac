"""Live tasks and jobs as scenarios need them: configured on the target, running, and kept busy while a scenario
watches. Set-up that several clauses share (1.1 and 1.2 watch their traffic on the broker, 2.2 times their metadata,
2.3 reads the streams of a resent configure).

A scenario that needs Focus Server to be doing something (so that it publishes commands, declares its job queues,
opens its broker connections) configures a live task or job here. When the target refuses, the scenario cannot
check its clause at all: that is a broken precondition, not a defect of the clause under test.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from support.errors import MalformedAnswer, PreconditionNotMet, TargetUnreachable
from support.focus_api import FocusServer
from support.grpc_stream import BackgroundRead, read_in_background, stream_of
from support.ids import new_task_id
from support.models import Canvas, ConfigAccepted, JobConfig, JobConfigured, Range, TaskConfig
from support.settings import Settings
from support.shape import Api, TargetShape
from support.waiting import WaitTimeout, wait_for

Kind = Literal["task", "job"]
# How many sensors/channels a scenario's live task or job covers: small, and away from the edges, so that its
# region-of-interest command is recognisable among others.
_SPAN = 16
_POLL_ROWS = 50


@dataclass(frozen=True)
class LiveSubject:
    """A live task (task API) or job (job API) that the scenario configured."""

    kind: Kind
    id: str
    first: int  # first sensor (task) or channel (job) of its region of interest
    last: int
    configured: JobConfigured | None = None  # a job's configure answer: where its stream is

    @property
    def region(self) -> dict[str, int]:
        """The region of interest as Focus Server's `roi` command carries it."""
        return {"start": self.first, "end": self.last}


def _span(ids: list[int]) -> tuple[int, int]:
    if not ids:
        raise PreconditionNotMet("the target lists no sensors/channels to configure a live task or job on")
    start = len(ids) // 4
    end = min(len(ids) - 1, start + _SPAN - 1)
    return ids[start], ids[end]


def fresh_display(canvas_field: str) -> dict[str, Any]:
    """A valid display nobody sent before, in this run or any earlier one (nor a frontend): a random time axis of
    up to 8 decimals and a random canvas height. So the first send of 2.3's check is a first send, and "the same
    answer again" compares it with its resends, even on a target that answers bodies it has seen differently; and
    two scenarios' live jobs, configured a moment apart, are never one body sent twice (a resend, to a target)."""
    duration = round(5 + secrets.randbelow(10**9) / 10**8, 8)  # 5 s .. 15 s
    return {"displayTimeAxisDuration": duration, canvas_field: Canvas(height=100 + secrets.randbelow(900))}


def configure_live_task(focus: FocusServer) -> LiveSubject:
    """`GET /sensors`, then `POST /config/{task_id}` live on a small span of them; 200 expected."""
    sensors = focus.sensors()
    if sensors.body is None:
        raise PreconditionNotMet(f"GET /sensors answered {sensors.status}; no live task can be configured")
    first, last = _span(sorted(sensors.body.sensors))
    task_id = new_task_id("live")
    answer = focus.config_task(task_id, TaskConfig(sensors=Range(min=first, max=last)))
    if answer.status != 200 or not isinstance(answer.body, ConfigAccepted):
        raise PreconditionNotMet(f"a live task was refused: POST /config/{task_id} answered {answer.status}")
    return LiveSubject("task", task_id, first, last)


def configure_live_job(focus: FocusServer) -> LiveSubject:
    """`GET /channels`, then `POST /configure` live (multichannel) on a small span of them; 200 expected."""
    channels = focus.channels()
    if channels.body is None:
        raise PreconditionNotMet(f"GET /channels answered {channels.status}; no live job can be configured")
    first, last = _span(list(range(channels.body.lowest_channel, channels.body.highest_channel + 1)))
    answer = focus.configure(JobConfig(channels=Range(min=first, max=last), **fresh_display("displayInfo")))
    if answer.status != 200 or not isinstance(answer.body, JobConfigured):
        raise PreconditionNotMet(f"a live job was refused: POST /configure answered {answer.status}")
    return LiveSubject("job", answer.body.job_id, first, last, answer.body)


def job_subject(configured: JobConfigured) -> LiveSubject:
    """The subject of a job configured elsewhere (e.g. a history job of clause 2.1's steps): its own channels.

    Checks use it too (2.3), so an answer without channels is the product's fault, never a precondition."""
    channels = sorted(int(channel) for channel in configured.channel_to_stream_index)
    if not channels:
        raise MalformedAnswer(f"channel_to_stream_index of job {configured.job_id} is empty: no stream to read")
    return LiveSubject("job", configured.job_id, channels[0], channels[-1], configured)


def configure_offered(focus: FocusServer, shape: TargetShape) -> LiveSubject:
    """Something running, through the API the target offers: a live task where the task API is there, else a job."""
    return configure_live_task(focus) if shape.offers(Api.TASK) else configure_live_job(focus)


def kept_busy(settings: Settings, subject: LiveSubject) -> WaterfallPolling | StreamInBackground:
    """What keeps it busy as a client would (so that Focus Server sends keepalives): poll the task's waterfall, or
    read the job's stream; a context manager that stops at the scenario's end."""
    if subject.kind == "task":
        return WaterfallPolling(settings, subject)
    return StreamInBackground(settings, subject)


@dataclass
class WaterfallPolling:
    """Polls a task's waterfall in the background (about twice a second) until closed.

    It has its own REST client, so that its many polls do not crowd the scenario's evidence; `summary()` tells how
    the polls went. Entering waits for the first rows (201), as a client would see them; a malformed answer, then
    or later, is the product's and fails the scenario: at once in the step that starts the polling, or when the
    polling ends (the scenario's cleanup) if it came later.
    """

    settings: Settings
    task: LiveSubject
    statuses: Counter[int] = field(default_factory=Counter)
    error: str | None = None
    failure: BaseException | None = None  # what stopped the polling, raised again when it ends
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> WaterfallPolling:
        if self.task.kind != "task":
            raise ValueError("only a task has a waterfall to poll")
        self._focus = FocusServer(self.settings)
        try:
            wait_for(
                lambda: self._poll() == 201 or self._stop.is_set(),
                reason=f"the first rows of live task {self.task.id} (GET /waterfall answering 201)",
                timeout_s=self.settings.timeouts.task_ready_s,
            )
        except WaitTimeout as error:
            raise PreconditionNotMet(f"a live task to keep busy never gave rows: {error}") from None
        if self.failure is not None:
            raise self.failure
        self._thread = threading.Thread(target=self._run, name=f"poll-{self.task.id}", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.timeouts.http_timeout_s + self.settings.timeouts.thread_join_s)
        if kind is None and self.failure is not None:
            raise self.failure  # a malformed answer seen after the first rows: never kept as evidence only

    def _poll(self) -> int | None:
        try:
            answer = self._focus.waterfall(self.task.id, _POLL_ROWS)
            self.statuses[answer.status] += 1
            return answer.status
        except (TargetUnreachable, AssertionError) as error:
            self.error = f"{type(error).__name__}: {error}"
            self.failure = error
            self._stop.set()
            return None
        finally:
            self._focus.exchanges.clear()

    def _run(self) -> None:
        def round_() -> bool:
            if self._stop.is_set():
                return True
            self._poll()
            return self._stop.is_set()

        with contextlib.suppress(WaitTimeout):
            wait_for(round_, reason="the end of the waterfall polling", timeout_s=self.settings.timeouts.poller_life_s)

    def summary(self) -> dict[str, object]:
        return {
            "task_id": self.task.id,
            "polls_by_status": dict(self.statuses),
            "stopped_by": self.error,
        }


@dataclass
class StreamInBackground:
    """Reads a job's gRPC stream in the background until closed (the job lives while a stream of it is open).

    The reading is `support.grpc_stream`'s (`read_in_background`); `summary()` tells how it went, the frames
    themselves are only counted.
    """

    settings: Settings
    job: LiveSubject
    frames: int = 0
    _reading: BackgroundRead | None = None

    def __enter__(self) -> StreamInBackground:
        if self.job.configured is None:
            raise ValueError("only a job has a stream to read")
        address, stream_id = stream_of(self.job.configured)
        # Returns once the first frame (or the end) came: the step that starts the reading sees the job read.
        self._reading = read_in_background(
            address,
            stream_id,
            connect_timeout_s=self.settings.timeouts.grpc_ready_s,
            on_frame=self._count,
            name=f"read-{self.job.id}",
        )
        return self

    def _count(self, _frame: object) -> None:
        self.frames += 1

    @property
    def error(self) -> str | None:
        """What ended the stream other than our closing it (`CODE: details`), if anything did."""
        return self._reading.error if self._reading is not None else None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._reading is not None:
            self._reading.stop()

    def summary(self) -> dict[str, object]:
        return {"job_id": self.job.id, "frames_read": self.frames, "stopped_by": self.error}
