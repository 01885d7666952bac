"""Clause 2.2, metadata is quick: a route called N times, the 95th percentile judged, every sample shown. A task is
timed once it runs (`configure_ready_task`), a job while its stream is read. The percentile is the nearest-rank one
(the ceil(0.95 N)-th smallest, a measured sample): of 20 calls, one slow call is tolerated, two are not."""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from support.clauses import FIGURES
from support.errors import PreconditionNotMet
from support.evidence import Shown, cut_text
from support.models import TaskConfig, new_task_id
from support.waiting import WaitTimeout, monotonic

if TYPE_CHECKING:
    from support.world import World

MIN_CALLS = 20  # fewer samples would make "the 95th percentile" the worst call, one lucky or unlucky call


class HasStatus(Protocol):
    status: int


QUICK_S, LOOKUP_S = FIGURES["quick_metadata_s"], FIGURES["lookup_metadata_s"]
# Each route: its call, the status a quick answer carries (a task's metadata 201 once it runs), the clarification's
# proposed SLA (2.2's table; the job API's routes stand in for the task API's).
ROUTES: dict[str, tuple[Callable[[World], HasStatus], int, float]] = {
    "GET /live_metadata": (lambda world: world.focus.live_metadata(), 200, QUICK_S),
    "GET /sensors": (lambda world: world.focus.sensors(), 200, QUICK_S),
    "GET /channels": (lambda world: world.focus.channels(), 200, QUICK_S),
    "GET /metadata/{task_id}": (lambda world: world.focus.task_metadata(world.task_id), 201, LOOKUP_S),
    "GET /metadata/{job_id}": (lambda world: world.focus.job_metadata(world.subject.id), 200, LOOKUP_S),
}


@dataclass(frozen=True)
class Sample:
    number: int  # 1-based, in the order the calls were made
    elapsed_s: float
    status: int


def nearest_rank(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile: the ceil(percent/100 * N)-th smallest value (1-based), N >= 1."""
    if not values:
        raise ValueError("no values")
    if not 0 < percent <= 100:
        raise ValueError(f"percent {percent} outside (0, 100]")
    return sorted(values)[math.ceil(percent / 100 * len(values)) - 1]


@dataclass(frozen=True)
class LatencySeries:
    """The samples of one route, measured one call after the other, and the route's proposed SLA."""

    route: str
    expected_status: int
    samples: tuple[Sample, ...]

    @property
    def elapsed(self) -> list[float]:
        return [sample.elapsed_s for sample in self.samples]

    @property
    def p95_s(self) -> float:
        return nearest_rank(self.elapsed, 95)

    @property
    def worst(self) -> Sample:
        return max(self.samples, key=lambda sample: sample.elapsed_s)

    @property
    def unexpected(self) -> list[Sample]:
        return [sample for sample in self.samples if sample.status != self.expected_status]

    @property
    def sla_s(self) -> float:
        return ROUTES[self.route][2]

    def verdict_line(self, limit_s: float) -> str:
        worst = self.worst
        return (
            f"{self.route}: p95 {self.p95_s * 1000:.1f} ms over {len(self.samples)} calls (nearest rank), "
            f"worst {worst.elapsed_s * 1000:.1f} ms (call {worst.number}), "
            f"median {statistics.median(self.elapsed) * 1000:.1f} ms; limit {limit_s * 1000:.0f} ms"
        )

    def shown(self) -> list[Shown]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["call", "elapsed_ms", "status"])
        writer.writerows([s.number, f"{s.elapsed_s * 1000:.2f}", s.status] for s in self.samples)
        ms, limit = [value * 1000 for value in self.elapsed], self.sla_s
        rows = [
            ("route", self.route),
            ("calls", str(len(ms))),
            ("min", f"{min(ms):.1f} ms"),
            ("median", f"{statistics.median(ms):.1f} ms"),
            ("p95 (nearest rank)", f"{self.p95_s * 1000:.1f} ms"),
            ("worst", f"{self.worst.elapsed_s * 1000:.1f} ms (call {self.worst.number})"),
            ("limit", f"< {limit * 1000:.0f} ms"),
            ("verdict", "met" if self.p95_s < limit and not self.unexpected else "NOT met"),
        ]
        table = "| measure | value |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in rows) + "\n"
        return [
            Shown(f"latency samples {self.route}", "csv", out.getvalue()),
            Shown(f"latency summary {self.route}", "markdown", table),
            Shown(
                f"latency chart {self.route}",
                "latency",
                {"route": self.route, "elapsed_s": self.elapsed, "p95_s": self.p95_s, "limit_s": limit},
            ),
            Shown(f"measured: {self.verdict_line(limit)}", "figure"),
        ]


def configure_ready_task(world: World) -> str:
    """A live task configured and running: its metadata answers 201 (so that its latency is the route's)."""
    task_id = new_task_id("sla")
    answer = world.jobs.config_task(task_id, TaskConfig())
    if answer.status != 200:
        raise PreconditionNotMet(f"POST /config/{task_id} answered {answer.status}: {cut_text(answer.text, 300)}")
    try:
        world.wait.task_ready(task_id)
    except WaitTimeout as error:
        # Set-up: a task that never runs leaves nothing to time, so 2.2 cannot be judged (not slow metadata).
        raise PreconditionNotMet(f"task {task_id} was accepted but never ran: {error}") from None
    return task_id


def measure(world: World, route: str, count: int) -> LatencySeries:
    """Call `route` `count` times one after the other and time each (from before the request to the parsed answer)."""
    if count < MIN_CALLS:
        raise ValueError(f"a latency judgement needs at least {MIN_CALLS} calls, got {count}")
    call, expected_status, _ = ROUTES[route]
    samples = []
    for number in range(1, count + 1):
        started = monotonic()
        answer = call(world)
        samples.append(Sample(number, monotonic() - started, answer.status))
    series = LatencySeries(route, expected_status, tuple(samples))
    world.evidence.keep(series)
    calls = len(samples)
    world.evidence.metric(
        "p95", f"{route}: 95th percentile of {calls} calls", series.p95_s * 1000, "ms", series.sla_s * 1000
    )
    world.evidence.metric(
        "max", f"{route}: slowest of {calls} calls", series.worst.elapsed_s * 1000, "ms", series.sla_s * 1000
    )
    return series


def check_p95_under(series: LatencySeries, limit_s: float) -> None:
    """p95 under `limit_s`, and every call answered the expected status: a quick error is not quick metadata."""
    if series.unexpected:
        statuses = ", ".join(f"call {sample.number}: {sample.status}" for sample in series.unexpected)
        raise AssertionError(f"{series.route} should answer {series.expected_status} each time; it answered {statuses}")
    assert series.p95_s < limit_s, f"too slow: {series.verdict_line(limit_s)}"
