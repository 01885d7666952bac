"""The window finder of support/recordings.py, over catalogues given here (a fake catalogue route, no target)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.errors import PreconditionNotMet
from support.focus_api import Answer
from support.models import RecordingSpans
from support.recordings import FINDERS, Catalogue, Shape, blocks, fits
from support.timeline import Span


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
SEARCH = span("2025-01-01 00:00", "2025-12-31 00:00")


class FakeCatalogue:
    """`POST /recordings_in_time_range` over a list: whole recordings overlapping [start, end), sorted."""

    def __init__(self, recordings: list[Span], status: int = 200) -> None:
        self.recordings = recordings
        self.status = status
        self.asked: list[Span] = []

    def recordings_in_time_range(self, start: datetime, end: datetime) -> Answer[RecordingSpans]:
        window = Span.of(start, end)
        self.asked.append(window)
        found = [[r.start_ms // 1000, r.end_ms // 1000] for r in sorted(self.recordings) if r.overlaps(window)]
        body = RecordingSpans.model_validate(found) if self.status == 200 else None
        return Answer("POST /recordings_in_time_range", self.status, 0.01, str(found), body)


def find(shape: Shape, recordings: list[Span] = DEFAULT, search: Span = SEARCH, **params):
    return Catalogue(FakeCatalogue(recordings), search).find(shape, **params)  # type: ignore[arg-type]


# -- each shape in the default catalogue -------------------------------------------------------------------------


def test_covered_window_lies_inside_one_recording() -> None:
    found = find(Shape.COVERED)
    assert found.window == span("2025-10-08 09:00", "2025-10-08 09:15")
    assert found.parts == [found.window] and found.holes == []


def test_hole_window_runs_from_the_first_start_to_the_second_end() -> None:
    found = find(Shape.HOLE, hole_over_s=60)
    assert found.window == span("2025-10-09 10:00", "2025-10-09 10:15")  # the clarifications' 10:00-10:15
    assert found.holes == [span("2025-10-09 10:05", "2025-10-09 10:10")]
    assert found.recordings == (DEFAULT[1], DEFAULT[2])


def test_hole_must_be_longer_than_asked() -> None:
    with pytest.raises(PreconditionNotMet, match="precondition not met: no history window with a hole"):
        find(Shape.HOLE, hole_over_s=300)  # the only hole is exactly 300 s
    assert find(Shape.HOLE, hole_over_s=299).window == span("2025-10-09 10:00", "2025-10-09 10:15")


def test_start_only_window_starts_at_a_lone_recording() -> None:
    found = find(Shape.START_ONLY)
    # 2025-10-09 10:10 would fit too, but a recording with nothing in the half hour before it reads more plainly.
    assert found.window == span("2025-10-11 10:00", "2025-10-11 10:30")
    assert found.parts == [span("2025-10-11 10:00", "2025-10-11 10:05")]


def test_middle_only_window_puts_the_recording_ten_minutes_in() -> None:
    found = find(Shape.MIDDLE_ONLY)
    assert found.window.duration_s == 1800
    [part] = found.parts
    assert part.start_ms - found.window.start_ms == 600_000
    assert found.window.start_ms < part.start_ms and part.end_ms < found.window.end_ms


def test_middle_only_matches_the_clarifications_timeline_when_that_is_all_there_is() -> None:
    found = find(Shape.MIDDLE_ONLY, [DEFAULT[4]])
    assert found.window == span("2025-10-12 10:00", "2025-10-12 10:30")


def test_empty_window_is_the_first_free_hour() -> None:
    found = find(Shape.EMPTY)
    assert found.window == span("2025-01-01 00:00", "2025-01-01 01:00")  # the clarifications' 250101000000
    assert found.recordings == () and found.parts == [] and found.last_covered_ms is None


def test_the_window_is_confirmed_by_asking_the_catalogue_for_it() -> None:
    fake = FakeCatalogue(DEFAULT)
    found = Catalogue(fake, SEARCH).find(Shape.HOLE)  # type: ignore[arg-type]
    assert fake.asked == [SEARCH, found.window]
    assert found.as_dict()["catalogue_answer"] == [[r.start_ms // 1000, r.end_ms // 1000] for r in DEFAULT[1:3]]


# -- no window of the shape: broken, with a clear message -------------------------------------------------------


@pytest.mark.parametrize("shape", list(FINDERS))
def test_a_missing_shape_is_a_precondition_not_met(shape: Shape) -> None:
    everything = [span("2025-01-01 00:00", "2025-12-31 00:00")]
    recordings = [] if shape is not Shape.EMPTY else everything
    with pytest.raises(PreconditionNotMet, match=r"^precondition not met: no history window .* search window"):
        find(shape, recordings)


def test_a_catalogue_that_does_not_answer_is_a_precondition_not_met() -> None:
    with pytest.raises(PreconditionNotMet, match="recordings catalogue answered 500"):
        Catalogue(FakeCatalogue(DEFAULT, status=500), SEARCH).find(Shape.COVERED)  # type: ignore[arg-type]


def test_a_catalogue_that_contradicts_itself_is_a_precondition_not_met() -> None:
    class Inconsistent(FakeCatalogue):
        def recordings_in_time_range(self, start: datetime, end: datetime) -> Answer[RecordingSpans]:
            answer = super().recordings_in_time_range(start, end)
            if len(self.asked) == 2:  # the window itself: claims a recording in the empty hour
                answer.body = RecordingSpans.model_validate([[1735689600, 1735689700]])
            return answer

    with pytest.raises(PreconditionNotMet, match="says otherwise"):
        Catalogue(Inconsistent(DEFAULT), SEARCH).find(Shape.EMPTY)  # type: ignore[arg-type]


def test_windows_stay_inside_the_search_window() -> None:
    search = span("2025-10-08 09:30", "2025-10-08 09:50")
    assert find(Shape.COVERED, search=search).window == span("2025-10-08 09:30", "2025-10-08 09:45")
    assert find(Shape.COVERED, search=search, length_s=3600).window == search
    with pytest.raises(PreconditionNotMet):
        find(Shape.COVERED, search=span("2025-10-08 09:55", "2025-10-08 12:00"))


def test_blocks_merge_touching_and_overlapping_recordings() -> None:
    merged = blocks([span("2025-10-09 10:05", "2025-10-09 10:07"), span("2025-10-09 10:00", "2025-10-09 10:05")])
    assert merged == [span("2025-10-09 10:00", "2025-10-09 10:07")]


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


def test_a_window_whose_own_answer_has_a_shorter_hole_is_a_precondition_not_met() -> None:
    """The Given promises a hole over the asked length, so that the check of the holes (a Then) always has one."""

    class Shrinking(FakeCatalogue):
        def recordings_in_time_range(self, start: datetime, end: datetime) -> Answer[RecordingSpans]:
            answer = super().recordings_in_time_range(start, end)
            if len(self.asked) == 2 and answer.body is not None:  # the window itself: a 30 s hole, not 5 min
                (first, _), (second_start, second_end) = answer.body.root
                answer.body = RecordingSpans.model_validate([[first, second_start - 30], [second_start, second_end]])
            return answer

    with pytest.raises(PreconditionNotMet, match="says otherwise"):
        Catalogue(Shrinking(DEFAULT), SEARCH).find(Shape.HOLE, hole_over_s=60)  # type: ignore[arg-type]
    assert fits(Shape.HOLE, find(Shape.HOLE).window, DEFAULT[1:3], hole_over_s=299)
    assert not fits(Shape.HOLE, find(Shape.HOLE).window, DEFAULT[1:3], hole_over_s=300)


# -- windows for the job API: little enough recorded data for gRPC's recording pace, and only in the past --------

SHORT = span("2025-10-13 10:10", "2025-10-13 10:12")  # the stand's 2-minute recording
WITH_SHORT = [*DEFAULT, SHORT]


def test_job_api_windows_hold_at_most_the_recorded_time_asked_for() -> None:
    covered = find(Shape.COVERED, WITH_SHORT, length_s=120, min_length_s=60)
    assert covered.window == span("2025-10-08 09:00", "2025-10-08 09:02")
    hole = find(Shape.HOLE, WITH_SHORT, side_s=60)
    assert [part.label() for part in hole.parts] == ["2025-10-09 10:04:00–10:05:00", "2025-10-09 10:10:00–10:11:00"]
    start_only = find(Shape.START_ONLY, WITH_SHORT, recorded_at_most_s=120)
    assert start_only.window.start_ms == SHORT.start_ms and sum(p.duration_s for p in start_only.parts) <= 120
    middle_only = find(Shape.MIDDLE_ONLY, WITH_SHORT, recorded_at_most_s=120)
    assert middle_only.parts == [SHORT] and middle_only.window == span("2025-10-13 10:00", "2025-10-13 10:30")


def test_a_start_only_window_starts_inside_a_longer_recording_to_hold_no_more_than_asked() -> None:
    found = find(Shape.START_ONLY, DEFAULT[3:4], recorded_at_most_s=120)
    assert found.window.start_ms == span("2025-10-11 10:03", "2025-10-11 10:05").start_ms
    assert [part.duration_s for part in found.parts] == [120]


def test_no_middle_only_window_without_a_recording_short_enough() -> None:
    with pytest.raises(PreconditionNotMet):
        find(Shape.MIDDLE_ONLY, DEFAULT, recorded_at_most_s=120)


def test_the_recording_of_now_gives_no_window_that_reaches_into_the_future() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    recording_now = Span.of(now.replace(hour=0, minute=0, second=0), now)  # recorded since midnight, until now
    search = Span.of(now.replace(hour=0, minute=0, second=0), now.replace(year=now.year + 1))
    with pytest.raises(PreconditionNotMet):  # it has not ended: "nothing after it" cannot hold yet
        find(Shape.START_ONLY, [recording_now], search)


@settings(max_examples=300, deadline=None)
@given(catalogues(), st.sampled_from(["4.1", "4.2", "4.3", "4.4", "4.5", "4.6"]), st.sampled_from([20, 60, 180]))
def test_every_clause_window_has_its_shape_and_fits_under_the_limit(
    recordings: list[Span], clause: str, limit: int
) -> None:
    from support.timeline import covered_parts
    from support.windows import Sizes, WindowPlan, plan

    search = Span.of_seconds(BASE_S, BASE_S + 40 * 3600)
    found = plan(clause, "job", recordings, search, Sizes(limit))
    if not isinstance(found, WindowPlan):
        return
    for shape, window in found.windows:
        inside = [r for r in recordings if r.overlaps(window)]
        assert fits(shape, window, inside, 60 if shape is Shape.HOLE else 0), (clause, shape, window, inside)
        recorded_s = sum(part.duration_s for part in covered_parts(inside, window))
        assert recorded_s <= Sizes(limit).budget_s, (clause, shape, window, recorded_s)
