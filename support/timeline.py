"""Gaps and coverage: what the rows of a history read say about time, compared with the catalogue.

Pure and in epoch milliseconds (the rows' unit), tested without a target. A gap is what the clarifications'
`find_temporal_gaps` calls one: two consecutive (sorted) row timestamps further apart than a threshold. The contract
promises at least one row per second of covered recording time and nothing more about spacing, so every comparison
takes a threshold and a tolerance rather than a row period. The spans themselves are support/windows.py's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from support.clauses import FIGURES
from support.times import CONTINUITY_MS
from support.windows import Span, fmt, fmt_span

SAMPLE_GAP_MS = int(FIGURES["sample_gap_ms"])  # find_temporal_gaps' own default


@dataclass(frozen=True)
class Gap:
    """Two consecutive row timestamps further apart than a threshold: the row before and the row after."""

    start_ms: int
    end_ms: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def label(self) -> str:
        return f"{fmt_span(self.start_ms, self.end_ms)} ({self.duration_ms / 1000:.1f} s)"

    def as_dict(self) -> dict[str, Any]:
        # The clarifications' helper returns start, end, duration_ms and duration_readable; the same here, plus
        # the instants in words for the report.
        return {
            "start": self.start_ms,
            "end": self.end_ms,
            "duration_ms": self.duration_ms,
            "duration_readable": f"{self.duration_ms / 1000:.1f}s",
            "from": fmt(self.start_ms),
            "to": fmt(self.end_ms),
        }


def find_temporal_gaps(timestamps: Iterable[int], threshold_ms: int = SAMPLE_GAP_MS) -> list[Gap]:
    """Gaps in a timestamp sequence: consecutive sorted timestamps more than `threshold_ms` apart (§4's helper)."""
    ordered = sorted(timestamps)
    return [Gap(a, b) for a, b in pairwise(ordered) if b - a > threshold_ms]


def runs(timestamps: Iterable[int], threshold_ms: int) -> list[Span]:
    """The stretches of rows between gaps: from each run's first timestamp to its last."""
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
    """The recorded parts as far as `until_ms` (a stream's last row): each before it whole, the one it falls in up
    to it; none when nothing came (`None`)."""
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
    """Match gaps over `threshold_ms` to the catalogue's holes longer than it; a gap matches a hole when both its
    edges lie within `tolerance_ms` of the hole's (the last row before it and the first row after it)."""
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "recorded_parts": [part.as_dict() for part in self.parts],
            "gap_threshold_ms": self.threshold_ms,
            "edge_tolerance_ms": self.tolerance_ms,
            "problems_inside_recordings": self.inside,
            "rows_outside_recordings": self.outside,
        }


def coverage(
    timestamps: Iterable[int], parts: Sequence[Span], threshold_ms: int, tolerance_ms: int = CONTINUITY_MS
) -> Coverage:
    """Check that rows cover each recorded part from its start to its end (first and last row within
    `tolerance_ms` of its edges) with no gap over `threshold_ms` inside it, and that no row lies outside every part
    (by more than `tolerance_ms`)."""
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
