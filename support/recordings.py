"""The target's recordings catalogue (`POST /recordings_in_time_range`) and the history windows confirmed by it.

`Catalogue` asks the catalogue once over the settings' search window (`history_from` .. `history_to`), lets the one
window finder (support/windows.py, pure) pick the window(s) of the needed shape, then asks the catalogue again for
exactly each window: that second answer is the one the scenario relies on (and attaches). When the search window
holds no window of the shape, the scenario cannot say anything about its clause: `PreconditionNotMet`, broken.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import allure

from support.errors import PreconditionNotMet
from support.evidence import attach_json
from support.focus_api import FocusServer
from support.settings import Settings, Timing
from support.timeline import Span, covered_parts, holes_between
from support.windows import (
    EITHER_API,
    HOLE_OVER_S,
    Lack,
    Shape,
    Sizes,
    WindowPlan,
    fits,
    plan_shape,
    uninterrupted_window,
)

MARGIN_S = Timing.window_margin_s  # how far before now a window ends: the latest recording grows while we look


@dataclass(frozen=True)
class HistoryWindow:
    """A window of a known shape and what the catalogue answered for exactly that window."""

    shape: Shape
    window: Span
    recordings: tuple[Span, ...]  # whole recordings overlapping the window, as the catalogue gives them
    part: str = ""  # which of its clause's windows, when there are several: "window 1 of 2: its start"
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

    def windows(self, shape: Shape, api: str, sizes: Sizes) -> tuple[WindowPlan, list[HistoryWindow]]:
        """The plan for `shape` over `api` in this catalogue (support/windows.py), and each of its windows confirmed
        by the catalogue's own answer for it. A catalogue lacking the shape: `PreconditionNotMet` saying what."""
        known = self.recordings(self.search)
        found = plan_shape(shape, api, known, searchable_past(self.search), sizes)
        if isinstance(found, Lack):
            raise PreconditionNotMet(
                f"precondition not met: no history window {shape.value} over the {api} API in this catalogue: "
                f"{found.reason}; widen FOCUS_HISTORY_FROM/FOCUS_HISTORY_TO or add recordings (make windows shows it)"
            )
        count = len(found.windows)
        return found, [
            self.confirmed(each, window, _part(number, count, each))
            for number, (each, window) in enumerate(found.windows, start=1)
        ]

    def confirmed(self, shape: Shape, window: Span, part: str = "") -> HistoryWindow:
        """The window with the catalogue's own answer for it, which must have the shape the search window's did."""
        found = HistoryWindow(shape, window, tuple(self.recordings(window)), part)
        if not fits(shape, window, found.recordings, HOLE_OVER_S if shape is Shape.HOLE else 0):
            raise PreconditionNotMet(
                f"precondition not met: a history window {shape.value} was expected at {window.label()} from the "
                f"catalogue's answer for the search window, but its answer for that window says otherwise: "
                f"{found.describe()}"
            )
        return found

    def uninterrupted(self, seconds: int) -> Span:
        """`seconds` of uninterrupted recorded time in the search window (clause 2.1's history streams)."""
        window = uninterrupted_window(self.recordings(self.search), self.search, seconds)
        if window is None:
            raise PreconditionNotMet(
                f"precondition not met: no {seconds} s of uninterrupted recorded time between "
                f"{self.search.start.isoformat()} and {self.search.end.isoformat()}"
            )
        return window


def _part(number: int, count: int, shape: Shape) -> str:
    """Which of a clause's windows this is, and which edge of the recording it shows: "window 1 of 2: its start"."""
    if count < 2:
        return ""
    edge = {Shape.END_ONLY: "its start", Shape.START_ONLY: "its end"}.get(shape, shape.value)
    return f"window {number} of {count}: {edge}"


def searchable_past(search: Span) -> Span:
    """The search window up to `MARGIN_S` before now: a target's latest recording grows while we look."""
    now_ms = int(time.time() * 1000)
    return Span(search.start_ms, max(search.start_ms, min(search.end_ms, now_ms - MARGIN_S * 1000)))


