"""Live tasks and jobs as scenarios need them: configured, running, and kept busy while a scenario watches (1.x their
broker traffic, 2.2 their metadata). A target that refuses one leaves the clause unjudged: a precondition not met."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from support.errors import MalformedAnswer, PreconditionNotMet, TargetUnreachable
from support.focus_api import FocusServer
from support.grpc_stream import BackgroundRead
from support.models import ConfigAccepted, JobConfig, JobConfigured, Range, TaskConfig, fresh_display, new_task_id
from support.preflight import Api
from support.times import POLL_S, Waits
from support.waiting import WaitTimeout, monotonic, wait_for

if TYPE_CHECKING:
    from support.world import World

Kind = Literal["task", "job"]
_SPAN = 16  # sensors/channels of a live subject: few, away from the edges, so that its roi command is recognisable
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
    return ids[start], ids[min(len(ids) - 1, start + _SPAN - 1)]


def configure_live_task(world: World) -> LiveSubject:
    """`GET /sensors`, then `POST /config/{task_id}` live on a small span of them; 200 expected."""
    sensors = world.focus.sensors()
    if sensors.body is None:
        raise PreconditionNotMet(f"GET /sensors answered {sensors.status}; no live task can be configured")
    first, last = _span(sorted(sensors.body.sensors))
    task_id = new_task_id("live")
    answer = world.jobs.config_task(task_id, TaskConfig(sensors=Range(min=first, max=last)))
    if answer.status != 200 or not isinstance(answer.body, ConfigAccepted):
        raise PreconditionNotMet(f"a live task was refused: POST /config/{task_id} answered {answer.status}")
    return LiveSubject("task", task_id, first, last)


def configure_live_job(world: World) -> LiveSubject:
    """`GET /channels`, then `POST /configure` live (multichannel) on a small span of them; 200 expected."""
    channels = world.focus.channels()
    if channels.body is None:
        raise PreconditionNotMet(f"GET /channels answered {channels.status}; no live job can be configured")
    first, last = _span(list(range(channels.body.lowest_channel, channels.body.highest_channel + 1)))
    config = JobConfig(channels=Range(min=first, max=last), **fresh_display("displayInfo"))
    answer = world.jobs.configure(config)
    if answer.status != 200 or not isinstance(answer.body, JobConfigured):
        raise PreconditionNotMet(f"a live job was refused: POST /configure answered {answer.status}")
    return LiveSubject("job", answer.body.job_id, first, last, answer.body)


def configure_offered(world: World) -> LiveSubject:
    """Something running, through the API the target offers: a live task where the task API is there, else a job."""
    return configure_live_task(world) if world.run.shape.offers(Api.TASK) else configure_live_job(world)


def job_subject(configured: JobConfigured) -> LiveSubject:
    """The subject of a job configured elsewhere (a history job): its own channels; none is the product's fault."""
    channels = sorted(int(channel) for channel in configured.channel_to_stream_index)
    if not channels:
        raise MalformedAnswer(f"channel_to_stream_index of job {configured.job_id} is empty: no stream to read")
    return LiveSubject("job", configured.job_id, channels[0], channels[-1], configured)


def kept_busy(world: World, subject: LiveSubject) -> WaterfallPolling | BackgroundRead:
    """What keeps it busy as a client would (so that keepalives come): its waterfall polled, or its stream read."""
    if subject.configured is not None:
        return world.background(subject.configured)
    return WaterfallPolling(FocusServer(world.settings), subject.id, world.times.waits)


@dataclass
class WaterfallPolling:
    """A task's waterfall polled in the background until closed (a client of its own, out of the evidence); entering
    waits for the first rows; a malformed answer, then or later, fails the scenario."""

    focus: FocusServer
    task_id: str
    waits: Waits
    statuses: Counter[int] = field(default_factory=Counter)
    error: str | None = None
    failure: BaseException | None = None  # what stopped the polling, raised again when it ends
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> WaterfallPolling:
        try:
            wait_for(
                lambda: self._poll() == 201 or self._stop.is_set(),
                reason=f"the first rows of live task {self.task_id} (GET /waterfall answering 201)",
                timeout_s=self.waits.task_ready_s,
            )
        except WaitTimeout as error:
            raise PreconditionNotMet(f"a live task to keep busy never gave rows: {error}") from None
        if self.failure is not None:
            raise self.failure
        self._thread = threading.Thread(target=self._run, name=f"poll-{self.task_id}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.waits.http_timeout_s + self.waits.thread_join_s)
        if kind is None and self.failure is not None:
            raise self.failure  # a malformed answer seen after the first rows: never kept as evidence only

    def _poll(self) -> int | None:
        try:
            status = self.focus.waterfall(self.task_id, _POLL_ROWS).status
            self.statuses[status] += 1
            return status
        except (TargetUnreachable, AssertionError) as error:
            self.error, self.failure = f"{type(error).__name__}: {error}", error
            self._stop.set()
            return None

    def _run(self) -> None:
        until = monotonic() + self.waits.poller_life_s  # never reached: a poller nobody stopped ends at last
        while not self._stop.wait(POLL_S) and monotonic() < until:
            self._poll()

    def summary(self) -> dict[str, object]:
        return {"task_id": self.task_id, "polls_by_status": dict(self.statuses), "stopped_by": self.error}
