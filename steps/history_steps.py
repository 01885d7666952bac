"""Steps of clause §4 (partial results in history playback). Glue only: support/ finds, reads and judges."""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context

from support import history_stream, waterfall
from support.recordings import Shape, find_history_window

# -- the window, found in the target's recordings catalogue ------------------------------------------------------


@given("a history window of {minutes:d} minutes with no recording at all")
def step_window_empty(context: Context, minutes: int) -> None:
    context.history = find_history_window(context.focus, context.settings, Shape.EMPTY, length_s=minutes * 60)


@given("a history window covered completely by recordings")
def step_window_covered(context: Context) -> None:
    context.history = find_history_window(context.focus, context.settings, Shape.COVERED)


@given("a history window with a hole of more than {seconds:d} seconds between two recordings")
def step_window_hole(context: Context, seconds: int) -> None:
    context.history = find_history_window(context.focus, context.settings, Shape.HOLE, hole_over_s=seconds)


@given("a history window of {minutes:d} minutes with a recording at its start only")
def step_window_start_only(context: Context, minutes: int) -> None:
    context.history = find_history_window(context.focus, context.settings, Shape.START_ONLY, length_s=minutes * 60)


@given("a history window of {minutes:d} minutes with a single recording in its middle")
def step_window_middle_only(context: Context, minutes: int) -> None:
    context.history = find_history_window(context.focus, context.settings, Shape.MIDDLE_ONLY, length_s=minutes * 60)


# The same shapes, holding little enough recorded data for the job API (gRPC plays history at recording pace).


@given("a history window covered completely by recordings, holding at most {seconds:d} seconds of them")
def step_window_covered_short(context: Context, seconds: int) -> None:
    params = {"length_s": seconds, "min_length_s": min(seconds, 60)}
    context.history = find_history_window(context.focus, context.settings, Shape.COVERED, **params)


@given("a history window with a hole of more than {seconds:d} seconds between two recordings, a minute of each")
def step_window_hole_short(context: Context, seconds: int) -> None:
    params = {"hole_over_s": seconds, "side_s": 60}
    context.history = find_history_window(context.focus, context.settings, Shape.HOLE, **params)


@given(
    "a history window of {minutes:d} minutes with a recording at its start only, holding at most {seconds:d} "
    "seconds of it"
)
def step_window_start_only_short(context: Context, minutes: int, seconds: int) -> None:
    params = {"length_s": minutes * 60, "recorded_at_most_s": seconds}
    context.history = find_history_window(context.focus, context.settings, Shape.START_ONLY, **params)


@given(
    "a history window of {minutes:d} minutes with a single recording in its middle, holding at most {seconds:d} "
    "seconds of it"
)
def step_window_middle_only_short(context: Context, minutes: int, seconds: int) -> None:
    params = {"length_s": minutes * 60, "recorded_at_most_s": seconds}
    context.history = find_history_window(context.focus, context.settings, Shape.MIDDLE_ONLY, **params)


# -- asking for it ------------------------------------------------------------------------------------------------


@when("I configure a history task for the window")
def step_configure_task(context: Context) -> None:
    context.task_id = waterfall.new_task_id(context.scenario.effective_tags)
    context.answer = context.focus.config_task(context.task_id, waterfall.history_config(context.history.window))


@when("I configure a history job for the window")
def step_configure_job(context: Context) -> None:
    context.answer = context.focus.configure(history_stream.history_job_config(context.history))


@when("I read the job's stream to its end")
def step_read_job_stream(context: Context) -> None:
    context.reading = history_stream.read_history_job(context.answer, context.history, context.settings)


@when("I read the task's waterfall to the end of the stream")
def step_read_waterfall(context: Context) -> None:
    context.reading = waterfall.read_history(context.focus, context.task_id, context.history)


# -- what came back -----------------------------------------------------------------------------------------------


@then('the configuration is refused with {status:d} and a message containing "{text}"')
def step_refused(context: Context, status: int, text: str) -> None:
    waterfall.expect_refused(context.answer, status, text)


@then("the refusal came at once, in under {seconds:g} seconds")
def step_refused_at_once(context: Context, seconds: float) -> None:
    waterfall.expect_at_once(context.answer, seconds)


@then("no task was left behind: its waterfall answers 404")
def step_no_task_left(context: Context) -> None:
    waterfall.expect_no_task(context.focus, context.task_id, context.history)


@then("the task configuration is accepted")
def step_accepted(context: Context) -> None:
    waterfall.expect_accepted(context.answer)


@then("the waterfall answered 201 with rows")
def step_rows(context: Context) -> None:
    waterfall.expect_rows(context.reading)


@then("the rows cover the recorded time of the window with no gap over {ms:d} ms and no row outside it")
def step_rows_cover(context: Context, ms: int) -> None:
    waterfall.expect_coverage(context.reading, context.history, ms)


@then("all the recorded time of the window came back, with no gap over {ms:d} ms inside a recording")
def step_recorded_time_back(context: Context, ms: int) -> None:
    waterfall.expect_coverage(context.reading, context.history, ms, only_inside=True)


@then("the rows have a hole of more than {seconds:d} seconds where the catalogue has one, and nowhere else")
def step_rows_hole(context: Context, seconds: int) -> None:
    waterfall.expect_holes(context.reading, context.history, seconds)


@then("the stream ended with 208")
def step_ended(context: Context) -> None:
    waterfall.expect_end(context.reading)


@then("nothing came after the end of the stream")
def step_nothing_after(context: Context) -> None:
    waterfall.expect_nothing_after_end(context.reading)


# -- what came back over the job API's gRPC stream ------------------------------------------------------------


@then("the job configuration is accepted")
def step_job_accepted(context: Context) -> None:
    history_stream.expect_job_accepted(context.answer)


@then("the stream brought rows")
def step_stream_rows(context: Context) -> None:
    history_stream.expect_stream_rows(context.reading)


@then("the stream ended with status OK once the last recorded instant had come")
def step_stream_ended(context: Context) -> None:
    history_stream.expect_stream_end(context.reading, context.history)


@then("no row came after the last recorded instant")
def step_nothing_after_last(context: Context) -> None:
    history_stream.expect_nothing_after_last_recorded(context.reading, context.history)
