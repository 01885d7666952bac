"""The history window's types (`Span`, `Shape`, `HistoryWindow`, `Gap`), its finders and what rows say of it: pure,
in epoch milliseconds; support/recordings.py asks the catalogue, plans each clause's window(s) and confirms them.

A finder gives one window of a shape, or None: EMPTY (4.1) 60 minutes of nothing; COVERED (4.2) uninterrupted
recorded time; HOLE (4.3, 4.6) a hole over 60 s between two recordings; START_ONLY (4.4) a recording's end, then
nothing; MIDDLE_ONLY (4.5) a recording with nothing around it (or, as two windows, its start after nothing,
END_ONLY, then its end before nothing). A gap is what the clarifications' `find_temporal_gaps` calls one: sorted row
timestamps further apart than a threshold; the contract promises a row per second of recording and nothing about
spacing, so every comparison takes a threshold and a tolerance."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from support.clauses import FIGURES
from support.errors import PreconditionNotMet, SuiteDefect
from support.times import CONTINUITY_MS, HOLE_OVER_S, MIN_SIDE_S, OUTAGE_S, WINDOW_MARGIN_S

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
    """A stretch of time [start_ms, end_ms] in epoch milliseconds."""

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
        return self.start_ms < other.end_ms and other.start_ms < self.end_ms

    def contains(self, ms: int, tolerance_ms: int = 0) -> bool:
        return self.start_ms - tolerance_ms <= ms <= self.end_ms + tolerance_ms

    def clip(self, other: Span) -> Span | None:
        """The part of this span inside `other`, or None."""
        if not self.overlaps(other):
            return None
        return Span(max(self.start_ms, other.start_ms), min(self.end_ms, other.end_ms))

    def label(self) -> str:
        return fmt_span(self.start_ms, self.end_ms)

    def as_dict(self) -> dict[str, Any]:
        return {"from": fmt(self.start_ms), "to": fmt(self.end_ms), "duration_s": self.duration_s}


def covered_parts(recordings: Iterable[Span], window: Span) -> list[Span]:
    """The recorded time inside `window`: recordings clipped to it, merged where they touch."""
    return blocks(part for part in (r.clip(window) for r in recordings) if part is not None)


def holes_between(parts: Sequence[Span]) -> list[Span]:
    """The unrecorded time between consecutive recorded parts."""
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
        return covered_parts(self.recordings, self.window)

    @property
    def holes(self) -> list[Span]:
        return holes_between(self.parts)

    @property
    def last_covered_ms(self) -> int | None:
        parts = self.parts
        return parts[-1].end_ms if parts else None

    def reached_last(self, timestamps: Iterable[int]) -> bool:
        """Whether the rows reached the last recorded instant (give or take the row spacing the contract allows)."""
        last, reached = self.last_covered_ms, max(timestamps, default=None)
        return last is not None and reached is not None and reached >= last - CONTINUITY_MS

    def after_last(self, timestamps: Iterable[int]) -> list[int]:
        """The rows after the last recorded instant (give or take the row spacing); every row if nothing recorded."""
        last = self.last_covered_ms
        return [stamp for stamp in timestamps if last is None or stamp > last + CONTINUITY_MS]

    def seconds_without_a_row(self, timestamps: Iterable[int]) -> tuple[list[int], list[int]]:
        """The whole recorded seconds of the window (epoch s), and those without a row."""
        seconds = {stamp // 1000 for stamp in timestamps}
        recorded = [s for part in self.parts for s in range(-(-part.start_ms // 1000), part.end_ms // 1000)]
        return recorded, [s for s in recorded if s not in seconds]

    def holes_seen(self, timestamps: Iterable[int], threshold_s: int) -> HoleComparison:
        """The rows' gaps over `threshold_s` against the window's holes, which the finder chose it to have."""
        comparison = compare_holes(timestamps, self.holes, threshold_s * 1000)
        if not (comparison.matched or comparison.missing):  # a check never judges set-up: the finder's promise
            raise SuiteDefect(f"the window chosen has no catalogue hole over {threshold_s} s: {self.describe()}")
        return comparison

    def seen_in(self, timestamps: list[int]) -> tuple[list[Gap], dict[str, Any]]:
        """What rows say of the window: their gaps, and by name the coverage, the seconds without a row, the holes."""
        gaps = find_temporal_gaps(timestamps, CONTINUITY_MS)
        recorded, missing = self.seconds_without_a_row(timestamps)
        gaps_seen = {"threshold_ms": CONTINUITY_MS, "gaps": [g.as_dict() for g in gaps]}
        said = {
            "gaps found in the rows": gaps_seen | {"catalogue_holes": [h.as_dict() for h in self.holes]},
            "coverage of the recorded time": coverage(timestamps, self.parts).as_dict(),
            "recorded seconds without a row": {"recorded_seconds": len(recorded), "missing": missing[:200]},
        }
        if self.holes:
            holes = compare_holes(timestamps, self.holes, HOLE_OVER_S * 1000)
            said["holes: rows against the catalogue"] = holes.as_dict()
        return gaps, said

    def before_a_cut(self, timestamps: list[int]) -> Coverage:
        """How the rows of a stream cut early cover what was recorded up to its last row."""
        return coverage(timestamps, parts_until(self.parts, max(timestamps, default=None)))

    def describe(self) -> str:
        recorded = ", ".join(part.label() for part in self.parts) or "nothing"
        return f"window {self.window.label()} {self.shape.value}; recorded: {recorded}"

    def named(self, name: str) -> str:
        """`name`, and which window it is of when its clause is judged on several (no two attachments share a name)."""
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
    """End of the block before `index` and start of the one after it, in ms (None at either end)."""
    before = found[index - 1].end_ms if index > 0 else None
    after = found[index + 1].start_ms if index + 1 < len(found) else None
    return before, after


def uninterrupted_window(recordings: Sequence[Span], search: Span, seconds: int) -> Span | None:
    """`seconds` of uninterrupted recording at the start of the shortest stretch that holds them (2.1's)."""
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
    """A window of `min_length_s`..`length_s` inside uninterrupted recorded time, from where that time starts."""
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
    """Around one hole over `hole_over_s` (exactly `hole_of_s`), each side at most `side_s`, at least `min_side_s`."""
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
    """`length_s` from a recording's start, the recording ending `margin_s` before the window does and no other within
    `margin_s` (10:00-10:05 in 10:00-10:30); with `recorded_at_most_s` it holds at most that much of it, shortest
    recordings first. Recordings with nothing in the `length_s` before them come first."""
    found = blocks(recordings)
    candidates: list[tuple[bool, int, Span]] = []
    for index, block in enumerate(found):
        start = block.start_ms
        if recorded_at_most_s is not None:
            start = max(start, block.end_ms - recorded_at_most_s * 1000)
        window = Span(start, start + length_s * 1000)
        before, after = _neighbours(found, index)
        if (
            inside(window, search)
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
    """`length_s` with one recording strictly inside, `margin_s` clear, starting `lead_s` in where room allows."""
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


def inside(window: Span, search: Span) -> bool:
    return search.start_ms <= window.start_ms and window.end_ms <= search.end_ms


FINDERS: dict[Shape, Callable[..., Span | None]] = {
    Shape.COVERED: covered_window,
    Shape.HOLE: hole_window,
    Shape.START_ONLY: start_only_window,
    Shape.MIDDLE_ONLY: middle_only_window,
    Shape.EMPTY: empty_window,
}


def fits(shape: Shape, window: Span, recordings: Sequence[Span], hole_over_s: int = 0) -> bool:
    """Whether the catalogue's answer for `window` itself has the shape; a hole must be longer than `hole_over_s`."""
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


# -- gaps and coverage: what the rows of a history read say about time, against the catalogue -----------------

SAMPLE_GAP_MS = int(FIGURES["sample_gap_ms"])  # find_temporal_gaps' own default


@dataclass(frozen=True)
class Gap(Span):
    """Two consecutive row timestamps further apart than a threshold: the row before and the row after."""

    def label(self) -> str:
        return f"{fmt_span(self.start_ms, self.end_ms)} ({self.duration_ms / 1000:.1f} s)"

    def as_dict(self) -> dict[str, Any]:
        # The clarifications' helper's keys (start, end, duration_ms, duration_readable), and the instants in words.
        readable = f"{self.duration_ms / 1000:.1f}s"
        said = {"start": self.start_ms, "end": self.end_ms, "duration_ms": self.duration_ms}
        return said | {"duration_readable": readable, "from": fmt(self.start_ms), "to": fmt(self.end_ms)}


def find_temporal_gaps(timestamps: Iterable[int], threshold_ms: int = SAMPLE_GAP_MS) -> list[Gap]:
    """§4's helper: consecutive sorted timestamps more than `threshold_ms` apart."""
    ordered = sorted(timestamps)
    return [Gap(a, b) for a, b in pairwise(ordered) if b - a > threshold_ms]


def runs(timestamps: Iterable[int], threshold_ms: int) -> list[Span]:
    """The stretches of rows between gaps."""
    ordered = sorted(timestamps)
    if not ordered:
        return []
    found: list[Span] = []
    start = previous = ordered[0]
    for ms in ordered[1:]:
        if ms - previous > threshold_ms:
            found.append(Span(start, previous))
            start = ms
        previous = ms
    found.append(Span(start, previous))
    return found


def parts_until(parts: Sequence[Span], until_ms: int | None) -> list[Span]:
    """The recorded parts as far as `until_ms` (a stream's last row; None: nothing came)."""
    if until_ms is None:
        return []
    return [Span(part.start_ms, min(part.end_ms, until_ms)) for part in parts if part.start_ms <= until_ms]


@dataclass
class HoleComparison:
    """Observed gaps against the catalogue's holes: each hole should show as one gap, and no gap elsewhere."""

    threshold_ms: int
    matched: list[tuple[Span, Gap]] = field(default_factory=list)
    missing: list[Span] = field(default_factory=list)  # catalogue holes the rows do not show
    unexpected: list[Gap] = field(default_factory=list)  # gaps where the catalogue has recordings

    @property
    def problems(self) -> list[str]:
        return [f"the catalogue has a hole {hole.label()} but the rows show none there" for hole in self.missing] + [
            f"the rows have a gap {gap.label()} where the catalogue has no hole" for gap in self.unexpected
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold_ms": self.threshold_ms,
            "matched": [{"catalogue_hole": hole.as_dict(), "gap": gap.as_dict()} for hole, gap in self.matched],
            "missing": [hole.as_dict() for hole in self.missing],
            "unexpected": [gap.as_dict() for gap in self.unexpected],
        }


def compare_holes(
    timestamps: Iterable[int], holes: Iterable[Span], threshold_ms: int, tolerance_ms: int = CONTINUITY_MS
) -> HoleComparison:
    """Match gaps over `threshold_ms` to the holes longer than it: both edges within `tolerance_ms` of the hole's."""
    comparison = HoleComparison(threshold_ms)
    gaps = find_temporal_gaps(timestamps, threshold_ms)
    for hole in (hole for hole in holes if hole.duration_ms > threshold_ms):
        gap = next(
            (
                gap
                for gap in gaps
                if abs(gap.start_ms - hole.start_ms) <= tolerance_ms and abs(gap.end_ms - hole.end_ms) <= tolerance_ms
            ),
            None,
        )
        if gap is None:
            comparison.missing.append(hole)
        else:
            comparison.matched.append((hole, gap))
            gaps.remove(gap)
    comparison.unexpected = gaps
    return comparison


@dataclass
class Coverage:
    """How the rows cover the recorded parts of a window, in words: no problems means covered as promised."""

    parts: list[Span]
    threshold_ms: int
    tolerance_ms: int
    inside: list[str] = field(default_factory=list)  # a recorded part missing rows: late, early, gaps, none
    outside: list[str] = field(default_factory=list)  # rows where the catalogue has no recording

    @property
    def problems(self) -> list[str]:
        return self.inside + self.outside

    def broken_before(self, cut: str) -> str:
        """A stream cut early (`cut` says how) judged by what came: what its rows already show broken, or, when they
        agree with the clause, the clause not judged (the window holds less than the limit: the limit is wrong)."""
        shown = self.inside + [f"rows where the catalogue records nothing: {run}" for run in self.outside]
        if not shown:
            raise PreconditionNotMet(
                f"precondition not met: {cut}; the rows that came before the cut agree with this clause, and the "
                "window holds less recorded data than the stream limit, so the limit itself is wrong: see clause 2.1;"
                " this clause could not be judged"
            )
        return f"{cut}; but before the cut its rows already showed this clause broken: {'; '.join(shown)}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "recorded_parts": [part.as_dict() for part in self.parts],
            "gap_threshold_ms": self.threshold_ms,
            "edge_tolerance_ms": self.tolerance_ms,
            "problems_inside_recordings": self.inside,
            "rows_outside_recordings": self.outside,
        }


def coverage(
    timestamps: Iterable[int],
    parts: Sequence[Span],
    threshold_ms: int = CONTINUITY_MS,
    tolerance_ms: int = CONTINUITY_MS,
) -> Coverage:
    """Rows cover each recorded part edge to edge with no gap over `threshold_ms`, and none lies outside."""
    ordered = sorted(timestamps)
    report = Coverage(list(parts), threshold_ms, tolerance_ms)
    for part in parts:
        inside = [ms for ms in ordered if part.contains(ms, tolerance_ms)]
        if not inside:
            report.inside.append(f"no rows at all for the recorded part {part.label()}")
            continue
        if inside[0] > part.start_ms + tolerance_ms:
            late = (inside[0] - part.start_ms) / 1000
            report.inside.append(f"rows of {part.label()} begin only at {fmt(inside[0])}, {late:.1f} s late")
        if inside[-1] < part.end_ms - tolerance_ms:
            early = (part.end_ms - inside[-1]) / 1000
            report.inside.append(f"rows of {part.label()} stop at {fmt(inside[-1])}, {early:.1f} s early")
        report.inside.extend(
            f"gap {gap.label()} inside the recorded part {part.label()}"
            for gap in find_temporal_gaps(inside, threshold_ms)
        )
    outside = [ms for ms in ordered if not any(part.contains(ms, tolerance_ms) for part in parts)]
    report.outside.extend(
        f"{sum(run.start_ms <= ms <= run.end_ms for ms in outside)} row(s) at {run.label()}"
        for run in runs(outside, threshold_ms)
    )
    return report
