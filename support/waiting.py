"""The one place where the suite waits: poll a probe until it yields, with a deadline and a reason.

Steps never sleep; clients that must wait call `wait_for`, so that every wait in a report has a reason and a limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum
from typing import TypeVar

from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_result,
    stop_after_attempt,
    stop_after_delay,
    wait_fixed,
)

from support.times import POLL_S

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The awaited condition did not come true in time; an assertion, since the target did not deliver."""

    def __init__(self, reason: str, timeout_s: float, last: object = None) -> None:
        super().__init__(f"waited {timeout_s:g} s for {reason}; last seen: {last!r}")
        self.reason = reason
        self.last = last


def wait_for(probe: Callable[[], T | None], *, reason: str, timeout_s: float, interval_s: float = POLL_S) -> T:
    """Call `probe` until it returns something other than None or False; return that, or raise WaitTimeout."""
    last: list[object] = [None]

    def attempt() -> T | None:
        value = probe()
        last[0] = value
        return value

    retrying = Retrying(
        stop=stop_after_delay(timeout_s),
        wait=wait_fixed(interval_s),
        retry=retry_if_result(lambda value: value is None or value is False),
        reraise=False,
    )
    try:
        return retrying(attempt)
    except RetryError:
        raise WaitTimeout(reason, timeout_s, last[0]) from None


class Pace(Enum):
    """What a `poll_until` step says when it has no result yet."""

    AT_ONCE = "at once"  # it made progress (e.g. received rows): call it again without pausing
    LATER = "later"  # nothing new: pause `interval_s` before the next call


def poll_until(step: Callable[[], T | Pace], *, reason: str, timeout_s: float, interval_s: float = POLL_S) -> T:
    """Call `step` until it returns a result rather than a `Pace`; return that, or raise WaitTimeout.

    Unlike `wait_for`, a step that made progress is called again at once, so that a stream served as fast as it is
    read is not slowed down by the pause meant for "nothing yet".
    """
    last: list[object] = [None]

    def attempt() -> T | Pace:
        value = step()
        last[0] = value
        return value

    def pause(state: RetryCallState) -> float:
        return 0.0 if state.outcome is not None and state.outcome.result() is Pace.AT_ONCE else interval_s

    retrying = Retrying(
        stop=stop_after_delay(timeout_s),
        wait=pause,
        retry=retry_if_result(lambda value: isinstance(value, Pace)),
        reraise=False,
    )
    try:
        return retrying(attempt)
    except RetryError:
        raise WaitTimeout(reason, timeout_s, last[0]) from None


def retried(call: Callable[[], T], *, transient: Callable[[T], bool], tries: int, interval_s: float) -> T:
    """`call` again while its answer is `transient` (a server's passing 5xx), `tries` times in all; the last answer.

    For idempotent reads only: what the answer then says (a lasting error included) is the caller's to judge.
    """
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
    """Call `probe` for a whole window: its first result other than None or False, or None if none came.

    For checks that something must NOT happen (a second queue, say): returning at the first quiet poll would miss
    what comes a moment later, so the window runs out before the check passes.
    """
    try:
        return wait_for(probe, reason="(watched)", timeout_s=seconds, interval_s=interval_s)
    except WaitTimeout:
        return None
