"""The recordings catalogue and the history windows the §4 scenarios need, found there and never hard-coded.

`Catalogue` asks `POST /recordings_in_time_range` once over the settings' search window (`history_from` ..
`history_to`), picks a window of the needed shape with the pure finders below, then asks the catalogue again for
exactly that window: that second answer is the one the scenario relies on (and attaches). When the search window
holds no window of the shape, the scenario cannot say anything about the clause: `PreconditionNotMet`, broken.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

import allure

from support.errors import PreconditionNotMet
from support.evidence import attach_json
from support.focus_api import FocusServer
from support.settings import Settings, Timing
from support.timeline import Span, covered_parts, holes_between

MINUTE_S = Timing.minute_s
MARGIN_S = Timing.window_margin_s  # how far a window keeps from recordings it must not hold (Timing)
HOLE_OVER_S = Timing.hole_over_s  # clause 4.3's threshold: a hole is more than a minute


class Shape(StrEnum):
    COVERED = "covered completely by recordings"
    HOLE = "with a hole between two recordings"
    START_ONLY = "with a recording at its start only"
    MIDDLE_ONLY = "with a single recording in its middle"
    END_ONLY = "with a recording from its middle to its end"  # 4.5's start, when no recording fits in one window
    EMPTY = "with no recording at all"


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "shape": self.shape.value,
            "window": self.window.as_dict(),
            "catalogue_answer": [[r.start_ms // 1000, r.end_ms // 1000] for r in self.recordings],
            "recordings": [r.as_dict() for r in self.recordings],
            "recorded_parts": [p.as_dict() for p in self.parts],
            "holes": [h.as_dict() for h in self.holes],
        }


# -- the finders: pure, over the catalogue's recordings inside a search window -----------------------------------


def blocks(recordings: Sequence[Span]) -> list[Span]:
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


def covered_window(
    recordings: Sequence[Span],
    search: Span,
    *,
    length_s: int = Timing.covered_window_s,
    min_length_s: int = Timing.covered_min_s,
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
    hole_over_s: int = MINUTE_S,
    hole_under_s: int = Timing.outage_s,
    side_s: int = Timing.example_side_s,
    min_side_s: int = Timing.min_side_s,
) -> Span | None:
    """From the first recording's start to the second's end around a hole longer than `hole_over_s` (like
    10:00-10:05, gap, 10:10-10:15), each side cut to at most `side_s` so that the window holds that one hole only.
    Holes of `hole_under_s` or more are passed over: a day between two recordings is not a hole in a window."""
    found = blocks(recordings)
    for first, second in pairwise(found):
        if not hole_over_s * 1000 < second.start_ms - first.end_ms < hole_under_s * 1000:
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
    length_s: int = Timing.example_window_s,
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
            search.start_ms <= window.start_ms
            and window.end_ms <= search.end_ms
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
    length_s: int = Timing.example_window_s,
    lead_s: int = Timing.middle_lead_s,
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
    recordings: Sequence[Span], search: Span, *, length_s: int = Timing.empty_window_s, margin_s: int = MARGIN_S
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


# -- the catalogue of a target ------------------------------------------------------------------------------------


@dataclass
class Catalogue:
    focus: FocusServer
    search: Span

    @classmethod
    def of(cls, focus: FocusServer, settings: Settings) -> Catalogue:
        return cls(focus, Span.of(settings.history_from, settings.history_to))

    def recordings(self, window: Span) -> list[Span]:
        """`POST /recordings_in_time_range` for `window`: the whole recordings overlapping it."""
        answer = self.focus.recordings_in_time_range(window.start, window.end)
        if answer.status != 200 or answer.body is None:
            raise PreconditionNotMet(
                f"precondition not met: the recordings catalogue answered {answer.status} for {window.label()}: "
                f"{answer.text[:200]}"
            )
        return sorted(Span.of_seconds(start, end) for start, end in answer.body.root)

    def find(self, shape: Shape, **params: Any) -> HistoryWindow:
        """A window of `shape` inside the search window, confirmed by the catalogue's answer for that window.

        Only the past counts: a target records continuously, so its latest recording ends now and grows; a window
        must end at least `MARGIN_S` before now, or "nothing after the recording" would not hold for long."""
        known = self.recordings(self.search)
        past = searchable_past(self.search)
        window = FINDERS[shape](known, past, **params)
        wanted = f"a history window {shape.value}" + (f" ({_words(params)})" if params else "")
        if window is None:
            raise PreconditionNotMet(
                f"precondition not met: no {wanted[2:]} in the search window {self.search.label()} "
                f"({len(known)} recording(s) there; widen FOCUS_HISTORY_FROM/FOCUS_HISTORY_TO or add recordings)"
            )
        found = HistoryWindow(shape, window, tuple(self.recordings(window)))
        if not fits(shape, window, found.recordings, params.get("hole_over_s", 0)):
            raise PreconditionNotMet(
                f"precondition not met: {wanted} was expected at {window.label()} from the catalogue's answer for "
                f"the search window, but its answer for that window says otherwise: {found.describe()}"
            )
        return found


def _now_ms() -> int:
    return int(time.time() * 1000)


def _words(params: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in params.items())


def find_clause_windows(focus: FocusServer, settings: Settings, clause: str, api: str) -> list[HistoryWindow]:
    """The window(s) `clause` is judged on over `api` (support/windows.py: the literal example shape where the
    catalogue holds it, else the smallest one), each confirmed by the catalogue's answer for it and attached, with
    which shape was used and why. A catalogue lacking the shape: `PreconditionNotMet` saying what it lacks."""
    from support.windows import Lack, Sizes, plan  # here: windows.py builds on this module's finders

    catalogue = Catalogue.of(focus, settings)
    known = catalogue.recordings(catalogue.search)
    found = plan(clause, api, known, searchable_past(catalogue.search), Sizes(settings.stream_limit_s))
    if isinstance(found, Lack):
        raise PreconditionNotMet(
            f"precondition not met: clause {clause} over the {api} API cannot be judged on this catalogue: "
            f"{found.reason}; widen FOCUS_HISTORY_FROM/FOCUS_HISTORY_TO or add recordings (make windows shows it)"
        )
    windows = []
    for index, (shape, window) in enumerate(found.windows, start=1):
        edge = {Shape.END_ONLY: "its start", Shape.START_ONLY: "its end"}.get(shape, shape.value)  # the recording's
        part = f"window {index} of {len(found.windows)}: {edge}" if len(found.windows) > 1 else ""
        history = HistoryWindow(shape, window, tuple(catalogue.recordings(window)), part)
        if not fits(shape, window, history.recordings, HOLE_OVER_S if shape is Shape.HOLE else 0):
            raise PreconditionNotMet(
                f"precondition not met: a history window {shape.value} was expected at {window.label()} from the "
                f"catalogue's answer for the search window, but its answer for that window says otherwise: "
                f"{history.describe()}"
            )
        windows.append(history)
    with allure.step(f"window(s) of clause {clause}: {found.describe()}"):
        pass
    attach_json(
        "catalogue: the window(s) used and why",
        {"clause": clause, "api": api, "choice": found.choice.value, "why": found.why}
        | {"windows": [history.as_dict() for history in windows]},
    )
    return windows


def searchable_past(search: Span) -> Span:
    """The search window up to `MARGIN_S` before now: a target's latest recording grows while we look."""
    return Span(search.start_ms, max(search.start_ms, min(search.end_ms, _now_ms() - MARGIN_S * 1000)))


def find_history_window(focus: FocusServer, settings: Settings, shape: Shape, **params: Any) -> HistoryWindow:
    """Find a window of `shape` in the target's catalogue and attach what the catalogue answered for it."""
    found = Catalogue.of(focus, settings).find(shape, **params)
    attach_json("catalogue: recordings in the window", found.as_dict())
    return found
