"""The target's recordings catalogue (`POST /recordings_in_time_range`) and the history windows confirmed by it.

`Catalogue` asks the catalogue once over the settings' search window (`history_from` .. `history_to`), lets the one
window finder (support/windows.py, pure) pick the window(s) of the needed shape, then asks the catalogue again for
exactly each window: that second answer is the one the scenario relies on (and attaches). When the search window
holds no window of the shape, the scenario cannot say anything about its clause: `PreconditionNotMet`, broken.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from support.errors import PreconditionNotMet
from support.evidence import Shown
from support.focus_api import FocusServer
from support.settings import Settings
from support.times import WINDOW_MARGIN_S, Times
from support.windows import (
    CLAUSE_SHAPES,
    EITHER_API,
    HOLE_OVER_S,
    HistoryWindow,
    Lack,
    Shape,
    Span,
    WindowPlan,
    fits,
    plan,
    plan_shape,
    uninterrupted_window,
)

if TYPE_CHECKING:
    from support.world import World

MARGIN_S = WINDOW_MARGIN_S  # how far before now a window ends: the latest recording grows while we look


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

    def windows(self, shape: Shape, api: str, sizes: Times) -> tuple[WindowPlan, list[HistoryWindow]]:
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


def find_windows(world: World, shape: Shape, api: str | None) -> list[HistoryWindow]:
    """The window(s) of `shape` over `api` in the target's catalogue (the literal example shape where it holds it,
    else the smallest one), each confirmed by the catalogue's answer for it, shown with which shape was used and why.
    `api` None: a window the same over either API (60 minutes of nothing, 4.1).

    Only the past counts: a target records continuously, so its latest recording ends now and grows; a window must
    end at least `MARGIN_S` before now, or "nothing after the recording" would not hold for long."""
    if api is None and shape is not Shape.EMPTY:
        raise ValueError(f"a history window {shape.value} differs by API: say which")
    api = api or EITHER_API
    found, windows = Catalogue.of(world.focus, world.settings).windows(shape, api, world.times)
    world.evidence.keep(Shown(f"history window(s) {shape.value}: {found.describe()}", "figure"))
    chosen = {"shape": shape.value, "api": api, "choice": found.choice.value, "why": found.why}
    world.evidence.keep(
        Shown("catalogue: the window(s) used and why", "json", chosen | {"windows": [w.as_dict() for w in windows]})
    )
    return windows


def find_uninterrupted(world: World, seconds: int) -> Span:
    """`seconds` of uninterrupted recorded time in the target's catalogue (clause 2.1's history streams)."""
    return Catalogue.of(world.focus, world.settings).uninterrupted(seconds)


# -- `python -m support.recordings`: the window(s) each history clause would use, before any run -----------------

NO_RECORDING = "needs no recording"


def _history_21(recordings: list[Span], search: Span, sizes: Times) -> list[str]:
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

    catalogue = Catalogue.of(focus, settings)
    recordings = catalogue.recordings(catalogue.search)
    search, sizes = searchable_past(catalogue.search), Times.of(settings)
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
    from support.preflight import resolve
    from support.settings import SettingsError, load_settings

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
        shape, _ = resolve(settings)
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
