"""How the stand tests wait: a poll with a deadline for what must come (it fails with what it waited for and what it
last saw), a named observation window for what must not (`never`, `observe`: the only sleeps)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_S = 0.1  # the stand answers within milliseconds: ask often, so that a test goes on at once
READY_S = 5.0  # what the stand does "in a moment" (a consumer starting, a queue declared), with room for a busy host


class WaitTimeout(AssertionError):
    """What was waited for did not come."""


def watch_for(probe: Callable[[], T | None], seconds: float) -> T | None:
    """`probe`'s first result other than None or False within `seconds`, else None."""
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL_S)


def until(probe: Callable[[], T | None], what: str, within_s: float = READY_S) -> T:
    """`probe`'s first result other than None or False (an empty list is a result: say `len(x) > 0`);
    WaitTimeout naming `what` if none came."""
    last: list[object] = []

    def remembered() -> T | None:
        last[:] = [probe()]
        return last[0]

    result = watch_for(remembered, within_s)
    if result is None:
        raise WaitTimeout(f"{what}: not within {within_s:g} s (last seen: {last[0] if last else None!r})")
    return result


def comes(probe: Callable[[], object], within_s: float = READY_S) -> bool:
    """Whether `probe` comes true within the deadline (for a check that states its own failure message)."""
    return watch_for(lambda: bool(probe()) or None, within_s) is not None


def never(probe: Callable[[], object], seconds: float) -> bool:
    """An observation window: True when `probe` stayed false for the whole of it (it fails as soon as it turns)."""
    return watch_for(lambda: bool(probe()) or None, seconds) is None


def observe(seconds: float) -> float:
    """An observation window: listen (a probe collects on its own thread) for `seconds`; how long it really took,
    by the monotonic clock, which a busy host makes longer than asked."""
    started = time.monotonic()
    time.sleep(seconds)
    return time.monotonic() - started
