"""Which history window(s) each clause is judged on, found in a catalogue from the clause's essence (pure).

The clarifications give example shapes (a 30-minute window with a 5-minute recording at its start, ...). A
deployment's catalogue is whatever its Smart Recorder left (long files, restarts, an outage now and then), and over
the job API history plays at recording pace under the stream limit. So each clause names the smallest shape that
still shows its behaviour, and the literal example is preferred where the catalogue holds it:

- 4.1 60 minutes with no recording (the example's own; nothing smaller shows "no recordings").
- 4.2 uninterrupted recorded time: over the job API at most two thirds of the stream limit of it.
- 4.3, 4.6 a hole of more than 60 s (the clause's own threshold) with recorded time on both sides: literal when
  the hole is the example's 5 minutes; over the job API a third of the limit of each side.
- 4.4 the end of a recording followed by uncovered time: literal is a 30-minute window starting with it; smallest
  a third of the limit of the recording, then a third of the limit of nothing.
- 4.5 a recording preceded and followed by uncovered time: literal is a 30-minute window with it in the middle;
  smallest one window around a recording short enough, else two windows on one recording: its start after
  nothing, then its end before nothing.

Every size over the job API is a share of the stream limit (`Sizes`), never a fixed number of seconds, so that the
same suite judges a target with a 180 s limit and a stand run with a 20 s one. Where a catalogue lacks a shape,
`Lack` says exactly what, in seconds; a scenario then ends "not verified" with that reason, never passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from support.recordings import (
    MINUTE_S,
    Shape,
    blocks,
    covered_window,
    empty_window,
    middle_only_window,
    start_only_window,
)
from support.settings import Sizes, Timing
from support.timeline import Span

# The clarifications' own figures (Timing): the hole threshold of 4.3 and the example's times.
HOLE_OVER_S = Timing.hole_over_s
EXAMPLE_HOLE_S = Timing.example_hole_s
EXAMPLE_WINDOW_S = Timing.example_window_s
EMPTY_WINDOW_S = Timing.empty_window_s
HOLE_UNDER_S = Timing.outage_s  # an hour or more is an outage between two windows, not a hole in one
EDGE_S = Timing.window_edge_s  # how far a window's end keeps from the next recording
HISTORY_CLAUSES = ("4.1", "4.2", "4.3", "4.4", "4.5", "4.6")


class Choice(StrEnum):
    LITERAL = "the clarification's example shape"
    SMALLEST = "the smallest shape that shows the clause"
    TWO_WINDOWS = "the smallest shape, in two windows"


@dataclass(frozen=True)
class WindowPlan:
    clause: str
    api: str  # task | job
    windows: tuple[tuple[Shape, Span], ...]
    choice: Choice
    why: str

    def describe(self) -> str:
        shown = "; ".join(f"{window.label()} {shape.value}" for shape, window in self.windows)
        return f"{self.choice.value} ({self.why}): {shown}"


@dataclass(frozen=True)
class Lack:
    clause: str
    api: str
    reason: str  # what the catalogue lacks, in seconds, between the search window's ends

    def describe(self) -> str:
        return f"not verifiable: {self.reason}"


def _between(search: Span, found: Sequence[Span]) -> str:
    return f"between {search.label()} ({len(found)} recording(s) there)"


def _gaps(found: list[Span], search: Span) -> list[tuple[Span | None, Span | None, int]]:
    """Each block with the uncovered seconds after it (None: the search window ends first), and its next one."""
    out = []
    for index, block in enumerate(found):
        after = found[index + 1] if index + 1 < len(found) else None
        room = ((after.start_ms if after else search.end_ms) - block.end_ms) // 1000
        out.append((block, after, room))
    return out


def _inside(window: Span, search: Span) -> bool:
    return search.start_ms <= window.start_ms and window.end_ms <= search.end_ms


# -- the clauses ------------------------------------------------------------------------------------------------


def plan_empty(recordings: Sequence[Span], search: Span, sizes: Sizes, api: str) -> WindowPlan | Lack:
    window = empty_window(recordings, search, length_s=EMPTY_WINDOW_S)
    if window is None:
        return Lack(
            "4.1",
            api,
            f"no {EMPTY_WINDOW_S} s without any recording (and {MINUTE_S} s clear of one) "
            f"{_between(search, recordings)}",
        )
    return WindowPlan("4.1", api, ((Shape.EMPTY, window),), Choice.LITERAL, "60 minutes with no recording")


def plan_covered(recordings: Sequence[Span], search: Span, sizes: Sizes, api: str) -> WindowPlan | Lack:
    if api == "task":
        window = covered_window(recordings, search)
        if window is not None:
            return WindowPlan("4.2", api, ((Shape.COVERED, window),), Choice.LITERAL, "10-15 minutes of one recording")
    length = sizes.budget_s if api == "job" else Timing.task_covered_s
    window = covered_window(recordings, search, length_s=length, min_length_s=sizes.side_s)
    if window is None:
        return Lack("4.2", api, f"no {sizes.side_s} s of uninterrupted recording {_between(search, recordings)}")
    why = f"at most {sizes.budget_s} s of recorded data, two thirds of the stream limit" if api == "job" else ""
    choice = Choice.LITERAL if api == "job" else Choice.SMALLEST
    return WindowPlan("4.2", api, ((Shape.COVERED, window),), choice, why or "no 10 minutes of one recording")


def _hole(found: list[Span], search: Span, side_s: int, min_side_s: int, exactly_s: int | None) -> Span | None:
    for first, second in pairwise(found):
        hole_s = (second.start_ms - first.end_ms) // 1000
        if not HOLE_OVER_S < hole_s < HOLE_UNDER_S or (exactly_s is not None and hole_s != exactly_s):
            continue
        start = max(first.start_ms, first.end_ms - side_s * 1000, search.start_ms)
        end = min(second.end_ms, second.start_ms + side_s * 1000, search.end_ms)
        if first.end_ms - start >= min_side_s * 1000 and end - second.start_ms >= min_side_s * 1000:
            return Span(start, end)
    return None


def plan_hole(recordings: Sequence[Span], search: Span, sizes: Sizes, api: str, clause: str) -> WindowPlan | Lack:
    found = blocks(recordings)
    side = sizes.side_s if api == "job" else Timing.example_side_s
    each = f"{side} s of each side" + (", a third of the stream limit" if api == "job" else "")
    window = _hole(found, search, side, side, EXAMPLE_HOLE_S)
    if window is not None:
        return WindowPlan(clause, api, ((Shape.HOLE, window),), Choice.LITERAL, f"a 5-minute hole, {each}")
    window = _hole(found, search, side, sizes.side_s, None)
    if window is None:
        return Lack(
            clause,
            api,
            f"no hole of more than {HOLE_OVER_S} s (under {HOLE_UNDER_S} s) with {sizes.side_s} s of recording on "
            f"each side {_between(search, recordings)}",
        )
    return WindowPlan(
        clause, api, ((Shape.HOLE, window),), Choice.SMALLEST, f"no 5-minute hole; a hole over 60 s, {each}"
    )


def _room(found: list[Span], search: Span, index: int) -> tuple[int, int]:
    """Uncovered seconds before and after block `index` (to its neighbours, or to the search window's ends)."""
    block = found[index]
    before = found[index - 1].end_ms if index > 0 else search.start_ms
    after = found[index + 1].start_ms if index + 1 < len(found) else search.end_ms
    return (block.start_ms - before) // 1000, (after - block.end_ms) // 1000


def _end_then_nothing(block: Span, sizes: Sizes) -> Span:
    """A side of a recording up to its end, then a side of nothing."""
    return Span(max(block.start_ms, block.end_ms - sizes.side_s * 1000), block.end_ms + sizes.side_s * 1000)


def _nothing_then_start(block: Span, sizes: Sizes) -> Span:
    """A side of nothing, then a side of a recording from its start."""
    return Span(block.start_ms - sizes.side_s * 1000, min(block.end_ms, block.start_ms + sizes.side_s * 1000))


def plan_start_only(recordings: Sequence[Span], search: Span, sizes: Sizes, api: str) -> WindowPlan | Lack:
    at_most = sizes.budget_s if api == "job" else None
    window = start_only_window(recordings, search, length_s=EXAMPLE_WINDOW_S, recorded_at_most_s=at_most)
    if window is not None:
        held = f", holding at most {at_most} s of it (two thirds of the stream limit)" if at_most else ""
        why = f"30 minutes with a recording at the start only{held}"
        return WindowPlan("4.4", api, ((Shape.START_ONLY, window),), Choice.LITERAL, why)
    found = blocks(recordings)
    ends = (_end_then_nothing(b, sizes) for i, b in enumerate(found) if _room(found, search, i)[1] >= sizes.clear_s)
    window = next((w for w in ends if _inside(w, search)), None)
    if window is None:
        return Lack(
            "4.4",
            api,
            f"no uncovered stretch of >= {sizes.clear_s} s after a recording {_between(search, recordings)}",
        )
    why = (
        f"no recording followed by {EXAMPLE_WINDOW_S // MINUTE_S} minutes of nothing; {sizes.side_s} s of a "
        f"recording to its end, then {sizes.side_s} s of nothing"
    )
    return WindowPlan("4.4", api, ((Shape.START_ONLY, window),), Choice.SMALLEST, why)


def plan_middle_only(recordings: Sequence[Span], search: Span, sizes: Sizes, api: str) -> WindowPlan | Lack:
    at_most = sizes.budget_s if api == "job" else None
    window = middle_only_window(recordings, search, length_s=EXAMPLE_WINDOW_S, recorded_at_most_s=at_most)
    # One window holds a recording of at most this (the task API has no pace, but a window of hours is no test).
    one_window_s = at_most or EXAMPLE_WINDOW_S - 2 * sizes.side_s
    if window is not None:
        held = f" of at most {at_most} s (two thirds of the stream limit)" if at_most else ""
        why = f"30 minutes with a single recording{held} in the middle"
        return WindowPlan("4.5", api, ((Shape.MIDDLE_ONLY, window),), Choice.LITERAL, why)
    found = blocks(recordings)
    clear = [i for i in range(len(found)) if min(_room(found, search, i)) >= sizes.clear_s]
    side = sizes.side_s * 1000
    for index in clear:  # one window around a recording short enough
        block = found[index]
        window = Span(block.start_ms - side, block.end_ms + side)
        if block.duration_s <= one_window_s and _inside(window, search):
            why = f"no 30-minute window of the shape; {sizes.side_s} s of nothing on either side of the recording"
            return WindowPlan("4.5", api, ((Shape.MIDDLE_ONLY, window),), Choice.SMALLEST, why)
    for index in clear:  # its start after nothing, then its end before nothing
        lead, tail = _nothing_then_start(found[index], sizes), _end_then_nothing(found[index], sizes)
        if _inside(lead, search) and _inside(tail, search):
            why = (
                f"no recording of at most {one_window_s} s with nothing around it; one stretch of recording's start "
                f"after {sizes.side_s} s of nothing, then its end before {sizes.side_s} s of nothing"
            )
            windows = ((Shape.END_ONLY, lead), (Shape.START_ONLY, tail))
            return WindowPlan("4.5", api, windows, Choice.TWO_WINDOWS, why)
    return Lack(
        "4.5",
        api,
        f"no recording with an uncovered stretch of >= {sizes.clear_s} s both before and after it "
        f"{_between(search, recordings)}",
    )


def plan(clause: str, api: str, recordings: Sequence[Span], search: Span, sizes: Sizes) -> WindowPlan | Lack:
    """The window(s) `clause` is judged on over `api` in this catalogue, or what the catalogue lacks for it."""
    if clause == "4.1":
        return plan_empty(recordings, search, sizes, api)
    if clause == "4.2":
        return plan_covered(recordings, search, sizes, api)
    if clause in ("4.3", "4.6"):
        return plan_hole(recordings, search, sizes, api, clause)
    if clause == "4.4":
        return plan_start_only(recordings, search, sizes, api)
    if clause == "4.5":
        return plan_middle_only(recordings, search, sizes, api)
    raise ValueError(f"clause {clause!r} needs no history window (history clauses: {', '.join(HISTORY_CLAUSES)})")
