"""Steps of clause §4, partial results in history playback (4.1 … 4.6), over both APIs. Glue only: the windows are
found in the target's catalogue (support/recordings.py, by the one finder of support/windows.py), then read and
judged by support/partial_results.py.

Each Given says which window it finds, and finds that one whatever the scenario's tags: the plain text is the
clarification's example shape (the task API reads it at any size), the text that names the stream limit is the job
API's (history over gRPC plays at recording pace, so each window holds a share of the limit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from behave import given, then, when
from behave.runner import Context

from support import partial_results
from support.ids import new_task_id
from support.recordings import find_windows
from support.windows import Shape

# -- the window, found in the target's recordings catalogue ------------------------------------------------------


@given("a history window of 60 minutes with no recording at all")
def step_window_empty(context: Context) -> None:
    _windows(context, Shape.EMPTY, None)


@given("a history window covered completely by recordings")
def step_window_covered(context: Context) -> None:
    _windows(context, Shape.COVERED, "task")


@given("a history window covered completely by recordings, holding at most two thirds of the stream limit")
def step_job_window_covered(context: Context) -> None:
    _windows(context, Shape.COVERED, "job")


@given("a history window with a hole of more than 60 seconds between two recordings")
def step_window_hole(context: Context) -> None:
    _windows(context, Shape.HOLE, "task")


@given("a history window with a hole of more than 60 seconds between two recordings, a third of the limit of each")
def step_job_window_hole(context: Context) -> None:
    _windows(context, Shape.HOLE, "job")


@given("a history window with a recording at its start only")
def step_window_start_only(context: Context) -> None:
    _windows(context, Shape.START_ONLY, "task")


@given("a history window with a recording at its start only, holding at most two thirds of the stream limit of it")
def step_job_window_start_only(context: Context) -> None:
    _windows(context, Shape.START_ONLY, "job")


@given("a history window with a single recording in its middle, or two windows with its start and its end")
def step_window_middle_only(context: Context) -> None:
    _windows(context, Shape.MIDDLE_ONLY, "task")


@given(
    "a history window with a single recording in its middle, or two windows with its start and its end, "
    "each under the stream limit"
)
def step_job_window_middle_only(context: Context) -> None:
    _windows(context, Shape.MIDDLE_ONLY, "job")


def _windows(context: Context, shape: Shape, api: str | None) -> None:
    context.histories = find_windows(context.focus, context.settings, shape, api)
    context.history = context.histories[0]


# -- asking for it ------------------------------------------------------------------------------------------------


@when("I configure a history task for the window")
def step_configure_task(context: Context) -> None:
    context.task_ids = [new_task_id(f"history_{history.shape.name.lower()}") for history in _histories(context)]
    context.answers = [
        context.focus.config_task(task_id, partial_results.history_config(history.window))
        for task_id, history in zip(context.task_ids, _histories(context), strict=True)
    ]
    context.task_id, context.answer = context.task_ids[0], context.answers[0]


@when("I configure a history job for the window")
def step_configure_job(context: Context) -> None:
    # The first window's job only: a job nobody connects to ends within a minute, so each next one is configured
    # when its turn to be read comes (4.5 in two windows).
    context.answers = [context.focus.configure(partial_results.history_job_config(_histories(context)[0]))]
    context.answer = context.answers[0]


@when("I read the job's stream to its end")
def step_read_job_stream(context: Context) -> None:
    context.readings = partial_results.read_history_jobs(
        context.focus, context.answers, context.histories, context.settings
    )


@when("I read the task's waterfall to the end of the stream")
def step_read_waterfall(context: Context) -> None:
    context.readings = [
        partial_results.read_history(context.focus, task_id, history)
        for task_id, history in zip(context.task_ids, context.histories, strict=True)
    ]


def _histories(context: Context) -> list:
    return getattr(context, "histories", None) or [context.history]


def _each(context: Context, check: Callable[[Any, Any], None]) -> None:
    partial_results.each(context.histories, context.readings, check)


# -- what came back -----------------------------------------------------------------------------------------------


@then('the configuration is refused with {status:d} and a message containing "{text}"')
def step_refused(context: Context, status: int, text: str) -> None:
    partial_results.expect_refused(context.answer, status, text)


@then("the refusal came at once, in under {seconds:g} seconds")
def step_refused_at_once(context: Context, seconds: float) -> None:
    partial_results.expect_at_once(context.answer, seconds)


@then("no task was left behind: its waterfall answers 404")
def step_no_task_left(context: Context) -> None:
    partial_results.expect_no_task(context.focus, context.task_id, context.history)


@then("the task configuration is accepted")
def step_accepted(context: Context) -> None:
    for answer in context.answers:
        partial_results.expect_accepted(answer)


@then("the waterfall answered 201 with rows")
def step_rows(context: Context) -> None:
    _each(context, lambda reading, _: partial_results.expect_rows(reading))


@then("the rows cover the recorded time of the window with no gap over {ms:d} ms and no row outside it")
def step_rows_cover(context: Context, ms: int) -> None:
    _each(context, lambda reading, history: partial_results.expect_coverage(reading, history, ms))


@then("every second of the window's recorded time has at least one row")
def step_every_second(context: Context) -> None:
    _each(context, partial_results.expect_every_second)


@then("all the recorded time of the window came back, with no gap over {ms:d} ms inside a recording")
def step_recorded_time_back(context: Context, ms: int) -> None:
    _each(context, lambda reading, history: partial_results.expect_coverage(reading, history, ms, only_inside=True))


@then("the rows have a hole of more than {seconds:d} seconds where the catalogue has one, and nowhere else")
def step_rows_hole(context: Context, seconds: int) -> None:
    _each(context, lambda reading, history: partial_results.expect_holes(reading, history, seconds))


@then("the stream ended with 208")
def step_ended(context: Context) -> None:
    _each(context, lambda reading, _: partial_results.expect_end(reading))


@then("nothing came after the end of the stream")
def step_nothing_after(context: Context) -> None:
    _each(context, lambda reading, _: partial_results.expect_nothing_after_end(reading))


# -- what came back over the job API's gRPC stream ------------------------------------------------------------


@then("the job configuration is accepted")
def step_job_accepted(context: Context) -> None:
    for answer in context.answers:
        partial_results.expect_job_accepted(answer)


@then("the stream brought rows")
def step_stream_rows(context: Context) -> None:
    _each(context, lambda reading, _: partial_results.expect_stream_rows(reading))


@then("the stream ended with status OK once the last recorded instant had come")
def step_stream_ended(context: Context) -> None:
    _each(context, partial_results.expect_stream_end)


@then("no row came after the last recorded instant")
def step_nothing_after_last(context: Context) -> None:
    _each(context, partial_results.expect_nothing_after_last_recorded)
