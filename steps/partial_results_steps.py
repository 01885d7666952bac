"""Steps of clause §4, partial results in history playback (4.1 … 4.6), over both APIs. Glue only: the windows are
found by the World in the target's catalogue (`find_windows`), then asked for, read and judged by
support/partial_results.py.

Each Given finds its window whatever the scenario's tags: the plain text is the clarification's example shape (the
task API reads it at any size), the text that names the stream limit is the job API's (history over gRPC plays at
recording pace, so each window holds a share of the limit)."""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context

from support import partial_results as history
from support.windows import Shape

# -- the window, found in the target's recordings catalogue ------------------------------------------------------


@given("a history window of 60 minutes with no recording at all")
def step_window_empty(context: Context) -> None:
    context.world.windows = context.world.find_windows(Shape.EMPTY, None)


@given("a history window covered completely by recordings")
def step_window_covered(context: Context) -> None:
    context.world.windows = context.world.find_windows(Shape.COVERED, "task")


@given("a history window covered completely by recordings, holding at most two thirds of the stream limit")
def step_job_window_covered(context: Context) -> None:
    context.world.windows = context.world.find_windows(Shape.COVERED, "job")


@given("a history window with a hole of more than 60 seconds between two recordings")
def step_window_hole(context: Context) -> None:
    context.world.windows = context.world.find_windows(Shape.HOLE, "task")


@given("a history window with a hole of more than 60 seconds between two recordings, a third of the limit of each")
def step_job_window_hole(context: Context) -> None:
    context.world.windows = context.world.find_windows(Shape.HOLE, "job")


@given("a history window with a recording at its start only")
def step_window_start_only(context: Context) -> None:
    context.world.windows = context.world.find_windows(Shape.START_ONLY, "task")


@given("a history window with a recording at its start only, holding at most two thirds of the stream limit of it")
def step_job_window_start_only(context: Context) -> None:
    context.world.windows = context.world.find_windows(Shape.START_ONLY, "job")


@given("a history window with a single recording in its middle, or two windows with its start and its end")
def step_window_middle_only(context: Context) -> None:
    context.world.windows = context.world.find_windows(Shape.MIDDLE_ONLY, "task")


@given(
    "a history window with a single recording in its middle, or two windows with its start and its end, "
    "each under the stream limit"
)
def step_job_window_middle_only(context: Context) -> None:
    context.world.windows = context.world.find_windows(Shape.MIDDLE_ONLY, "job")


# -- asking for it, and reading it to its end -----------------------------------------------------------------------


@when("I configure a history task for the window")
def step_configure_task(context: Context) -> None:
    context.world.task_ids, context.world.answers = history.configure_tasks(context.world)


@when("I configure a history job for the window")
def step_configure_job(context: Context) -> None:
    context.world.answers = [history.configure_job(context.world, context.world.windows[0])]


@when("I read the job's stream to its end")
def step_read_job_stream(context: Context) -> None:
    context.world.readings = history.read_jobs(context.world)


@when("I read the task's waterfall to the end of the stream")
def step_read_waterfall(context: Context) -> None:
    world = context.world
    world.readings = [history.read_waterfall(world, i, w) for i, w in zip(world.task_ids, world.windows, strict=True)]


# -- what came back -----------------------------------------------------------------------------------------------


@then('the configuration is refused with {status:d} and a message containing "{text}"')
def step_refused(context: Context, status: int, text: str) -> None:
    history.check_refused(context.world.answers[0], status, text)


@then("the refusal came at once, in under {seconds:g} seconds")
def step_refused_at_once(context: Context, seconds: float) -> None:
    history.check_at_once(context.world.answers[0], seconds)


@then("no task was left behind: its waterfall answers 404")
def step_no_task_left(context: Context) -> None:
    world = context.world
    history.check_no_task(history.read_waterfall(world, world.task_ids[0], world.windows[0], once=True))


@then("the task configuration is accepted")
def step_accepted(context: Context) -> None:
    for answer in context.world.answers:
        history.check_accepted(answer)


@then("the job configuration is accepted")
def step_job_accepted(context: Context) -> None:
    for answer in context.world.answers:
        history.check_job_accepted(answer)


@then("the waterfall answered 201 with rows")
def step_rows(context: Context) -> None:
    history.each(context.world.readings, history.check_rows)


@then("the stream brought rows")
def step_stream_rows(context: Context) -> None:
    history.each(context.world.readings, history.check_stream_rows)


@then("the rows cover the recorded time of the window with no gap over {ms:d} ms and no row outside it")
def step_rows_cover(context: Context, ms: int) -> None:
    history.each(context.world.readings, history.check_coverage, ms)


@then("every second of the window's recorded time has at least one row")
def step_every_second(context: Context) -> None:
    history.each(context.world.readings, history.check_every_second)


@then("all the recorded time of the window came back, with no gap over {ms:d} ms inside a recording")
def step_recorded_time_back(context: Context, ms: int) -> None:
    history.each(context.world.readings, history.check_coverage, ms, only_inside=True)


@then("the rows have a hole of more than {seconds:d} seconds where the catalogue has one, and nowhere else")
def step_rows_hole(context: Context, seconds: int) -> None:
    history.each(context.world.readings, history.check_holes, seconds)


@then("the stream ended with 208")
def step_ended(context: Context) -> None:
    history.each(context.world.readings, history.check_end)


@then("nothing came after the end of the stream")
def step_nothing_after(context: Context) -> None:
    history.each(context.world.readings, history.check_nothing_after_end)


@then("the stream ended with status OK once the last recorded instant had come")
def step_stream_ended(context: Context) -> None:
    history.each(context.world.readings, history.check_stream_end)


@then("no row came after the last recorded instant")
def step_nothing_after_last(context: Context) -> None:
    history.each(context.world.readings, history.check_nothing_after_last_recorded)
