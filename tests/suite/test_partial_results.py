"""Clause §4 judged on readings made by hand: a window of the catalogue, and the rows a task's waterfall or a job's
stream gave for it (timestamps in ms; the window 0 .. 300 s, recorded 0 .. 100 s and 200 .. 300 s)."""

from __future__ import annotations

import json

import grpc
import pytest

from support.errors import SuiteDefect
from support.focus_api import Answer
from support.grpc_stream import Ending, StreamTimeline
from support.models import ConfigAccepted, ErrorBody, JobConfigured, Row
from support.partial_results import (
    CONFIG_ACCEPTED,
    Poll,
    StreamReading,
    WaterfallReading,
    check_accepted,
    check_at_once,
    check_coverage,
    check_end,
    check_every_second,
    check_holes,
    check_job_accepted,
    check_no_task,
    check_nothing_after_end,
    check_nothing_after_last_recorded,
    check_refused,
    check_rows,
    check_stream_end,
    check_stream_rows,
    each,
)
from support.windows import HistoryWindow, Shape, Span

HOLE = HistoryWindow(Shape.HOLE, Span.of_seconds(0, 300), (Span.of_seconds(0, 100), Span.of_seconds(200, 300)))
AS_PROMISED = [*range(0, 100_000, 500), *range(200_000, 300_000, 500)]  # two rows a second where recorded


def row(ms: int) -> Row:
    return Row(canvasId="c", sensors=[], startTimestamp=ms, endTimestamp=ms)


def waterfall(stamps: list[int], statuses: tuple[int, ...] = (200, 201, 208), **more: object) -> WaterfallReading:
    polls = tuple(Poll(status, 1, 0.0, 0.01) for status in statuses)
    return WaterfallReading(HOLE, "t-1", tuple(row(ms) for ms in stamps), polls, **more)  # type: ignore[arg-type]


def stream(stamps: list[int], code: grpc.StatusCode = grpc.StatusCode.OK) -> StreamReading:
    timeline = StreamTimeline("127.0.0.1:1", 0, 190.0, None, ending=Ending.SERVER, code=code, ended_s=100.0)
    timeline.row_timestamps_ms = stamps
    return StreamReading(HOLE, "7-1", timeline)


def answer(status: int, body: object, model: type | None = None, elapsed_s: float = 0.1) -> Answer:
    parsed = model.model_validate(body) if model else None
    return Answer("POST /config/t-1", status, elapsed_s, json.dumps(body), parsed)


def test_a_configuration_accepted_refused_or_fast() -> None:
    check_accepted(answer(200, {"status": CONFIG_ACCEPTED}, ConfigAccepted))
    with pytest.raises(AssertionError, match=r"accepted with status 'ok'"):
        check_accepted(answer(200, {"status": "ok"}, ConfigAccepted))
    with pytest.raises(AssertionError, match=r"POST /config/t-1 answered 400, not 200"):
        check_accepted(answer(400, {"error": "no recordings"}, ErrorBody))
    check_refused(answer(400, {"error": "No recordings in range"}, ErrorBody), 400, "no recordings")
    with pytest.raises(AssertionError, match=r"the error 'bad' does not say 'no recordings'"):
        check_refused(answer(400, {"error": "bad"}, ErrorBody), 400, "no recordings")
    with pytest.raises(AssertionError, match=r"answered 200, not 400"):
        check_refused(answer(200, {"status": CONFIG_ACCEPTED}, ConfigAccepted), 400, "no recordings")
    check_at_once(answer(400, {}, elapsed_s=0.5), 1.0)
    with pytest.raises(AssertionError, match=r"answered 400 in 1\.500 s, not under 1 s"):
        check_at_once(answer(400, {}, elapsed_s=1.5), 1.0)


def test_a_job_accepted() -> None:
    job = {"status": "", "job_id": "7-1", "stream_url": "h", "stream_port": 1, "stream_amount": 1}
    job |= {"channel_to_stream_index": {}, "channel_amount": 1, "frequencies_list": [], "frequencies_amount": 0}
    check_job_accepted(answer(200, job | {"lines_dt": 0.1, "view_type": 0}, JobConfigured))
    with pytest.raises(AssertionError, match=r"answered 400, not 200"):
        check_job_accepted(answer(400, {"error": "no"}, ErrorBody))


