"""The window finder per clause (support/windows.py) on catalogues a deployment may have."""

from __future__ import annotations

from support.recordings import Shape
from support.timeline import Span
from support.windows import Choice, Lack, Sizes, WindowPlan, plan

T0 = 1_760_918_400  # 2025-10-20 00:00:00 UTC
SEARCH = Span.of_seconds(T0 - 7200, T0 + 48 * 3600)
LIMIT = Sizes(180)


def _hourly(gaps: dict[int, int], hours: int = 50) -> list[Span]:
    """Hourly files back to back; `gaps`: hour -> seconds left unrecorded at its end (a restart)."""
    return [Span.of_seconds(T0 + h * 3600, T0 + (h + 1) * 3600 - gaps.get(h, 0)) for h in range(hours)]


def _plan(clause: str, recordings: list[Span], api: str = "job", sizes: Sizes = LIMIT) -> WindowPlan | Lack:
    return plan(clause, api, recordings, SEARCH, sizes)


def test_sizes_are_shares_of_the_stream_limit() -> None:
    assert (LIMIT.budget_s, LIMIT.side_s, LIMIT.near_limit_history_s, LIMIT.outlasting_history_s) == (120, 60, 170, 240)
    short = Sizes(20)
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


def test_a_twenty_second_limit_shrinks_every_job_window() -> None:
    sizes = Sizes(20)
    for clause in ("4.2", "4.3", "4.4", "4.5", "4.6"):
        found = _plan(clause, _hourly({5: 90}), sizes=sizes)
        assert isinstance(found, WindowPlan), clause
        for shape, window in found.windows:
            if shape is not Shape.HOLE:
                assert window.duration_s <= sizes.budget_s or shape is Shape.START_ONLY, (clause, window)