def find_windows(focus: FocusServer, settings: Settings, shape: Shape, api: str | None) -> list[HistoryWindow]:
    """The window(s) of `shape` over `api` in the target's catalogue (the literal example shape where it holds it,
    else the smallest one), each confirmed by the catalogue's answer for it, attached with which shape was used and
    why. `api` None: a window the same over either API (60 minutes of nothing, 4.1).

    Only the past counts: a target records continuously, so its latest recording ends now and grows; a window must
    end at least `MARGIN_S` before now, or "nothing after the recording" would not hold for long."""
    if api is None and shape is not Shape.EMPTY:
        raise ValueError(f"a history window {shape.value} differs by API: say which")
    api = api or EITHER_API
    found, windows = Catalogue.of(focus, settings).windows(shape, api, Sizes(settings.stream_limit_s))
    with allure.step(f"history window(s) {shape.value}: {found.describe()}"):
        pass
    attach_json(
        "catalogue: the window(s) used and why",
        {"shape": shape.value, "api": api, "choice": found.choice.value, "why": found.why}
        | {"windows": [history.as_dict() for history in windows]},
    )
    return windows


def find_uninterrupted(focus: FocusServer, settings: Settings, seconds: int) -> Span:
    """`seconds` of uninterrupted recorded time in the target's catalogue (clause 2.1's history streams)."""
    return Catalogue.of(focus, settings).uninterrupted(seconds)


# -- `python -m support.recordings`: the window(s) each history clause would use, before any run -----------------

NO_RECORDING = "needs no recording"


def _history_21(recordings: list[Span], search: Span, sizes: Sizes) -> list[str]:
    """Clause 2.1's history windows: uninterrupted recorded time of a share of the limit, in the shortest stretch."""
    lines = []
    for label, seconds in (
        ("ends OK long before the limit", sizes.short_history_s),
        ("ends OK a little before the limit", sizes.near_limit_history_s),
        ("outlasts the limit", sizes.outlasting_history_s),
    ):
        found = uninterrupted_window(recordings, search, seconds)
        if found is None:
            lines.append(
                f"  2.1  job   {label}: not verifiable: no {seconds} s of uninterrupted recording {search.label()}"
            )
        else:
            lines.append(f"  2.1  job   {label}: {found.label()} ({seconds} s of uninterrupted recording)")
    return lines


def window_report(focus: FocusServer, settings: Settings, apis: list[str]) -> tuple[list[str], int]:
    """The lines to print and how many clause/API pairs cannot be judged on the target's catalogue."""
    from support.clauses import CLAUSES
    from support.windows import CLAUSE_SHAPES, plan

    catalogue = Catalogue.of(focus, settings)
    recordings = catalogue.recordings(catalogue.search)
    search, sizes = searchable_past(catalogue.search), Sizes(settings.stream_limit_s)
    lines = [
        f"catalogue: {len(recordings)} recording(s) between {catalogue.search.label()}; stream limit "
        f"{settings.stream_limit_s:g} s: a job window holds at most {sizes.budget_s} s of recorded data, a side is "
        f"{sizes.side_s} s"
    ]
    lacking = 0
    for clause in CLAUSES:
        if clause.id == "2.1":
            said = _history_21(recordings, search, sizes) if "job" in apis else [f"  2.1  (no job API) {NO_RECORDING}"]
            lacking += sum("not verifiable" in line for line in said)
            lines += said
            continue
        if clause.id not in CLAUSE_SHAPES:
            lines.append(f"  {clause.id:<4} {NO_RECORDING}")
            continue
        for api in apis:
            found = plan(clause.id, api, recordings, search, sizes)
            lacking += isinstance(found, Lack)
            lines.append(f"  {clause.id:<4} {api:<5} {found.describe()}")
    return lines, lacking


def main() -> int:
    """Print the plan for the target the FOCUS_* settings name; exit 2 when it cannot be read, 4 when a clause lacks
    its shape (a run would say "not verified" there), else 0."""
    from support.settings import SettingsError, load_settings
    from support.shape import resolve

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"bad setting: {error}")
        return 2
    if not settings.base_url:
        print("TARGET=external needs FOCUS_BASE_URL and the other FOCUS_* variables (see README.md)")
        return 2
    focus = FocusServer(settings)
    try:
        shape, _ = resolve(settings.api, focus)
        apis = ["task", "job"] if shape.value == "both" else [shape.value]
        lines, lacking = window_report(focus, settings, apis)
    except Exception as error:  # a down target is one clear line
        print(f"the target's catalogue could not be read: {type(error).__name__}: {str(error)[:300]}")
        return 2
    print(f"target API: {', '.join(apis)}")
    print("\n".join(lines))
    if lacking:
        print(f"{lacking} clause window(s) not verifiable on this catalogue: those clauses would be 'not verified'")
        return 4
    print("every clause has its window(s) in this catalogue")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
