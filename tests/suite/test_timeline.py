"""The gap finder, runs, coverage and hole comparison of support/windows.py (property-based where it says most)."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from support.windows import Span, compare_holes, coverage, covered_parts, find_temporal_gaps, holes_between, parts_until

T0 = 1_760_004_000_000  # 2025-10-09 10:00:00 UTC in ms

stamps = st.lists(st.integers(min_value=T0, max_value=T0 + 10_000_000), max_size=60)
thresholds = st.integers(min_value=0, max_value=200_000)


def reference_gaps(timestamps: list[int], threshold_ms: int = 5000) -> list[dict]:
    """The clarifications' helper, word for word but for formatting: the oracle."""
    if len(timestamps) < 2:
        return []
    gaps = []
    sorted_ts = sorted(timestamps)
    for i in range(len(sorted_ts) - 1):
        delta = sorted_ts[i + 1] - sorted_ts[i]
        if delta > threshold_ms:
            gaps.append(
                {
                    "start": sorted_ts[i],
                    "end": sorted_ts[i + 1],
                    "duration_ms": delta,
                    "duration_readable": f"{delta / 1000:.1f}s",
                }
            )
    return gaps


def rows_every(span: Span, step_ms: int = 1000) -> list[int]:
    """One row per `step_ms` over a recorded span, as the contract promises at least (one per second)."""
    return list(range(span.start_ms, span.end_ms, step_ms))


# -- find_temporal_gaps ------------------------------------------------------------------------------------------


@given(stamps, thresholds)
def test_gap_finder_agrees_with_the_clarifications_helper(timestamps: list[int], threshold: int) -> None:
    ours = [
        {k: v for k, v in gap.as_dict().items() if k in ("start", "end", "duration_ms", "duration_readable")}
        for gap in find_temporal_gaps(timestamps, threshold)
    ]
    assert ours == reference_gaps(timestamps, threshold)


@given(stamps, thresholds)
def test_every_gap_is_over_the_threshold_with_no_row_inside(timestamps: list[int], threshold: int) -> None:
    for gap in find_temporal_gaps(timestamps, threshold):
        assert gap.duration_ms > threshold
        assert not any(gap.start_ms < ms < gap.end_ms for ms in timestamps)


@given(st.lists(st.tuples(st.integers(1, 600), st.integers(61, 3600)), min_size=1, max_size=6))
def test_recordings_with_holes_give_exactly_those_gaps(shape: list[tuple[int, int]]) -> None:
    """Recordings of `length` s each followed by a hole of `hole` s (> 60 s), one row a second: the gaps over
    60 s are the holes, from the last row before each to the first after it."""
    recordings, at = [], T0
    for length, hole in shape:
        recordings.append(Span(at, at + length * 1000))
        at += (length + hole) * 1000
    timestamps = [ms for recording in recordings for ms in rows_every(recording)]
    gaps = find_temporal_gaps(timestamps, 60_000)
    assert [(g.start_ms, g.end_ms) for g in gaps] == [(a.end_ms - 1000, b.start_ms) for a, b in pairwise(recordings)]


def test_gap_finder_edge_cases() -> None:
    assert find_temporal_gaps([]) == []
    assert find_temporal_gaps([T0]) == []
    assert find_temporal_gaps([T0, T0 + 5000]) == []  # exactly the threshold is not a gap
    assert [g.duration_ms for g in find_temporal_gaps([T0, T0 + 5001])] == [5001]
    assert find_temporal_gaps([T0 + 9000, T0, T0]) == find_temporal_gaps([T0, T0, T0 + 9000])
    assert find_temporal_gaps([T0, T0 + 301_000], 60_000)[0].as_dict()["duration_readable"] == "301.0s"


# -- recorded parts and holes ------------------------------------------------------------------------------------


def at(minute: int, second: int = 0) -> int:
    return T0 + (minute * 60 + second) * 1000


def test_covered_parts_clip_to_the_window_and_merge_touching_recordings() -> None:
    window = Span(at(0), at(30))
    recordings = [Span(at(-5), at(5)), Span(at(5), at(7)), Span(at(10), at(15)), Span(at(28), at(40))]
    assert covered_parts(recordings, window) == [Span(at(0), at(7)), Span(at(10), at(15)), Span(at(28), at(30))]
    assert holes_between(covered_parts(recordings, window)) == [Span(at(7), at(10)), Span(at(15), at(28))]
    assert covered_parts([Span(at(40), at(50))], window) == []


def test_the_parts_as_far_as_a_stream_came() -> None:
    parts = [Span(at(0), at(7)), Span(at(10), at(15))]
    assert parts_until(parts, at(5)) == [Span(at(0), at(5))]
    assert parts_until(parts, at(8)) == [Span(at(0), at(7))]  # in the hole: the part before it, whole
    assert parts_until(parts, at(12)) == [Span(at(0), at(7)), Span(at(10), at(12))]
    assert parts_until(parts, at(20)) == parts
    assert parts_until(parts, None) == []  # no row came


# -- coverage ----------------------------------------------------------------------------------------------------

HOLE_WINDOW = Span(at(0), at(15))
RECORDINGS = [Span(at(0), at(5)), Span(at(10), at(15))]
PARTS = covered_parts(RECORDINGS, HOLE_WINDOW)
GOOD_ROWS = [ms for part in PARTS for ms in rows_every(part)]


def test_rows_every_second_cover_the_recordings() -> None:
    assert coverage(GOOD_ROWS, PARTS, 2000).problems == []
    assert coverage(rows_every(PARTS[0], 400) + rows_every(PARTS[1], 1700), PARTS, 2000).problems == []


def test_a_lost_stretch_inside_a_recording_is_a_gap() -> None:
    rows = [ms for ms in GOOD_ROWS if not at(2) <= ms < at(2, 10)]  # 10 s lost, as the stand's spurious-gap
    report = coverage(rows, PARTS, 2000)
    assert report.outside == []
    assert len(report.inside) == 1 and "gap 2025-10-09 10:01:59–10:02:10 (11.0 s)" in report.inside[0]


def test_late_start_early_end_and_missing_parts_are_named() -> None:
    rows = [ms for ms in rows_every(PARTS[0]) if at(0, 30) <= ms <= at(4)]
    report = coverage(rows, PARTS, 2000)
    assert any("begin only at 2025-10-09 10:00:30, 30.0 s late" in p for p in report.inside)
    assert any("stop at 2025-10-09 10:04:00, 60.0 s early" in p for p in report.inside)
    assert any("no rows at all for the recorded part 2025-10-09 10:10:00–10:15:00" in p for p in report.inside)
    assert coverage([], PARTS, 2000).outside == []


# -- holes against the catalogue -------------------------------------------------------------------------------


def test_a_gap_in_the_wrong_place_does_not_count_for_the_hole() -> None:
    shifted = [ms for ms in GOOD_ROWS if ms < at(4)] + [ms for ms in GOOD_ROWS if ms >= at(10)]
    comparison = compare_holes(shifted, holes_between(PARTS), 60_000)
    assert comparison.matched == []
    assert len(comparison.missing) == 1 and len(comparison.unexpected) == 1


def test_holes_shorter_than_the_threshold_are_not_expected_as_gaps() -> None:
    parts = [Span(at(0), at(1)), Span(at(1, 30), at(2))]
    rows = [ms for part in parts for ms in rows_every(part)]
    assert compare_holes(rows, holes_between(parts), 60_000).as_dict()["missing"] == []
