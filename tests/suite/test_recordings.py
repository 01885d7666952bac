"""The catalogue client of support/recordings.py: windows found by the finder and confirmed by the catalogue's own
answer for them, over catalogues given here (a fake catalogue route, no target)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from support.errors import PreconditionNotMet
from support.focus_api import Answer
from support.models import RecordingSpans
from support.recordings import Catalogue, HistoryWindow
from support.timeline import Span
from support.windows import Choice, Shape, Sizes


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def span(start: str, end: str) -> Span:
    return Span.of(utc(start), utc(end))


# The stand's default catalogue, as the contract describes it.
DEFAULT = [
    span("2025-10-08 09:00", "2025-10-08 10:00"),
    span("2025-10-09 10:00", "2025-10-09 10:05"),
    span("2025-10-09 10:10", "2025-10-09 10:15"),
    span("2025-10-11 10:00", "2025-10-11 10:05"),
    span("2025-10-12 10:10", "2025-10-12 10:15"),
]
SEARCH = span("2025-01-01 00:00", "2025-12-31 00:00")
LIMIT = Sizes(180)


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


def windows(shape: Shape, api: str = "task", fake: FakeCatalogue | None = None, search: Span = SEARCH):
    catalogue = Catalogue(fake or FakeCatalogue(DEFAULT), search)  # type: ignore[arg-type]
    return catalogue.windows(shape, api, LIMIT)


def test_each_window_is_confirmed_by_asking_the_catalogue_for_it() -> None:
    fake = FakeCatalogue(DEFAULT)
    found, [hole] = windows(Shape.HOLE, fake=fake)
    assert found.choice is Choice.LITERAL and fake.asked == [SEARCH, hole.window]
    assert hole.window == span("2025-10-09 10:00", "2025-10-09 10:15")  # the clarifications' 10:00-10:15
    assert hole.holes == [span("2025-10-09 10:05", "2025-10-09 10:10")]
    assert hole.as_dict()["catalogue_answer"] == [[r.start_ms // 1000, r.end_ms // 1000] for r in DEFAULT[1:3]]


def test_the_window_of_no_recording_is_the_first_free_hour() -> None:
    _, [empty] = windows(Shape.EMPTY)
    assert empty.window == span("2025-01-01 00:00", "2025-01-01 01:00")  # the clarifications' 250101000000
    assert empty.recordings == () and empty.parts == [] and empty.last_covered_ms is None


def test_a_recording_in_the_middle_may_take_two_windows_each_confirmed() -> None:
    long_only = [span("2025-10-08 09:00", "2025-10-08 10:00")]
    fake = FakeCatalogue(long_only)
    found, [lead, tail] = windows(Shape.MIDDLE_ONLY, "job", fake)
    assert found.choice is Choice.TWO_WINDOWS
    assert (lead.shape, tail.shape) == (Shape.END_ONLY, Shape.START_ONLY)
    assert fake.asked == [SEARCH, lead.window, tail.window]


def test_a_missing_shape_is_a_precondition_not_met_saying_what_is_lacking() -> None:
    with pytest.raises(PreconditionNotMet, match=r"^precondition not met: no history window with a hole .* job API"):
        windows(Shape.HOLE, "job", FakeCatalogue([]))
    with pytest.raises(PreconditionNotMet, match="no 3600 s without any recording"):
        windows(Shape.EMPTY, "task", FakeCatalogue([SEARCH]))


def test_a_catalogue_that_does_not_answer_is_a_precondition_not_met() -> None:
    with pytest.raises(PreconditionNotMet, match="recordings catalogue answered 500"):
        windows(Shape.COVERED, fake=FakeCatalogue(DEFAULT, status=500))


def test_a_catalogue_that_contradicts_itself_is_a_precondition_not_met() -> None:
    class Inconsistent(FakeCatalogue):
        def recordings_in_time_range(self, start: datetime, end: datetime) -> Answer[RecordingSpans]:
            answer = super().recordings_in_time_range(start, end)
            if len(self.asked) == 2:  # the window itself: claims a recording in the empty hour
                answer.body = RecordingSpans.model_validate([[1735689600, 1735689700]])
            return answer

    with pytest.raises(PreconditionNotMet, match="says otherwise"):
        windows(Shape.EMPTY, fake=Inconsistent(DEFAULT))


def test_a_window_whose_own_answer_has_a_shorter_hole_is_a_precondition_not_met() -> None:
    """The Given promises a hole over 60 s, so that the check of the holes (a Then) always has one."""

    class Shrinking(FakeCatalogue):
        def recordings_in_time_range(self, start: datetime, end: datetime) -> Answer[RecordingSpans]:
            answer = super().recordings_in_time_range(start, end)
            if len(self.asked) == 2 and answer.body is not None:  # the window itself: a 30 s hole, not 5 min
                (first, _), (second_start, second_end) = answer.body.root
                answer.body = RecordingSpans.model_validate([[first, second_start - 30], [second_start, second_end]])
            return answer

    with pytest.raises(PreconditionNotMet, match="says otherwise"):
        windows(Shape.HOLE, fake=Shrinking(DEFAULT))


def test_the_recording_of_now_gives_no_window_that_reaches_into_the_future() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    recording_now = Span.of(now.replace(hour=0, minute=0, second=0), now)  # recorded since midnight, until now
    search = Span.of(now.replace(hour=0, minute=0, second=0), now.replace(year=now.year + 1))
    with pytest.raises(PreconditionNotMet):  # it has not ended: "nothing after it" cannot hold yet
        windows(Shape.START_ONLY, "job", FakeCatalogue([recording_now]), search)


def test_uninterrupted_time_comes_from_the_catalogue_or_says_it_is_not_there() -> None:
    catalogue = Catalogue(FakeCatalogue(DEFAULT), SEARCH)  # type: ignore[arg-type]
    assert catalogue.uninterrupted(240) == Span.of_seconds(
        DEFAULT[1].start_ms // 1000, DEFAULT[1].start_ms // 1000 + 240
    )
    with pytest.raises(PreconditionNotMet, match="no 3601 s of uninterrupted recorded time between 2025-01-01"):
        catalogue.uninterrupted(3601)


def test_a_history_window_says_what_the_catalogue_holds_in_it() -> None:
    history = HistoryWindow(Shape.HOLE, span("2025-10-09 10:00", "2025-10-09 10:15"), tuple(DEFAULT[1:3]))
    assert history.last_covered_ms == DEFAULT[2].end_ms
    assert history.describe().startswith("window 2025-10-09 10:00:00–10:15:00 with a hole between two recordings")
