"""The one place where the suite waits: poll a probe until it yields, with a deadline and a reason, and the named
waits on a target's state (`Waiters`, on the World; Tempest's `waiters.py`). Steps never sleep."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from tenacity import RetryError, Retrying, retry_if_result, stop_after_attempt, stop_after_delay, wait_fixed

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
    again = retry_if_result(lambda value: value is None or value is False)
    try:
        return Retrying(stop=stop_after_delay(timeout_s), wait=wait_fixed(interval_s), retry=again)(probe)
    except RetryError as error:
        raise WaitTimeout(reason, timeout_s, error.last_attempt.result()) from None


@dataclass
class Polling:
    """A quick poll's pace and deadline for a loop of the caller's own (nothing calls back into it): `again` says
    whether time is left, pausing first unless the last poll made progress (rows served as fast as they are read are
    not slowed by the pause for "nothing yet")."""

    timeout_s: float
    interval_s: float = FAST_POLL_S
    started: float = field(default_factory=time.monotonic)

    def again(self, progress: bool) -> bool:
        if time.monotonic() - self.started >= self.timeout_s:
            return False
        if not progress:
            time.sleep(self.interval_s)
        return True


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

    def polling(self, timeout_s: float) -> Polling:
        """The pace of a quick poll (a waterfall read to its end) that lasts at most `timeout_s`."""
        return Polling(timeout_s)

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
