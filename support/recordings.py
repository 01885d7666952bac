"""The target's recordings catalogue (`POST /recordings_in_time_range`, on the World as `catalogue`), the plan of each
clause's window(s) on it, each confirmed by the catalogue's answer for exactly it. The plan is the clarification's
example shape where the catalogue holds it, else the smallest that shows the clause; over the job API every size is
a share of the stream limit (history plays at recording pace). A catalogue lacking it: `PreconditionNotMet`, saying
what in seconds. `python -m support.recordings` prints the plan for a target."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from support.errors import PreconditionNotMet
from support.focus_api import FocusServer
from support.settings import Settings
from support.times import MINUTE_S, TASK_COVERED_S, WINDOW_MARGIN_S, Times
from support.windows import (
    CLAUSE_SHAPES,
    EMPTY_WINDOW_S,
    EXAMPLE_HOLE_S,
    EXAMPLE_SIDE_S,
    EXAMPLE_WINDOW_S,
    HOLE_OVER_S,
    HOLE_UNDER_S,
    HistoryWindow,
    Shape,
    Span,
    blocks,
    covered_window,
    empty_window,
    fits,
    hole_window,
    inside,
    middle_only_window,
    start_only_window,
    uninterrupted_window,
)

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
        """The plan for `shape` over `api`, each window confirmed; a catalogue lacking it: `PreconditionNotMet`."""
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
        """The window with the catalogue's own answer for it, which must have the shape the search window's had."""
        found = HistoryWindow(shape, window, tuple(self.recordings(window)), part)
        if not fits(shape, window, found.recordings, HOLE_OVER_S if shape is Shape.HOLE else 0):
            raise PreconditionNotMet(
                f"precondition not met: a history window {shape.value} was expected at {window.label()} from the "
                f"catalogue's answer for the search window, but its answer for that window says otherwise: "
                f"{found.describe()}"
            )
        return found

    def uninterrupted(self, seconds: int) -> Span:
        """`seconds` of uninterrupted recorded time in the search window (2.1's history streams)."""
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


def _room(found: list[Span], search: Span, index: int) -> tuple[int, int]:
    """Uncovered seconds before and after block `index` (to its neighbours or the search window's ends)."""
    block = found[index]
    before = found[index - 1].end_ms if index > 0 else search.start_ms
    after = found[index + 1].start_ms if index + 1 < len(found) else search.end_ms
    return (block.start_ms - before) // 1000, (after - block.end_ms) // 1000


def _end_then_nothing(block: Span, sizes: Times) -> Span:
    return Span(max(block.start_ms, block.end_ms - sizes.side_s * 1000), block.end_ms + sizes.side_s * 1000)


def _nothing_then_start(block: Span, sizes: Times) -> Span:
    return Span(block.start_ms - sizes.side_s * 1000, min(block.end_ms, block.start_ms + sizes.side_s * 1000))


def _one(shape: Shape, api: str, window: Span, choice: Choice, why: str) -> WindowPlan:
    return WindowPlan(shape, api, ((shape, window),), choice, why)


def plan_empty(recordings: Sequence[Span], search: Span, sizes: Times, api: str) -> WindowPlan | Lack:
    if (window := empty_window(recordings, search)) is None:
        lacks = f"no {EMPTY_WINDOW_S} s without any recording (and {MARGIN_S} s clear of one)"
        return Lack(Shape.EMPTY, api, f"{lacks} {_between(search, recordings)}")
    return _one(Shape.EMPTY, api, window, Choice.LITERAL, "60 minutes with no recording")


def plan_covered(recordings: Sequence[Span], search: Span, sizes: Times, api: str) -> WindowPlan | Lack:
    if api == "task" and (window := covered_window(recordings, search)) is not None:
        return _one(Shape.COVERED, api, window, Choice.LITERAL, "10-15 minutes of one recording")
    length = sizes.budget_s if api == "job" else TASK_COVERED_S
    window = covered_window(recordings, search, length_s=length, min_length_s=sizes.side_s)
    if window is None:
        lacks = f"no {sizes.side_s} s of uninterrupted recording"
        return Lack(Shape.COVERED, api, f"{lacks} {_between(search, recordings)}")
    if api == "job":
        why = f"at most {sizes.budget_s} s of recorded data, two thirds of the stream limit"
        return _one(Shape.COVERED, api, window, Choice.LITERAL, why)
    return _one(Shape.COVERED, api, window, Choice.SMALLEST, "no 10 minutes of one recording")


def plan_hole(recordings: Sequence[Span], search: Span, sizes: Times, api: str) -> WindowPlan | Lack:
    side = sizes.side_s if api == "job" else EXAMPLE_SIDE_S
    each = f"{side} s of each side" + (", a third of the stream limit" if api == "job" else "")
    window = hole_window(recordings, search, side_s=side, min_side_s=side, hole_of_s=EXAMPLE_HOLE_S)
    if window is not None:
        return _one(Shape.HOLE, api, window, Choice.LITERAL, f"a 5-minute hole, {each}")
    if (window := hole_window(recordings, search, side_s=side, min_side_s=sizes.side_s)) is None:
        lacks = f"no hole of more than {HOLE_OVER_S} s (under {HOLE_UNDER_S} s) with {sizes.side_s} s of recording on"
        return Lack(Shape.HOLE, api, f"{lacks} each side {_between(search, recordings)}")
    return _one(Shape.HOLE, api, window, Choice.SMALLEST, f"no 5-minute hole; a hole over 60 s, {each}")


def plan_start_only(recordings: Sequence[Span], search: Span, sizes: Times, api: str) -> WindowPlan | Lack:
    at_most = sizes.budget_s if api == "job" else None
    if (window := start_only_window(recordings, search, recorded_at_most_s=at_most)) is not None:
        held = f", holding at most {at_most} s of it (two thirds of the stream limit)" if at_most else ""
        return _one(
            Shape.START_ONLY, api, window, Choice.LITERAL, f"30 minutes with a recording at the start only{held}"
        )
    found = blocks(recordings)
    ends = (_end_then_nothing(b, sizes) for i, b in enumerate(found) if _room(found, search, i)[1] >= sizes.clear_s)
    if (window := next((w for w in ends if inside(w, search)), None)) is None:
        lacks = f"no uncovered stretch of >= {sizes.clear_s} s after a recording"
        return Lack(Shape.START_ONLY, api, f"{lacks} {_between(search, recordings)}")
    why = (
        f"no recording followed by {EXAMPLE_WINDOW_S // MINUTE_S} minutes of nothing; {sizes.side_s} s of a "
        f"recording to its end, then {sizes.side_s} s of nothing"
    )
    return _one(Shape.START_ONLY, api, window, Choice.SMALLEST, why)


def plan_middle_only(recordings: Sequence[Span], search: Span, sizes: Times, api: str) -> WindowPlan | Lack:
    at_most = sizes.budget_s if api == "job" else None
    # One window holds a recording of at most this (the task API has no pace, but a window of hours is no test).
    one_window_s = at_most or EXAMPLE_WINDOW_S - 2 * sizes.side_s
    if (window := middle_only_window(recordings, search, recorded_at_most_s=at_most)) is not None:
        held = f" of at most {at_most} s (two thirds of the stream limit)" if at_most else ""
        return _one(
            Shape.MIDDLE_ONLY, api, window, Choice.LITERAL, f"30 minutes with a single recording{held} in the middle"
        )
    found = blocks(recordings)
    clear = [i for i in range(len(found)) if min(_room(found, search, i)) >= sizes.clear_s]
    side = sizes.side_s * 1000
    for index in clear:  # one window around a recording short enough
        block = found[index]
        window = Span(block.start_ms - side, block.end_ms + side)
        if block.duration_s <= one_window_s and inside(window, search):
            why = f"no 30-minute window of the shape; {sizes.side_s} s of nothing on either side of the recording"
            return _one(Shape.MIDDLE_ONLY, api, window, Choice.SMALLEST, why)
    for index in clear:  # its start after nothing, then its end before nothing
        lead, tail = _nothing_then_start(found[index], sizes), _end_then_nothing(found[index], sizes)
        if inside(lead, search) and inside(tail, search):
            why = (
                f"no recording of at most {one_window_s} s with nothing around it; one stretch of recording's start "
                f"after {sizes.side_s} s of nothing, then its end before {sizes.side_s} s of nothing"
            )
            windows = ((Shape.END_ONLY, lead), (Shape.START_ONLY, tail))
            return WindowPlan(Shape.MIDDLE_ONLY, api, windows, Choice.TWO_WINDOWS, why)
    lacks = f"no recording with an uncovered stretch of >= {sizes.clear_s} s both before and after it"
    return Lack(Shape.MIDDLE_ONLY, api, f"{lacks} {_between(search, recordings)}")


PLANS: dict[Shape, Callable[[Sequence[Span], Span, Times, str], WindowPlan | Lack]] = {
    Shape.EMPTY: plan_empty,
    Shape.COVERED: plan_covered,
    Shape.HOLE: plan_hole,
    Shape.START_ONLY: plan_start_only,
    Shape.MIDDLE_ONLY: plan_middle_only,
}


def plan_shape(shape: Shape, api: str, recordings: Sequence[Span], search: Span, sizes: Times) -> WindowPlan | Lack:
    """The window(s) of `shape` over `api` in this catalogue, or what it lacks for it."""
    if shape not in PLANS:
        raise ValueError(f"no window is planned by shape {shape.name} (planned: {', '.join(s.name for s in PLANS)})")
    return PLANS[shape](recordings, search, sizes, api)


def plan(clause: str, api: str, recordings: Sequence[Span], search: Span, sizes: Times) -> WindowPlan | Lack:
    """The window(s) `clause` is judged on over `api` in this catalogue, or what it lacks for it."""
    if clause not in CLAUSE_SHAPES:
        raise ValueError(f"clause {clause!r} needs no history window (history clauses: {', '.join(CLAUSE_SHAPES)})")
    return plan_shape(CLAUSE_SHAPES[clause], api, recordings, search, sizes)


NO_RECORDING = "needs no recording"


def _history_21(recordings: list[Span], search: Span, sizes: Times) -> list[str]:
    """Clause 2.1's windows: uninterrupted recorded time of a share of the limit, in the shortest stretch."""
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
    """The lines to print, and how many clause/API pairs cannot be judged on the target's catalogue."""
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
    """Print the plan for the target; exit 2 when unreadable, 4 when a clause lacks its shape, else 0."""
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