def test_a_refused_task_leaves_nothing() -> None:
    check_no_task(waterfall([], (404,)))
    with pytest.raises(AssertionError, match=r"refused task t-1 answered 200, not 404"):
        check_no_task(waterfall([], (200,)))


def test_the_waterfall_statuses_rows_and_end() -> None:
    done = waterfall(AS_PROMISED, ended_with_208=True, after_end=Poll(208, 0, 1.0, 0.01))
    for check in (check_rows, check_end, check_nothing_after_end):
        check(done, HOLE)
    with pytest.raises(AssertionError, match=r"no rows received; statuses 200 201 208"):
        check_rows(waterfall([]), HOLE)
    with pytest.raises(AssertionError, match=r"answered \[500\] while the task ran"):
        check_rows(waterfall(AS_PROMISED, (201, 500)), HOLE)
    with pytest.raises(AssertionError, match=r"did not end with 208: deadline"):
        check_end(waterfall(AS_PROMISED, stopped_because="deadline"), HOLE)
    with pytest.raises(AssertionError, match=r"3 row\(s\) came after the end of stream"):
        check_nothing_after_end(waterfall(AS_PROMISED, after_end=Poll(201, 3, 1.0, 0.01)), HOLE)


def test_coverage_of_the_recorded_time() -> None:
    check_coverage(waterfall(AS_PROMISED), HOLE, 2000)
    check_every_second(stream(AS_PROMISED), HOLE)
    late = [ms for ms in AS_PROMISED if ms >= 10_000]
    with pytest.raises(AssertionError, match=r"begin only at .*10\.0 s late"):
        check_coverage(waterfall(late), HOLE, 2000)
    inside = [*AS_PROMISED, 150_000]
    check_coverage(waterfall(inside), HOLE, 2000, only_inside=True)
    with pytest.raises(AssertionError, match=r"rows outside the recordings: 1 row\(s\)"):
        check_coverage(waterfall(inside), HOLE, 2000)
    with pytest.raises(AssertionError, match=r"1 of the 200 recorded seconds have no row, the first at 50"):
        check_every_second(stream([ms for ms in AS_PROMISED if ms // 1000 != 50]), HOLE)


def test_the_hole_shows_where_the_catalogue_has_it() -> None:
    check_holes(waterfall(AS_PROMISED), HOLE, 60)
    filled = [*AS_PROMISED, *range(100_000, 200_000, 500)]
    with pytest.raises(AssertionError, match=r"the catalogue has a hole .* but the rows show none there"):
        check_holes(waterfall(filled), HOLE, 60)
    with pytest.raises(SuiteDefect, match=r"no catalogue hole over 200 s"):
        check_holes(waterfall(AS_PROMISED), HOLE, 200)


def test_a_stream_ends_ok_once_its_data_came_and_brings_nothing_after() -> None:
    for check in (check_stream_rows, check_stream_end, check_nothing_after_last_recorded):
        check(stream(AS_PROMISED), HOLE)
    with pytest.raises(AssertionError, match=r"no rows received"):
        check_stream_rows(stream([]), HOLE)
    with pytest.raises(AssertionError, match=r"ended with status OK .* DEADLINE_EXCEEDED"):
        check_stream_end(stream(AS_PROMISED, grpc.StatusCode.DEADLINE_EXCEEDED), HOLE)
    with pytest.raises(AssertionError, match=r"ended OK before its data had come"):
        check_stream_end(stream([ms for ms in AS_PROMISED if ms < 250_000]), HOLE)
    with pytest.raises(AssertionError, match=r"2 row\(s\) came after the last recorded instant"):
        check_nothing_after_last_recorded(stream([*AS_PROMISED, 303_000, 304_000]), HOLE)


def test_each_names_the_window_of_several_that_failed() -> None:
    other = HistoryWindow(Shape.END_ONLY, Span.of_seconds(0, 100), (Span.of_seconds(50, 200),), part="window 2 of 2")
    readings = [waterfall(AS_PROMISED), WaterfallReading(other, "t-2")]
    with pytest.raises(AssertionError, match=r"^window .* with a recording from its middle to its end: no rows"):
        each(readings, check_rows)
