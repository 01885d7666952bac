"""Clause 2.2, metadata is quick: call a route N times, judge the 95th percentile of the latency, show every sample.

A task's metadata is timed once the task runs (`configure_ready_task`), so that its latency is the route's, not the
task's start; a job's, while its stream is read (`support.live`).

The percentile is the *nearest-rank* one: sort the N samples, take the ceil(0.95 * N)-th smallest. It is always a
sample that was really measured (no interpolation), and with N = 20 it is the second-worst call, so a single slow
call of twenty is tolerated and reported (as the worst call) while two are not.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import allure

from support.errors import PreconditionNotMet
from support.evidence import attach_csv, attach_markdown, attach_png, cut_text
from support.focus_api import FocusServer
from support.ids import new_task_id
from support.models import TaskConfig
from support.waiters import task_ready
from support.waiting import WaitTimeout, monotonic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MIN_CALLS = 20  # fewer samples would make "the 95th percentile" the worst call, i.e. one lucky or unlucky call


class HasStatus(Protocol):
    status: int


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
    rank = math.ceil(percent / 100 * len(values))
    return sorted(values)[rank - 1]


@dataclass
class LatencySeries:
    """The samples of one route, measured one call after the other."""

    route: str
    expected_status: int
    samples: list[Sample]

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

    def verdict_line(self, limit_s: float) -> str:
        worst = self.worst
        return (
            f"{self.route}: p95 {self.p95_s * 1000:.1f} ms over {len(self.samples)} calls (nearest rank), "
            f"worst {worst.elapsed_s * 1000:.1f} ms (call {worst.number}), "
            f"median {statistics.median(self.elapsed) * 1000:.1f} ms; limit {limit_s * 1000:.0f} ms"
        )

    def table_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["call", "elapsed_ms", "status"])
        for sample in self.samples:
            writer.writerow([sample.number, f"{sample.elapsed_s * 1000:.2f}", sample.status])
        return out.getvalue()

    def summary_markdown(self, limit_s: float) -> str:
        ms = [value * 1000 for value in self.elapsed]
        rows = [
            ("route", self.route),
            ("calls", str(len(ms))),
            ("min", f"{min(ms):.1f} ms"),
            ("median", f"{statistics.median(ms):.1f} ms"),
            ("p95 (nearest rank)", f"{self.p95_s * 1000:.1f} ms"),
            ("worst", f"{self.worst.elapsed_s * 1000:.1f} ms (call {self.worst.number})"),
            ("limit", f"< {limit_s * 1000:.0f} ms"),
            ("verdict", "met" if self.p95_s < limit_s and not self.unexpected else "NOT met"),
        ]
        return "| measure | value |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in rows) + "\n"

    def chart_png(self, limit_s: float) -> bytes:
        """The chart (`chart`) as PNG bytes."""
        out = io.BytesIO()
        self.chart(limit_s).savefig(out, format="png")
        return out.getvalue()

    def chart(self, limit_s: float) -> Figure:
        """A point per call (red when at or over the limit), the limit and the p95 as lines, the legend above them.

        The y axis is logarithmic, from just under the quickest call to just over the limit or the slowest call:
        samples of 12-32 ms and a limit of 2000 ms both show, the samples apart from each other and the distance to
        the limit read off the decades (a linear axis up to the limit would draw the samples as a flat line at 0)."""
        # Imported here: matplotlib takes about a second to import, paid only by runs that draw a chart. The Agg
        # canvas of a bare Figure (no pyplot) needs no display and keeps no global state.
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        ms = [value * 1000 for value in self.elapsed]
        figure = Figure(figsize=(6, 2.8), dpi=90)
        axes = figure.subplots()
        limit_ms = limit_s * 1000
        colours = ["tab:red" if value >= limit_ms else "tab:blue" for value in ms]
        calls = range(1, len(ms) + 1)
        axes.set_yscale("log")
        floor = max(min(ms) / 1.6, 0.01)
        axes.set_ylim(floor, max(limit_ms, max(ms)) * 1.8)
        axes.vlines(calls, floor, ms, colors=colours, linewidth=2)
        axes.scatter(calls, ms, c=colours, s=14, zorder=3)
        axes.axhline(limit_s * 1000, color="tab:red", linestyle="--", label=f"limit {limit_s * 1000:.0f} ms")
        axes.axhline(self.p95_s * 1000, color="tab:orange", linestyle=":", label=f"p95 {self.p95_s * 1000:.1f} ms")
        axes.set_xlabel("call")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel("ms (log scale)")
        axes.set_title(self.route, fontsize=10, loc="left")
        # Above the plot, beside the title: inside it, the legend would cover the points of the last calls.
        axes.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False, borderaxespad=0.2)
        figure.tight_layout()
        return figure


def configure_ready_task(focus: FocusServer) -> str:
    """A live task configured and running: its metadata answers 201 (so that its latency is the route's, not setup)."""
    task_id = new_task_id("sla")
    answer = focus.config_task(task_id, TaskConfig())
    if answer.status != 200:
        raise PreconditionNotMet(f"POST /config/{task_id} answered {answer.status}: {cut_text(answer.text, 300)}")
    try:
        task_ready(focus, task_id)
    except WaitTimeout as error:
        # Set-up, like the configure above: a task that never runs leaves nothing to time, so clause 2.2 cannot be
        # judged (it is a broken precondition, not slow metadata). Checks that a task runs belong to 2.3's Then.
        raise PreconditionNotMet(f"task {task_id} was accepted but never ran: {error}") from None
    return task_id


def measure(route: str, call: Callable[[], HasStatus], count: int, expected_status: int) -> LatencySeries:
    """Make `count` calls one after the other and time each one (from before the request to the parsed answer)."""
    if count < MIN_CALLS:
        raise ValueError(f"a latency judgement needs at least {MIN_CALLS} calls, got {count}")
    samples = []
    for number in range(1, count + 1):
        started = monotonic()
        answer = call()
        samples.append(Sample(number, monotonic() - started, answer.status))
    return LatencySeries(route, expected_status, samples)


def judge_p95_under(series: LatencySeries, limit_s: float) -> None:
    """Attach the table and chart, show the figures as a report step, and fail unless p95 < limit_s.

    Every call must also have answered the expected status: a quick error is not quick metadata.
    """
    attach_csv(f"latency samples {series.route}", series.table_csv())
    attach_markdown(f"latency summary {series.route}", series.summary_markdown(limit_s))
    attach_png(f"latency chart {series.route}", lambda: series.chart_png(limit_s))
    verdict = series.verdict_line(limit_s)
    # The figures as a step of their own, which fails with the judgement: no green tick beside a missed limit.
    with allure.step(f"measured: {verdict}"):
        if series.unexpected:
            statuses = ", ".join(f"call {sample.number}: {sample.status}" for sample in series.unexpected)
            raise AssertionError(
                f"{series.route} should answer {series.expected_status} each time; it answered {statuses}"
            )
        assert series.p95_s < limit_s, f"too slow: {verdict}"
