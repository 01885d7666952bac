"""The one place where the suite waits: poll a probe until it yields, with a deadline and a reason, and the named
waits on a target's state (`Waiters`, on the World; Tempest's `waiters.py`). Steps never sleep."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_result,
    stop_after_attempt,
    stop_after_delay,
    wait_fixed,
)

from support.times import FAST_POLL_S, POLL_S, Waits

if TYPE_CHECKING:  # the clients poll through this module: their types only
    from support.amqp_probe import AmqpProbe
    from support.focus_api import FocusServer
    from support.rabbit_admin import Connection, Consumer, RabbitAdmin

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The awaited condition did not come true in time; an assertion, since the target did not deliver."""

    def __init__(self, reason: str, timeout_s: float, last: object = None) -> None:
        super().__init__(f"waited {timeout_s:g} s for {reason}; last seen: {last!r}")
        self.reason = reason
        self.last = last


def wait_for(probe: Callable[[], T | None], *, reason: str, timeout_s: float, interval_s: float = POLL_S) -> T:
    """Call `probe` until it returns something other than None or False; return that, or raise WaitTimeout."""
    return _until(probe, lambda value: value is None or value is False, wait_fixed(interval_s), reason, timeout_s)


class Pace(Enum):
    """What a `poll_until` step says when it has no result yet."""

    AT_ONCE = "at once"  # it made progress (e.g. received rows): call it again without pausing
    LATER = "later"  # nothing new: pause `interval_s` before the next call


def poll_until(step: Callable[[], T | Pace], *, reason: str, timeout_s: float, interval_s: float = POLL_S) -> T:
    """Call `step` until it returns a result rather than a `Pace`, or raise WaitTimeout; a step that made progress
    is called again at once (a stream served as fast as it is read is not slowed by the pause for "nothing yet")."""

    def pause(state: RetryCallState) -> float:
        return 0.0 if state.outcome is not None and state.outcome.result() is Pace.AT_ONCE else interval_s

    return _until(step, lambda value: isinstance(value, Pace), pause, reason, timeout_s)


def _until(call: Callable[[], Any], again: Callable[[Any], bool], pause: Any, reason: str, timeout_s: float) -> Any:
    try:
        return Retrying(stop=stop_after_delay(timeout_s), wait=pause, retry=retry_if_result(again))(call)
    except RetryError as error:
        raise WaitTimeout(reason, timeout_s, error.last_attempt.result()) from None


def retried(call: Callable[[], T], *, transient: Callable[[T], bool], tries: int, interval_s: float) -> T:
    """`call` again while its answer is `transient` (a passing 5xx), `tries` times in all; the last answer
    (idempotent reads)."""
    retrying = Retrying(
        stop=stop_after_attempt(tries), wait=wait_fixed(interval_s), retry=retry_if_result(transient), reraise=False
    )
    try:
        return retrying(call)
    except RetryError as exhausted:
        return exhausted.last_attempt.result()


def monotonic() -> float:
    """The clock every measurement of the suite uses."""
    return time.monotonic()


def watch_for(probe: Callable[[], T | None], *, seconds: float, interval_s: float = POLL_S) -> T | None:
    """`probe` called for a whole window: its first result, or None (a check that something must NOT happen)."""
    try:
        return wait_for(probe, reason="(watched)", timeout_s=seconds, interval_s=interval_s)
    except WaitTimeout:
        return None


@dataclass(frozen=True)
class Waiters:
    """Named waits on the target, each with its reason and timeout (`Waits`); `WaitTimeout` when the target did not
    deliver."""

    focus: FocusServer
    admin: RabbitAdmin
    waits: Waits

    def polled(self, step: Callable[[], str | bool], *, reason: str, timeout_s: float) -> str | None:
        """`step` polled quickly until it says why it stopped (a text), or None at the deadline; True: it made
        progress (called again at once), False: nothing yet (called again after a pause)."""
        try:
            return poll_until(
                lambda: said if isinstance(said := step(), str) else Pace.AT_ONCE if said else Pace.LATER,
                reason=reason,
                timeout_s=timeout_s,
                interval_s=FAST_POLL_S,
            )
        except WaitTimeout:
            return None

    def task_ready(self, task_id: str) -> None:
        """Until the task runs: `GET /metadata/{task_id}` answers 201."""
        focus = self.focus
        wait_for(
            lambda: focus.task_metadata(task_id).status == 201,
            reason=f"GET /metadata/{task_id} to answer 201",
            timeout_s=self.waits.task_ready_s,
        )

    def jobs_running(self, job_ids: Sequence[str]) -> list[str]:
        """The jobs that `GET /metadata/{job_id}` still answers (not 404)."""
        return [job_id for job_id in job_ids if self.focus.job_metadata(job_id).status != 404]

    def jobs_gone(self, job_ids: Sequence[str], within_s: float) -> tuple[list[str], float]:
        """Until every job is gone (404 for each), `within_s`: the jobs still running then (none), and how long."""
        started = monotonic()
        try:
            wait_for(
                lambda: not self.jobs_running(job_ids), reason=f"jobs {', '.join(job_ids)} to end", timeout_s=within_s
            )
        except WaitTimeout:
            return self.jobs_running(job_ids), monotonic() - started
        return [], monotonic() - started

    def queues_named_after(self, run_id: str) -> list[str]:
        """The queues whose name holds `run_id`, watched `queue_settle_s` longer for one declared late; sorted."""

        def named() -> list[str]:
            return sorted(queue.name for queue in self.admin.queues() if run_id in queue.name)

        seen = set(
            wait_for(
                lambda: named() or None, reason=f"a queue named after {run_id}", timeout_s=self.waits.queue_shows_s
            )
        )

        def another() -> bool:
            seen.update(named())
            return len(seen) > 1

        watch_for(another, seconds=self.waits.queue_settle_s)
        return sorted(seen)

    def queue_bound(self, exchange: str, pattern: re.Pattern[str]) -> str:
        """The first queue whose name matches `pattern` bound to `exchange`."""

        def bound() -> str | None:
            for binding in self.admin.bindings_from(exchange):
                if binding.destination_type == "queue" and pattern.match(binding.destination):
                    return binding.destination
            return None

        return wait_for(
            bound, reason=f"a queue {pattern.pattern} bound to {exchange}", timeout_s=self.waits.queue_shows_s
        )

    def queue_gone(self, probe: AmqpProbe, name: str) -> None:
        """Until neither the management API nor a passive declare finds the queue."""
        wait_for(
            lambda: self.admin.queue(name) is None and not probe.queue_exists(name),
            reason=f"the queue {name!r} to go",
            timeout_s=self.waits.queue_gone_s,
        )

    def connections_named(self, name: str) -> list[Connection]:
        """The broker connections carrying the client-provided name `name`, once the management API lists one."""
        return wait_for(
            lambda: [c for c in self.admin.connections() if c.client_name == name] or None,
            reason=f"a broker connection named {name!r}",
            timeout_s=self.waits.management_lag_s,
        )

    def consumers_with_channels(self) -> list[Consumer]:
        """Every consumer, once the management API lists each with its channel (none while its statistics catch up)."""

        def all_named() -> list[Consumer] | None:
            listed = self.admin.consumers()
            return listed if all(c.channel_details for c in listed) else None

        return wait_for(
            all_named, reason="every consumer listed with its channel", timeout_s=self.waits.management_lag_s
        )
