"""The one window finder: the history window(s) each clause is judged on, found in a catalogue's recordings.

Pure and in one unit (`Span`, epoch milliseconds): it reads a list of recordings and a search window and asks no
target; the catalogue client that does (and confirms each window with the target's own answer for it) is
support/recordings.py. The window's types live here: `Span`, `Shape`, `HistoryWindow`, `WindowPlan`, `Lack`.

The clarifications give example shapes (a 30-minute window with a 5-minute recording at its start, ...). A
deployment's catalogue is whatever its Smart Recorder left (long files, restarts, an outage now and then), and over
the job API history plays at recording pace under the stream limit. So each shape of window has the literal example
where the catalogue holds it, else the smallest window that still shows its clause (`plan`):

- `EMPTY` (4.1): 60 minutes with no recording (the example's own; nothing smaller shows "no recordings").
- `COVERED` (4.2): uninterrupted recorded time; over the job API at most two thirds of the stream limit of it.
- `HOLE` (4.3, 4.6): a hole of more than 60 s (4.3's own threshold) with recorded time on both sides; literal when
  the hole is the example's 5 minutes; over the job API a third of the limit of each side.
- `START_ONLY` (4.4): the end of a recording followed by uncovered time: literal is a 30-minute window starting
  with it; smallest a third of the limit of the recording, then a third of the limit of nothing.
- `MIDDLE_ONLY` (4.5): a recording preceded and followed by uncovered time: literal is a 30-minute window with it
  in the middle; smallest one window around a recording short enough, else two windows on one recording: its start
  after nothing (`END_ONLY`), then its end before nothing (`START_ONLY`).
- Clause 2.1's history streams need uninterrupted recorded time of a given length (`uninterrupted_window`).

Every size over the job API is a share of the stream limit (the time context's `budget_s`, `side_s`, `clear_s`),
never a fixed number of seconds, so that the same suite judges a target with a 180 s limit and a stand run with a
20 s one. Where a catalogue lacks a shape,
`Lack` says exactly what, in seconds; a scenario then ends "not verified" with that reason, never passed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from support.clauses import FIGURES
from support.times import HOLE_OVER_S, MIN_SIDE_S, MINUTE_S, OUTAGE_S, TASK_COVERED_S, WINDOW_MARGIN_S, Times

EXAMPLE_HOLE_S = int(FIGURES["example_hole_s"])
EXAMPLE_SIDE_S = int(FIGURES["example_side_s"])
EXAMPLE_WINDOW_S = int(FIGURES["example_window_s"])
EMPTY_WINDOW_S = int(FIGURES["example_empty_s"])
HOLE_UNDER_S = OUTAGE_S  # an hour or more is an outage between two windows, not a hole in one
MARGIN_S = WINDOW_MARGIN_S  # how far a window keeps from recordings it must not hold
EITHER_API = "task or job"  # the API of a window that is the same over both (4.1's 60 minutes of nothing)


# -- time spans --------------------------------------------------------------------------------------------------


def ms_of(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)


def instant_of(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def fmt(ms: int) -> str:
    """`2025-10-09 10:05:00`, with milliseconds only when there are some."""
    text = instant_of(ms).strftime("%Y-%m-%d %H:%M:%S")
    return text + (f".{ms % 1000:03d}" if ms % 1000 else "")


def fmt_span(start_ms: int, end_ms: int) -> str:
    """`2025-10-09 10:00:00–10:05:00` (the date once when both ends share it)."""
    start, end = fmt(start_ms), fmt(end_ms)
    return f"{start}–{end[11:] if start[:10] == end[:10] else end}"


@dataclass(frozen=True, order=True)
class Span:
    """A stretch of time [start_ms, end_ms] in epoch milliseconds (a window, a recording, a run of rows)."""

    start_ms: int
    end_ms: int

    def __post_init__(self) -> None:
        if self.end_ms < self.start_ms:
            raise ValueError(f"span ends before it starts: {self.start_ms} > {self.end_ms}")

    @classmethod
    def of(cls, start: datetime, end: datetime) -> Span:
        return cls(ms_of(start), ms_of(end))

    @classmethod
    def of_seconds(cls, start_s: int, end_s: int) -> Span:
        return cls(start_s * 1000, end_s * 1000)

    @property
    def start(self) -> datetime:
        return instant_of(self.start_ms)

    @property
    def end(self) -> datetime:
        return instant_of(self.end_ms)

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    @property
    def duration_s(self) -> float:
        return self.duration_ms / 1000

    def overlaps(self, other: Span) -> bool:
        """True when the two share more than an edge."""
        return self.start_ms < other.end_ms and other.start_ms < self.end_ms

    def contains(self, ms: int, tolerance_ms: int = 0) -> bool:
        return self.start_ms - tolerance_ms <= ms <= self.end_ms + tolerance_ms

    def clip(self, other: Span) -> Span | None:
        """The part of this span inside `other`, or None when they share no time."""
        if not self.overlaps(other):
            return None
        return Span(max(self.start_ms, other.start_ms), min(self.end_ms, other.end_ms))

    def label(self) -> str:
        return fmt_span(self.start_ms, self.end_ms)

    def as_dict(self) -> dict[str, Any]:
        return {"from": fmt(self.start_ms), "to": fmt(self.end_ms), "duration_s": self.duration_s}


def covered_parts(recordings: Iterable[Span], window: Span) -> list[Span]:
    """The recorded time inside `window`: recordings clipped to it, merged where they touch or overlap."""
    return blocks(part for part in (r.clip(window) for r in recordings) if part is not None)


def holes_between(parts: Sequence[Span]) -> list[Span]:
    """The unrecorded time between consecutive recorded parts (not before the first nor after the last)."""
    return [Span(a.end_ms, b.start_ms) for a, b in pairwise(parts)]


class Shape(StrEnum):
    COVERED = "covered completely by recordings"
    HOLE = "with a hole between two recordings"
    START_ONLY = "with a recording at its start only"
    MIDDLE_ONLY = "with a single recording in its middle"
    END_ONLY = "with a recording from its middle to its end"  # 4.5's start, when no recording fits in one window
    EMPTY = "with no recording at all"


# The shape each history clause is judged on; 4.3 and 4.6 judge the same window differently.
CLAUSE_SHAPES: dict[str, Shape] = {
    "4.1": Shape.EMPTY,
    "4.2": Shape.COVERED,
    "4.3": Shape.HOLE,
    "4.4": Shape.START_ONLY,
    "4.5": Shape.MIDDLE_ONLY,
    "4.6": Shape.HOLE,
}


@dataclass(frozen=True)
class HistoryWindow:
    """A window of a known shape and what the catalogue answered for exactly that window."""

    shape: Shape
    window: Span
    recordings: tuple[Span, ...]  # whole recordings overlapping the window, as the catalogue gives them
    part: str = ""  # which of its clause's windows, when there are several: "window 1 of 2: its start"

    @property
    def parts(self) -> list[Span]:
        """The recorded time inside the window."""
        return covered_parts(self.recordings, self.window)

    @property
    def holes(self) -> list[Span]:
        """The catalogue's holes inside the window, between recorded parts."""
        return holes_between(self.parts)

    @property
    def last_covered_ms(self) -> int | None:
        parts = self.parts
        return parts[-1].end_ms if parts else None

    def describe(self) -> str:
        recorded = ", ".join(part.label() for part in self.parts) or "nothing"
        return f"window {self.window.label()} {self.shape.value}; recorded: {recorded}"

    def named(self, name: str) -> str:
        """`name`, and which window it is of when its clause is judged on several (no two attachments share one)."""
        return f"{name}, {self.part}" if self.part else name

    def as_dict(self) -> dict[str, Any]:
        return {
            "shape": self.shape.value,
            "window": self.window.as_dict(),
            "catalogue_answer": [[r.start_ms // 1000, r.end_ms // 1000] for r in self.recordings],
            "recordings": [r.as_dict() for r in self.recordings],
            "recorded_parts": [p.as_dict() for p in self.parts],
            "holes": [h.as_dict() for h in self.holes],
        }


# -- the finders: one window of a shape, or None ----------------------------------------------------------------


def blocks(recordings: Iterable[Span]) -> list[Span]:
    """Recordings merged where they touch or overlap: stretches of uninterrupted recorded time."""
    merged: list[Span] = []
    for recording in sorted(recordings):
        if merged and recording.start_ms <= merged[-1].end_ms:
            merged[-1] = Span(merged[-1].start_ms, max(merged[-1].end_ms, recording.end_ms))
        else:
            merged.append(recording)
    return merged


def _neighbours(found: list[Span], index: int) -> tuple[int | None, int | None]:
    """End of the block before `index` and start of the block after it, in ms (None at either end)."""
    before = found[index - 1].end_ms if index > 0 else None
    after = found[index + 1].start_ms if index + 1 < len(found) else None
    return before, after


def uninterrupted_window(recordings: Sequence[Span], search: Span, seconds: int) -> Span | None:
    """`seconds` of uninterrupted recorded time (whole seconds), at the start of the shortest stretch inside
    `search` that holds them (clause 2.1's history streams). Without a hole, so that the window's recorded data is
    its length: how holes are played is clause 4's business, and a window with one would make 2.1 depend on it."""
    clipped = (block.clip(search) for block in blocks(recordings))
    stretches = [(math.ceil(s.start_ms / 1000), s.end_ms // 1000) for s in clipped if s is not None]
    fitting = [(start, end) for start, end in stretches if end - start >= seconds]
    if not fitting:
        return None
    start, _ = min(fitting, key=lambda stretch: stretch[1] - stretch[0])
    return Span.of_seconds(start, start + seconds)


def covered_window(
    recordings: Sequence[Span],
    search: Span,
    *,
    length_s: int = int(FIGURES["example_covered_s"]),
    min_length_s: int = int(FIGURES["example_covered_min_s"]),
) -> Span | None:
    """A window of `min_length_s`..`length_s` inside uninterrupted recorded time, starting where that time starts."""
    for block in blocks(recordings):
        inside = block.clip(search)
        if inside is not None and inside.duration_s >= min_length_s:
            return Span(inside.start_ms, min(inside.end_ms, inside.start_ms + length_s * 1000))
    return None


def hole_window(
    recordings: Sequence[Span],
    search: Span,
    *,
    side_s: int = EXAMPLE_SIDE_S,
    min_side_s: int = MIN_SIDE_S,
    hole_over_s: int = HOLE_OVER_S,
    hole_of_s: int | None = None,
) -> Span | None:
    """From the first recording's start to the second's end around a hole longer than `hole_over_s` (exactly
    `hole_of_s` when given; like 10:00-10:05, gap, 10:10-10:15), each side cut to at most `side_s` (and at least
    `min_side_s`) so that the window holds that one hole only. Holes of `HOLE_UNDER_S` or more are passed over: a
    day between two recordings is not a hole in a window."""
    for first, second in pairwise(blocks(recordings)):
        hole_ms = second.start_ms - first.end_ms
        if not hole_over_s * 1000 < hole_ms < HOLE_UNDER_S * 1000:
            continue
        if hole_of_s is not None and hole_ms != hole_of_s * 1000:
            continue
        start = max(first.start_ms, first.end_ms - side_s * 1000, search.start_ms)
        end = min(second.end_ms, second.start_ms + side_s * 1000, search.end_ms)
        if first.end_ms - start >= min_side_s * 1000 and end - second.start_ms >= min_side_s * 1000:
            return Span(start, end)
    return None


def start_only_window(
    recordings: Sequence[Span],
    search: Span,
    *,
    length_s: int = EXAMPLE_WINDOW_S,
    margin_s: int = MARGIN_S,
    recorded_at_most_s: int | None = None,
) -> Span | None:
    """A window of `length_s` starting at a recording's start, the recording ending at least `margin_s` before the
    window does, and no other recording within `margin_s` of the window (like 10:00-10:05 in 10:00-10:30).
    With `recorded_at_most_s` (history over gRPC plays at recording pace) the window starts that long before the
    recording ends, so that it holds at most that much of it; the shortest recordings come first then.

    Recordings with nothing in the `length_s` before them come first: their window reads the same either way."""
    found = blocks(recordings)
    candidates: list[tuple[bool, int, Span]] = []
    for index, block in enumerate(found):
        start = block.start_ms
        if recorded_at_most_s is not None:
            start = max(start, block.end_ms - recorded_at_most_s * 1000)
        window = Span(start, start + length_s * 1000)
        before, after = _neighbours(found, index)
        if (
            _inside(window, search)
            and block.end_ms <= window.end_ms - margin_s * 1000
            and (after is None or after >= window.end_ms + margin_s * 1000)
            and (before is None or before <= window.start_ms - margin_s * 1000)
        ):
            isolated = before is None or before <= window.start_ms - length_s * 1000
            shortest = block.duration_ms if recorded_at_most_s is not None else 0
            candidates.append((not isolated, shortest, window))
    return min(candidates, key=lambda c: c[:2])[2] if candidates else None


def middle_only_window(
    recordings: Sequence[Span],
    search: Span,
    *,
    length_s: int = EXAMPLE_WINDOW_S,
    lead_s: int = int(FIGURES["example_middle_lead_s"]),
    margin_s: int = MARGIN_S,
    recorded_at_most_s: int | None = None,
) -> Span | None:
    """A window of `length_s` holding one recording strictly inside (at least `margin_s` of nothing before and after
    it) and no other recording within `margin_s`; placed, where room allows, so that the recording starts `lead_s`
    after the window (like 10:10-10:15 in 10:00-10:30). The window closest to that placement wins, the earliest
    on a tie."""
    found = blocks(recordings)
    length, margin = length_s * 1000, margin_s * 1000
    best: tuple[int, Span] | None = None
    for index, block in enumerate(found):
        if recorded_at_most_s is not None and block.duration_s > recorded_at_most_s:
            continue
        before, after = _neighbours(found, index)
        # Range of window starts that keep the recording inside with its margins and the others out.
        lowest = max(search.start_ms, block.end_ms + margin - length)
        highest = min(search.end_ms - length, block.start_ms - margin)
        if before is not None:
            lowest = max(lowest, before + margin)
        if after is not None:
            highest = min(highest, after - margin - length)
        if lowest > highest:
            continue
        preferred = block.start_ms - min(lead_s * 1000, (length - block.duration_ms) // 2)
        start = min(max(preferred, lowest), highest)
        distance = abs(start - preferred)
        if best is None or distance < best[0]:
            best = (distance, Span(start, start + length))
    return best[1] if best else None


def empty_window(
    recordings: Sequence[Span], search: Span, *, length_s: int = EMPTY_WINDOW_S, margin_s: int = MARGIN_S
) -> Span | None:
    """The earliest window of `length_s` with no recording in it nor within `margin_s` of it."""
    length, margin = length_s * 1000, margin_s * 1000
    start = search.start_ms
    for block in blocks(recordings):
        if block.start_ms - margin >= start + length:
            break
        start = max(start, block.end_ms + margin)
    return Span(start, start + length) if start + length <= search.end_ms else None


FINDERS: dict[Shape, Callable[..., Span | None]] = {
    Shape.COVERED: covered_window,
    Shape.HOLE: hole_window,
    Shape.START_ONLY: start_only_window,
    Shape.MIDDLE_ONLY: middle_only_window,
    Shape.EMPTY: empty_window,
}


def fits(shape: Shape, window: Span, recordings: Sequence[Span], hole_over_s: int = 0) -> bool:
    """Whether the catalogue's answer for `window` itself has the shape (the search window's answer said so); a
    hole must also be longer than `hole_over_s`, so that the check of the holes (a Then) always has one to judge."""
    parts = covered_parts(recordings, window)
    if shape is Shape.EMPTY:
        return not recordings
    if shape is Shape.COVERED:
        return parts == [window]
    if shape is Shape.HOLE:
        return len(parts) == 2 and parts[1].start_ms - parts[0].end_ms > hole_over_s * 1000
    if shape is Shape.START_ONLY:
        return len(parts) == 1 and parts[0].start_ms == window.start_ms and parts[0].end_ms < window.end_ms
    if shape is Shape.END_ONLY:
        return len(parts) == 1 and window.start_ms < parts[0].start_ms and parts[0].end_ms == window.end_ms
    return len(parts) == 1 and window.start_ms < parts[0].start_ms and parts[0].end_ms < window.end_ms


# -- the plan: the literal example where the catalogue holds it, else the smallest shape -------------------------


class Choice(StrEnum):
    LITERAL = "the clarification's example shape"
    SMALLEST = "the smallest shape that shows the clause"
    TWO_WINDOWS = "the smallest shape, in two windows"


@dataclass(frozen=True)
class WindowPlan:
    shape: Shape  # the shape asked for (4.5's two windows are an END_ONLY and a START_ONLY one)
    api: str  # task | job (EITHER_API for 4.1's)
    windows: tuple[tuple[Shape, Span], ...]
    choice: Choice
    why: str

    def describe(self) -> str:
        shown = "; ".join(f"{window.label()} {shape.value}" for shape, window in self.windows)
        return f"{self.choice.value} ({self.why}): {shown}"


@dataclass(frozen=True)
class Lack:
    shape: Shape
    api: str
    reason: str  # what the catalogue lacks, in seconds, between the search window's ends

    def describe(self) -> str:
        return f"not verifiable: {self.reason}"


def _between(search: Span, found: Sequence[Span]) -> str:
    return f"between {search.label()} ({len(found)} recording(s) there)"


def _inside(window: Span, search: Span) -> bool:
    return search.start_ms <= window.start_ms and window.end_ms <= search.end_ms


def _room(found: list[Span], search: Span, index: int) -> tuple[int, int]:
    """Uncovered seconds before and after block `index` (to its neighbours, or to the search window's ends)."""
    block = found[index]
    before = found[index - 1].end_ms if index > 0 else search.start_ms
    after = found[index + 1].start_ms if index + 1 < len(found) else search.end_ms
    return (block.start_ms - before) // 1000, (after - block.end_ms) // 1000


def _end_then_nothing(block: Span, sizes: Times) -> Span:
    """A side of a recording up to its end, then a side of nothing."""
    return Span(max(block.start_ms, block.end_ms - sizes.side_s * 1000), block.end_ms + sizes.side_s * 1000)


def _nothing_then_start(block: Span, sizes: Times) -> Span:
    """A side of nothing, then a side of a recording from its start."""
    return Span(block.start_ms - sizes.side_s * 1000, min(block.end_ms, block.start_ms + sizes.side_s * 1000))


def plan_empty(recordings: Sequence[Span], search: Span, sizes: Times, api: str) -> WindowPlan | Lack:
    window = empty_window(recordings, search)
    if window is None:
        return Lack(
            Shape.EMPTY,
            api,
            f"no {EMPTY_WINDOW_S} s without any recording (and {MARGIN_S} s clear of one) "
            f"{_between(search, recordings)}",
        )
    return WindowPlan(Shape.EMPTY, api, ((Shape.EMPTY, window),), Choice.LITERAL, "60 minutes with no recording")


def plan_covered(recordings: Sequence[Span], search: Span, sizes: Times, api: str) -> WindowPlan | Lack:
    if api == "task":
        window = covered_window(recordings, search)
        if window is not None:
            why = "10-15 minutes of one recording"
            return WindowPlan(Shape.COVERED, api, ((Shape.COVERED, window),), Choice.LITERAL, why)
    length = sizes.budget_s if api == "job" else TASK_COVERED_S
    window = covered_window(recordings, search, length_s=length, min_length_s=sizes.side_s)
    if window is None:
        return Lack(
            Shape.COVERED, api, f"no {sizes.side_s} s of uninterrupted recording {_between(search, recordings)}"
        )
    why = f"at most {sizes.budget_s} s of recorded data, two thirds of the stream limit" if api == "job" else ""
    choice = Choice.LITERAL if api == "job" else Choice.SMALLEST
    return WindowPlan(Shape.COVERED, api, ((Shape.COVERED, window),), choice, why or "no 10 minutes of one recording")


def plan_hole(recordings: Sequence[Span], search: Span, sizes: Times, api: str) -> WindowPlan | Lack:
    side = sizes.side_s if api == "job" else EXAMPLE_SIDE_S
    each = f"{side} s of each side" + (", a third of the stream limit" if api == "job" else "")
    window = hole_window(recordings, search, side_s=side, min_side_s=side, hole_of_s=EXAMPLE_HOLE_S)
    if window is not None:
        return WindowPlan(Shape.HOLE, api, ((Shape.HOLE, window),), Choice.LITERAL, f"a 5-minute hole, {each}")
    window = hole_window(recordings, search, side_s=side, min_side_s=sizes.side_s)
    if window is None:
        return Lack(
            Shape.HOLE,
            api,
            f"no hole of more than {HOLE_OVER_S} s (under {HOLE_UNDER_S} s) with {sizes.side_s} s of recording on "
            f"each side {_between(search, recordings)}",
        )
    why = f"no 5-minute hole; a hole over 60 s, {each}"
    return WindowPlan(Shape.HOLE, api, ((Shape.HOLE, window),), Choice.SMALLEST, why)


def plan_start_only(recordings: Sequence[Span], search: Span, sizes: Times, api: str) -> WindowPlan | Lack:
    at_most = sizes.budget_s if api == "job" else None
    window = start_only_window(recordings, search, recorded_at_most_s=at_most)
    if window is not None:
        held = f", holding at most {at_most} s of it (two thirds of the stream limit)" if at_most else ""
        why = f"30 minutes with a recording at the start only{held}"
        return WindowPlan(Shape.START_ONLY, api, ((Shape.START_ONLY, window),), Choice.LITERAL, why)
    found = blocks(recordings)
    ends = (_end_then_nothing(b, sizes) for i, b in enumerate(found) if _room(found, search, i)[1] >= sizes.clear_s)
    window = next((w for w in ends if _inside(w, search)), None)
    if window is None:
        return Lack(
            Shape.START_ONLY,
            api,
            f"no uncovered stretch of >= {sizes.clear_s} s after a recording {_between(search, recordings)}",
        )
    why = (
        f"no recording followed by {EXAMPLE_WINDOW_S // MINUTE_S} minutes of nothing; {sizes.side_s} s of a "
        f"recording to its end, then {sizes.side_s} s of nothing"
    )
    return WindowPlan(Shape.START_ONLY, api, ((Shape.START_ONLY, window),), Choice.SMALLEST, why)


def plan_middle_only(recordings: Sequence[Span], search: Span, sizes: Times, api: str) -> WindowPlan | Lack:
    at_most = sizes.budget_s if api == "job" else None
    window = middle_only_window(recordings, search, recorded_at_most_s=at_most)
    # One window holds a recording of at most this (the task API has no pace, but a window of hours is no test).
    one_window_s = at_most or EXAMPLE_WINDOW_S - 2 * sizes.side_s
    if window is not None:
        held = f" of at most {at_most} s (two thirds of the stream limit)" if at_most else ""
        why = f"30 minutes with a single recording{held} in the middle"
        return WindowPlan(Shape.MIDDLE_ONLY, api, ((Shape.MIDDLE_ONLY, window),), Choice.LITERAL, why)
    found = blocks(recordings)
    clear = [i for i in range(len(found)) if min(_room(found, search, i)) >= sizes.clear_s]
    side = sizes.side_s * 1000
    for index in clear:  # one window around a recording short enough
        block = found[index]
        window = Span(block.start_ms - side, block.end_ms + side)
        if block.duration_s <= one_window_s and _inside(window, search):
            why = f"no 30-minute window of the shape; {sizes.side_s} s of nothing on either side of the recording"
            return WindowPlan(Shape.MIDDLE_ONLY, api, ((Shape.MIDDLE_ONLY, window),), Choice.SMALLEST, why)
    for index in clear:  # its start after nothing, then its end before nothing
        lead, tail = _nothing_then_start(found[index], sizes), _end_then_nothing(found[index], sizes)
        if _inside(lead, search) and _inside(tail, search):
            why = (
                f"no recording of at most {one_window_s} s with nothing around it; one stretch of recording's start "
                f"after {sizes.side_s} s of nothing, then its end before {sizes.side_s} s of nothing"
            )
            windows = ((Shape.END_ONLY, lead), (Shape.START_ONLY, tail))
            return WindowPlan(Shape.MIDDLE_ONLY, api, windows, Choice.TWO_WINDOWS, why)
    return Lack(
        Shape.MIDDLE_ONLY,
        api,
        f"no recording with an uncovered stretch of >= {sizes.clear_s} s both before and after it "
        f"{_between(search, recordings)}",
    )


PLANS: dict[Shape, Callable[[Sequence[Span], Span, Times, str], WindowPlan | Lack]] = {
    Shape.EMPTY: plan_empty,
    Shape.COVERED: plan_covered,
    Shape.HOLE: plan_hole,
    Shape.START_ONLY: plan_start_only,
    Shape.MIDDLE_ONLY: plan_middle_only,
}


def plan_shape(shape: Shape, api: str, recordings: Sequence[Span], search: Span, sizes: Times) -> WindowPlan | Lack:
    """The window(s) of `shape` over `api` in this catalogue, or what the catalogue lacks for it."""
    if shape not in PLANS:
        raise ValueError(f"no window is planned by shape {shape.name} (planned: {', '.join(s.name for s in PLANS)})")
    return PLANS[shape](recordings, search, sizes, api)


def plan(clause: str, api: str, recordings: Sequence[Span], search: Span, sizes: Times) -> WindowPlan | Lack:
    """The window(s) `clause` is judged on over `api` in this catalogue, or what the catalogue lacks for it."""
    if clause not in CLAUSE_SHAPES:
        raise ValueError(f"clause {clause!r} needs no history window (history clauses: {', '.join(CLAUSE_SHAPES)})")
    return plan_shape(CLAUSE_SHAPES[clause], api, recordings, search, sizes)
