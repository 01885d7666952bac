"""The recordings catalogue (a JSON file) and the timelines of history rows it yields."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stand.faults import ActiveFault
from stand.timing import StandTiming

# The catalogues the stand can play, by name (`--catalogue NAME`; any other value is a file path): the default one
# (every shape of the contract, a short recording included), the contract's own table, a continuously recording one.
CATALOGUES = {
    "default": Path(__file__).with_name("recordings.json"),
    "contract": Path(__file__).with_name("recordings-contract.json"),
    "continuous": Path(__file__).with_name("recordings-continuous.json"),
    "gapless": Path(__file__).with_name("recordings-gapless.json"),  # lacks every shape with uncovered time
}


def catalogue_path(value: str | Path) -> Path:
    """The file of a named catalogue, or `value` itself as a path (it must exist)."""
    path = CATALOGUES.get(str(value), Path(value))
    if not path.is_file():
        raise ValueError(f"no catalogue {str(value)!r}: neither one of {', '.join(CATALOGUES)} nor a file")
    return path


@dataclass(frozen=True, order=True)
class Recording:
    start: float  # epoch seconds UTC
    end: float


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


@dataclass(frozen=True)
class Catalogue:
    """The file's recordings, and the one the stand is recording now: from `live_since` until now."""

    recordings: list[Recording]
    live_since: float
    search: tuple[float, float] | None  # where the stand tells the suite to search (the file's "search"), else `bounds`

    @classmethod
    def load(cls, path: Path, live_since: float) -> Catalogue:
        data = json.loads(path.read_text(encoding="utf-8"))
        recordings = sorted(Recording(_epoch(r["start"]), _epoch(r["end"])) for r in data["recordings"])
        search = data.get("search")
        return cls(recordings, live_since, (_epoch(search["from"]), _epoch(search["to"])) if search else None)

    def all(self) -> list[Recording]:
        """Every recording as of now: the live one ends at this instant."""
        # Whole seconds, as the catalogue answers them (epoch s): what it says is exactly what a history job plays.
        return sorted([*self.recordings, Recording(self.live_since, max(self.live_since, math.floor(time.time())))])

    def overlapping(self, start: float, end: float) -> list[Recording]:
        """Whole (unclipped) recordings that overlap [start, end), sorted."""
        return [r for r in self.all() if r.start < end and r.end > start]

    def bounds(self) -> tuple[datetime, datetime]:
        """A span holding the whole catalogue: from the first recording's midnight to the day after the last; or the
        file's own "search" span (a deployment that records continuously: its recent past, as a real one's)."""
        if self.search is not None:
            return tuple(datetime.fromtimestamp(instant, UTC) for instant in self.search)  # type: ignore[return-value]
        recordings = self.all()
        first = datetime.fromtimestamp(min(r.start for r in recordings), UTC)
        last = datetime.fromtimestamp(max(r.end for r in recordings), UTC)
        midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
        after = last.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return midnight, after

    def segments(self, start: float, end: float, fault: ActiveFault) -> list[tuple[int, int]]:
        """The covered whole seconds of [start, end) as sorted, disjoint [a, b) segments (a fault may alter them)."""
        lo, hi = math.ceil(start), math.ceil(end)
        found: list[tuple[int, int]] = []
        for rec in self.overlapping(start, end):
            a, b = max(lo, math.ceil(rec.start)), min(hi, math.ceil(rec.end))
            if a >= b:
                continue
            if fault.on("recordings-lose-10s"):  # from a moment after its start: inside even a short window's data
                found.extend(
                    _without_gaps(a, b, math.ceil(rec.start), fault.timing.lose_10s_first_after_s, fault.timing)
                )
            elif fault.on("spurious-gap") and rec.end - rec.start > fault.timing.spurious_gap_min_recording_s:
                # Gaps in a long recording's middle only, clear of both its ends: what 4.2 reads (a window from a
                # recording's start, longer than the clearance) loses rows; 4.3-4.6's windows beside an edge do not.
                clear = round(fault.timing.spurious_gap_clear_s)
                inner_lo, inner_hi = math.ceil(rec.start) + clear, math.floor(rec.end) - clear
                found.append((a, min(b, inner_lo)))
                found.extend(_without_gaps(max(a, inner_lo), min(b, inner_hi), inner_lo, 0, fault.timing))
                found.append((max(a, inner_hi), b))
            else:
                found.append((a, b))
        merged = _merge([(a, b) for a, b in found if a < b])
        if fault.on("gap-filled") and merged:
            return [(merged[0][0], merged[-1][1])]  # the holes between recordings played as if recorded
        if fault.on("history-ends-at-hole"):
            return merged[:1]  # the recording before the first hole, and nothing after it
        return merged


def _merge(segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(segments):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _without_gaps(a: int, b: int, origin: int, first_after_s: float, timing: StandTiming) -> Iterator[tuple[int, int]]:
    """[a, b) minus a gap (StandTiming.gap_length_s) every StandTiming.spurious_gap_every_s, the first `first_after_s`
    after the recording's start (`origin`)."""
    every, length = round(timing.spurious_gap_every_s), round(timing.gap_length_s)
    cursor = a
    gap = origin + round(first_after_s)
    while gap < b:
        gap_end = gap + length
        if gap_end > cursor:
            if gap > cursor:
                yield cursor, gap
            cursor = max(cursor, gap_end)
        gap += every
    if cursor < b:
        yield cursor, b
