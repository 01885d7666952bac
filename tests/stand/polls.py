"""How the stand tests wait: a poll with a deadline for what must come, a named window for what must not.

A readiness wait polls (the suite's own `support.waiting`, tenacity underneath), so that a test goes on as soon as
the condition holds and, when it never does, fails with what it waited for and what it last saw. A sleep is left
only where the test watches for a while on purpose (an observation window), and is named so: `observe`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from support.waiting import monotonic, wait_for, watch_for

T = TypeVar("T")

POLL_S = 0.1  # the stand answers within milliseconds: ask often, so that a test goes on at once
READY_S = 5.0  # what the stand does "in a moment" (a consumer starting, a queue declared), with room for a busy host


def until(probe: Callable[[], T | None], what: str, within_s: float = READY_S) -> T:
    """`probe`'s first result other than None or False (an empty list is a result: say `len(x) > 0`);
    AssertionError (`WaitTimeout`) naming `what` if none came."""
    return wait_for(probe, reason=what, timeout_s=within_s, interval_s=POLL_S)


def comes(probe: Callable[[], object], within_s: float = READY_S) -> bool:
    """Whether `probe` comes true within the deadline (for a check that states its own failure message)."""
    return watch_for(lambda: bool(probe()) or None, seconds=within_s, interval_s=POLL_S) is not None


def never(probe: Callable[[], object], seconds: float) -> bool:
    """An observation window: True when `probe` stayed false for the whole of it (it fails as soon as it turns)."""
    return watch_for(lambda: bool(probe()) or None, seconds=seconds, interval_s=POLL_S) is None


def observe(seconds: float) -> float:
    """An observation window: listen (a probe collects on its own thread) for `seconds`; how long it really took,
    by the monotonic clock, which a busy host makes longer than asked."""
    started = monotonic()
    time.sleep(seconds)
    return monotonic() - started
