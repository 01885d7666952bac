"""The world of one scenario, typed (Kubernetes' per-test `Framework`): the run's settings and time context, the
clients, the named waits, its jobs and evidence, and what its steps leave for the next. environment.py builds a `Run`
per process and a `World` per scenario; behave's cleanups close what it opened, last first, its jobs last."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from behave.fixture import fixture, use_fixture
from behave.runner import Context

from support.amqp_probe import AmqpProbe
from support.evidence import Evidence
from support.focus_api import Answer, FocusServer
from support.grpc_stream import BackgroundRead, Reader
from support.jobs import Jobs, JobSlots
from support.rabbit_admin import RabbitAdmin
from support.recordings import Catalogue
from support.waiting import Waiters
from support.windows import EITHER_API, HistoryWindow, Shape

if TYPE_CHECKING:  # types only: the clause modules' readings import this module, never the reverse
    from support.amqp_probe import Watch
    from support.configure_idempotency import Resent
    from support.grpc_stream_limit import StreamJob, StreamRead
    from support.live import LiveSubject, WaterfallPolling
    from support.metadata_latency import LatencySeries
    from support.models import JobConfigured
    from support.partial_results import StreamReading, WaterfallReading
    from support.preflight import TargetShape
    from support.rabbit_admin import Exchange
    from support.rabbitmq_topology import Footprint, Lookup
    from support.settings import Settings
    from support.smart_recorder import RecorderObservation
    from support.times import Times

T = TypeVar("T")
DELIVERIES_KEPT = 300  # as evidence: the last ones, which are the ones a failure is about


@dataclass(frozen=True)
class Run:
    """What every scenario of a behave process shares: the target, its shape, the durations, the job slots."""

    settings: Settings
    times: Times
    shape: TargetShape
    slots: JobSlots


@dataclass
class Broker:
    """The broker as one scenario sees it: the management API, and an AMQP probe opened on first use."""

    settings: Settings
    add_cleanup: Callable[[Callable[[], object]], None]
    admin: RabbitAdmin = field(init=False)
    _probe: AmqpProbe | None = None

    def __post_init__(self) -> None:
        self.admin = RabbitAdmin(self.settings)

    @property
    def probe(self) -> AmqpProbe:
        if self._probe is None:
            probe = AmqpProbe(self.settings)
            probe.open()
            self.add_cleanup(probe.close)
            self._probe = probe
        return self._probe

    def evidence(self) -> dict[str, Any]:
        """What the scenario saw on the broker: management API calls and the deliveries its probe received."""
        seen: dict[str, Any] = {}
        if calls := self.admin.drain_calls():
            seen["management API"] = calls
        if self._probe is not None:
            deliveries = self._probe.deliveries
            seen["AMQP probe"] = {
                "probe_queues": [q.binding for q in self._probe.queues],
                "deliveries_received": len(deliveries),
                "deliveries_kept": [d.as_evidence() for d in deliveries[-DELIVERIES_KEPT:]],
            }
        return seen


@dataclass
class World:
    run: Run
    evidence: Evidence
    focus: FocusServer
    jobs: Jobs
    broker: Broker
    wait: Waiters  # the named waits on the target
    context: Context  # behave's, whose cleanups close what the scenario opened
    subject: LiveSubject | None = None  # a live task or job (1.x, 2.2, 2.3)
    busy: WaterfallPolling | BackgroundRead | None = None  # what keeps it busy
    watch: Watch | None = None  # probe queues on the broker (1.1, 1.2, 3.1)
    exchanges: list[Exchange] = field(default_factory=list)  # the broker's (1.1)
    exchange: Lookup | None = None  # one looked up (1.1)
    footprint: Footprint | None = None  # Focus Server's connections and what hangs off them (1.2)
    queue: str | None = None  # a job's queue (1.2)
    stream_job: StreamJob | None = None  # a job whose stream is read (1.2, 2.1)
    stream: StreamRead | None = None  # its stream, as read (2.1)
    latency: LatencySeries | None = None  # a route called N times (2.2)
    task_id: str | None = None  # a task whose metadata is timed (2.2)
    resent: Resent | None = None  # a configuration sent again and again (2.3)
    observation: RecorderObservation | None = None  # what the Smart Recorder published (3.1)
    windows: list[HistoryWindow] = field(default_factory=list)  # the history window(s) of §4
    task_ids: list[str] = field(default_factory=list)  # a task per window (task API)
    answers: list[Answer] = field(default_factory=list)  # what configuring each window answered
    readings: list[WaterfallReading | StreamReading] = field(default_factory=list)  # each window read to its end

    @classmethod
    def open(cls, run: Run, context: Context, scenario: str) -> World:
        """A scenario's world; its jobs are closed by its last cleanup (registered first, so run last)."""
        evidence = Evidence(pictures=run.settings.pictures, scenario=scenario)
        focus = FocusServer(run.settings, record=evidence.http)
        waits = run.times.waits
        jobs = Jobs(focus, run.slots, connect_s=waits.grpc_ready_s, first_frame_s=waits.preflight_s)
        context.add_cleanup(jobs.close)
        broker = Broker(run.settings, context.add_cleanup)
        return cls(run, evidence, focus, jobs, broker, Waiters(focus, broker.admin, waits), context)

    @property
    def settings(self) -> Settings:
        return self.run.settings

    @property
    def times(self) -> Times:
        return self.run.times

    @property
    def reader(self) -> Reader:
        """How this run reads a stream: our deadline past the limit under test, the waits for a connection."""
        waits = self.times.waits
        return Reader(deadline_s=self.times.deadline_s, connect_s=waits.grpc_ready_s, backstop_s=waits.backstop_s)

    @property
    def catalogue(self) -> Catalogue:
        """The target's recordings catalogue, searched between FOCUS_HISTORY_FROM and FOCUS_HISTORY_TO."""
        return Catalogue.of(self.focus, self.settings)

    def find_windows(self, shape: Shape, api: str | None) -> list[HistoryWindow]:
        """The window(s) of `shape` over `api` (None: either) in the catalogue, confirmed and shown (§4)."""
        if api is None and shape is not Shape.EMPTY:
            raise ValueError(f"a history window {shape.value} differs by API: say which")
        api = api or EITHER_API
        found, windows = self.catalogue.windows(shape, api, self.times)
        self.evidence.show(f"history window(s) {shape.value}: {found.describe()}", "figure")
        chosen = {"shape": shape.value, "api": api, "choice": found.choice.value, "why": found.why}
        said = chosen | {"windows": [window.as_dict() for window in windows]}
        self.evidence.show("catalogue: the window(s) used and why", "json", said)
        return windows

    def background(self, job: JobConfigured) -> BackgroundRead:
        """A job's stream read in the background, with this run's waits (a context manager)."""
        waits = self.times.waits
        return BackgroundRead(job, connect_s=waits.grpc_ready_s, join_s=waits.thread_join_s)

    def hold(self, manager: AbstractContextManager[T]) -> T:
        """Enter `manager` now; exit it when the scenario ends (behave's fixture cleanup)."""
        return use_fixture(_held, self.context, manager)


@fixture
def _held(context: Context, manager: AbstractContextManager[T]) -> Iterator[T]:
    with manager as value:
        yield value


def file_cleanup_error(context: Context, cleanup: Callable[..., Any], error: Exception) -> None:
    """behave's `on_cleanup_error`: the error stored on the scenario as a hook's would be (behave stores none)."""
    scenario = getattr(context, "scenario", None)
    said = f"CLEANUP-ERROR in {getattr(cleanup, '__qualname__', cleanup)!s}"
    if scenario is not None and getattr(scenario, "exception", None) is None:
        scenario.store_exception_context(error)
        scenario.error_message = f"{said}: {error!r}"
    print(f"{said}: {type(error).__name__}: {error}")
