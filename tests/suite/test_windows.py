"""The one window finder (support/windows.py), pure: the windows of each shape, and the plan per clause, on
catalogues given here (the stand's default one, and catalogues a deployment may have)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from support.recordings import Choice, Lack, WindowPlan, plan
from support.settings import Settings
from support.times import Times
from support.windows import FINDERS, Shape, Span, blocks, covered_parts, fits, uninterrupted_window


def times_at(limit_s: float) -> Times:
    return Times.of(Settings(stream_limit_s=limit_s))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def span(start: str, end: str) -> Span:
    return Span.of(utc(start), utc(end))


# The stand's default catalogue, as the contract describes it: the finder must find each shape in it.
DEFAULT = [
    span("2025-10-08 09:00", "2025-10-08 10:00"),
    span("2025-10-09 10:00", "2025-10-09 10:05"),
    span("2025-10-09 10:10", "2025-10-09 10:15"),
    span("2025-10-11 10:00", "2025-10-11 10:05"),
    span("2025-10-12 10:10", "2025-10-12 10:15"),
]
YEAR = span("2025-01-01 00:00", "2025-12-31 00:00")


def find(shape: Shape, recordings: list[Span] = DEFAULT, search: Span = YEAR, **params) -> Span | None:
    return FINDERS[shape](recordings, search, **params)


def parts(window: Span | None, recordings: list[Span] = DEFAULT) -> list[Span]:
    assert window is not None
    return covered_parts([r for r in recordings if r.overlaps(window)], window)


# -- each shape in the default catalogue -------------------------------------------------------------------------


def test_covered_window_lies_inside_one_recording() -> None:
    window = find(Shape.COVERED)
    assert window == span("2025-10-08 09:00", "2025-10-08 09:15")
    assert parts(window) == [window]


def test_hole_window_runs_from_the_first_start_to_the_second_end() -> None:
    window = find(Shape.HOLE, hole_over_s=60)
    assert window == span("2025-10-09 10:00", "2025-10-09 10:15")  # the clarifications' 10:00-10:15
    assert parts(window) == DEFAULT[1:3]


def test_hole_must_be_longer_than_asked() -> None:
    assert find(Shape.HOLE, hole_over_s=300) is None  # the only hole is exactly 300 s
    assert find(Shape.HOLE, hole_over_s=299) == span("2025-10-09 10:00", "2025-10-09 10:15")
    assert find(Shape.HOLE, hole_of_s=300) == span("2025-10-09 10:00", "2025-10-09 10:15")
    assert find(Shape.HOLE, hole_of_s=299) is None


def test_start_only_window_starts_at_a_lone_recording() -> None:
    window = find(Shape.START_ONLY)
    # 2025-10-09 10:10 would fit too, but a recording with nothing in the half hour before it reads more plainly.
    assert window == span("2025-10-11 10:00", "2025-10-11 10:30")
    assert parts(window) == [span("2025-10-11 10:00", "2025-10-11 10:05")]


def test_empty_window_is_the_first_free_hour() -> None:
    window = find(Shape.EMPTY)
    assert window == span("2025-01-01 00:00", "2025-01-01 01:00")  # the clarifications' 250101000000
    assert parts(window) == []


# -- clause 2.1: uninterrupted recorded time of a given length ---------------------------------------------------


def test_uninterrupted_time_lies_in_the_shortest_stretch_that_holds_it() -> None:
    recordings = [Span.of_seconds(0, 3600), Span.of_seconds(4000, 4300), Span.of_seconds(4600, 4900)]
    search = Span.of_seconds(0, 10_000)
    assert uninterrupted_window(recordings, search, 6) == Span.of_seconds(4000, 4006)
    assert uninterrupted_window(recordings, search, 240) == Span.of_seconds(4000, 4240)
    assert uninterrupted_window(recordings, search, 301) == Span.of_seconds(0, 301)
    assert uninterrupted_window(recordings, search, 3601) is None


# -- property: whatever the catalogue, a window found has its shape -----------------------------------------------

BASE_S = 1_760_000_000


@st.composite
def catalogues(draw) -> list[Span]:
    """Up to 8 recordings of 5 s to 2 h with holes of 0 s to 3 h between them (overlaps included)."""
    recordings, at = [], BASE_S + draw(st.integers(0, 7200))
    for _ in range(draw(st.integers(0, 8))):
        length = draw(st.integers(5, 7200))
        recordings.append(Span.of_seconds(at, at + length))
        at += length + draw(st.integers(-60, 3 * 3600))
    return recordings


@settings(max_examples=300, deadline=None)
@given(catalogues(), st.sampled_from(list(FINDERS)), st.integers(0, 4 * 3600), st.integers(3600, 40 * 3600))
def test_every_window_found_has_its_shape(recordings: list[Span], shape: Shape, lead: int, length: int) -> None:
    search = Span.of_seconds(BASE_S + lead, BASE_S + lead + length)
    window = FINDERS[shape](recordings, search)
    if window is None:
        return
    assert search.start_ms <= window.start_ms < window.end_ms <= search.end_ms
    inside = [r for r in recordings if r.overlaps(window)]
    assert fits(shape, window, inside), (shape, window, inside)
    if shape in (Shape.START_ONLY, Shape.MIDDLE_ONLY, Shape.EMPTY):
        # nothing else near: no recording but the one within a minute of the window
        near = [r for r in blocks(recordings) if r.overlaps(Span(window.start_ms - 60_000, window.end_ms + 60_000))]
        assert len(near) == (0 if shape is Shape.EMPTY else 1)


@settings(max_examples=300, deadline=None)
@given(catalogues(), st.sampled_from(["4.1", "4.2", "4.3", "4.4", "4.5", "4.6"]), st.sampled_from([20, 60, 180]))
def test_every_clause_window_has_its_shape_and_fits_under_the_limit(
    recordings: list[Span], clause: str, limit: int
) -> None:
    search = Span.of_seconds(BASE_S, BASE_S + 40 * 3600)
    found = plan(clause, "job", recordings, search, times_at(limit))
    if not isinstance(found, WindowPlan):
        return
    for shape, window in found.windows:
        inside = [r for r in recordings if r.overlaps(window)]
        assert fits(shape, window, inside, 60 if shape is Shape.HOLE else 0), (clause, shape, window, inside)
        recorded_s = sum(part.duration_s for part in covered_parts(inside, window))
        assert recorded_s <= times_at(limit).budget_s, (clause, shape, window, recorded_s)


# -- windows for the job API: little enough recorded data for gRPC's recording pace --------------------------------

SHORT = span("2025-10-13 10:10", "2025-10-13 10:12")  # the stand's 2-minute recording
WITH_SHORT = [*DEFAULT, SHORT]


def test_job_api_windows_hold_at_most_the_recorded_time_asked_for() -> None:
    assert find(Shape.COVERED, WITH_SHORT, length_s=120, min_length_s=60) == span(
        "2025-10-08 09:00", "2025-10-08 09:02"
    )
    hole = find(Shape.HOLE, WITH_SHORT, side_s=60)
    assert [p.label() for p in parts(hole, WITH_SHORT)] == [
        "2025-10-09 10:04:00–10:05:00",
        "2025-10-09 10:10:00–10:11:00",
    ]
    start_only = find(Shape.START_ONLY, WITH_SHORT, recorded_at_most_s=120)
    assert start_only is not None and start_only.start_ms == SHORT.start_ms
    assert sum(p.duration_s for p in parts(start_only, WITH_SHORT)) <= 120
    middle_only = find(Shape.MIDDLE_ONLY, WITH_SHORT, recorded_at_most_s=120)
    assert parts(middle_only, WITH_SHORT) == [SHORT] and middle_only == span("2025-10-13 10:00", "2025-10-13 10:30")


def test_a_start_only_window_starts_inside_a_longer_recording_to_hold_no_more_than_asked() -> None:
    window = find(Shape.START_ONLY, DEFAULT[3:4], recorded_at_most_s=120)
    assert window is not None and window.start_ms == span("2025-10-11 10:03", "2025-10-11 10:05").start_ms
    assert [part.duration_s for part in parts(window, DEFAULT[3:4])] == [120]


# -- the plan per clause, on catalogues a deployment may have ----------------------------------------------------

T0 = 1_760_918_400  # 2025-10-20 00:00:00 UTC
SEARCH = Span.of_seconds(T0 - 7200, T0 + 48 * 3600)
LIMIT = times_at(180)


def _hourly(gaps: dict[int, int], hours: int = 50) -> list[Span]:
    """Hourly files back to back; `gaps`: hour -> seconds left unrecorded at its end (a restart)."""
    return [Span.of_seconds(T0 + h * 3600, T0 + (h + 1) * 3600 - gaps.get(h, 0)) for h in range(hours)]


def _plan(clause: str, recordings: list[Span], api: str = "job", sizes: Times = LIMIT) -> WindowPlan | Lack:
    return plan(clause, api, recordings, SEARCH, sizes)


def test_sizes_are_shares_of_the_stream_limit() -> None:
    assert (LIMIT.budget_s, LIMIT.side_s, LIMIT.near_limit_history_s, LIMIT.outlasting_history_s) == (120, 60, 170, 240)
    short = times_at(20)
    assert (short.budget_s, short.side_s, short.short_history_s) == (13, 6, 1)


def test_no_short_recording_judges_4_5_in_two_windows_on_one_recording() -> None:
    found = _plan("4.5", _hourly({5: 90}))
    assert isinstance(found, WindowPlan) and found.choice is Choice.TWO_WINDOWS
    (lead_shape, lead), (tail_shape, tail) = found.windows
    assert (lead_shape, tail_shape) == (Shape.END_ONLY, Shape.START_ONLY)
    assert lead == Span.of_seconds(T0 - 60, T0 + 60)  # nothing, then the first file's start
    assert tail == Span.of_seconds(T0 + 6 * 3600 - 90 - 60, T0 + 6 * 3600 - 90 + 60)  # its end, then the restart
    assert all(w.duration_s <= 2 * LIMIT.side_s for _, w in found.windows)


def test_only_short_gaps_give_the_smallest_shapes_under_the_limit() -> None:
    recordings = _hourly({3: 70, 9: 65, 15: 80})
    hole, end = _plan("4.3", recordings), _plan("4.4", recordings)
    assert isinstance(hole, WindowPlan) and hole.choice is Choice.SMALLEST
    assert isinstance(end, WindowPlan) and end.choice is Choice.SMALLEST
    assert end.windows[0][1] == Span.of_seconds(T0 + 4 * 3600 - 70 - 60, T0 + 4 * 3600 - 70 + 60)
    # Recorded data in each job window stays under the limit: the hole's sides are a third of it each.
    assert hole.windows[0][1].duration_s == 60 + 70 + 60


def test_a_literal_shape_is_preferred_where_the_catalogue_holds_it() -> None:
    recordings = [Span.of_seconds(T0, T0 + 300), Span.of_seconds(T0 + 600, T0 + 900)]
    found = _plan("4.3", recordings)
    assert isinstance(found, WindowPlan) and found.choice is Choice.LITERAL
    short = [Span.of_seconds(T0 + 600, T0 + 700)]
    middle = _plan("4.5", short)
    assert (
        isinstance(middle, WindowPlan) and middle.choice is Choice.LITERAL and middle.windows[0][1].duration_s == 1800
    )


def test_none_of_a_shape_says_what_is_lacking_in_seconds() -> None:
    one_long_recording = [Span.of_seconds(SEARCH.start_ms // 1000, SEARCH.end_ms // 1000)]
    for clause in ("4.1", "4.3", "4.4", "4.5", "4.6"):
        found = _plan(clause, one_long_recording)
        assert isinstance(found, Lack), clause
        assert " s " in found.reason and "between" in found.reason
    lack = _plan("4.4", one_long_recording)
    assert isinstance(lack, Lack) and lack.reason.startswith("no uncovered stretch of >= 62 s after a recording")
    gap_too_short = _hourly({5: 61})  # a hole over 60 s, but too short for a side of nothing after a recording
    assert isinstance(_plan("4.3", gap_too_short), WindowPlan)
    assert isinstance(_plan("4.4", gap_too_short), Lack)
