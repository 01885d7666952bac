"""Steps of clause §2 (SLA): the gRPC stream limit, quick metadata, idempotent configure. Glue only."""

from __future__ import annotations

from functools import partial

from behave import given, then, when
from behave.runner import Context

from support import latency, sla
from support.live import StreamInBackground, configure_live_job
from support.scenario_scope import hold

# -- 2.1 the gRPC stream limit -----------------------------------------------------------------------------------


@given("a live job")
def step_live_job_to_stream(context: Context) -> None:
    context.job = sla.configure_live_stream_job(context.focus)


@given("a history job over a window holding {seconds:d} seconds of recorded data")
def step_history_job_of(context: Context, seconds: int) -> None:
    context.job = sla.configure_history_job(context.focus, context.settings, seconds)


@given("a history job over a window holding a sixtieth of the stream limit in recorded data")
def step_history_job(context: Context) -> None:
    context.job = sla.configure_history_job(
        context.focus, context.settings, sla.sizes(context.settings).short_history_s
    )


@given("a history job over a window holding 17/18 of the stream limit in recorded data")
def step_history_job_under_limit(context: Context) -> None:
    context.job = sla.configure_history_job(
        context.focus, context.settings, sla.sizes(context.settings).near_limit_history_s
    )


@given("a {mode} job whose stream would outlast the stream limit")
def step_job_outlasting_limit(context: Context, mode: str) -> None:
    context.job = sla.configure_job_outlasting_limit(context.focus, context.settings, mode)


@when("I read its stream for the listening window and close it")
def step_read_for(context: Context) -> None:
    context.stream = sla.read(context.job, context.settings, read_for_s=context.settings.listen_s)


@when("I read its stream until the server ends it")
def step_read_to_end(context: Context) -> None:
    context.stream = sla.read(context.job, context.settings)


@then("the stream stayed open without an error until we closed it")
def step_closed_by_us(context: Context) -> None:
    sla.check_closed_by_us_without_error(context.stream)


@then("frames were still arriving in the last {seconds:d} seconds before we closed it")
def step_frames_until_closed(context: Context, seconds: int) -> None:
    sla.check_frames_until_closed(context.stream, silence_s=seconds)


@then("the server ended the stream with status OK before the stream limit")
def step_ended_ok(context: Context) -> None:
    sla.check_ended_ok_before_limit(context.stream, context.settings)


@then("the stream was not cut before the window's last recorded instant")
def step_not_cut_before_end(context: Context) -> None:
    sla.check_reached_last_recorded_instant(context.stream, context.job)


@then("frames were still arriving {seconds:d} seconds before the stream limit")
def step_frames_near_limit(context: Context, seconds: int) -> None:
    sla.check_frames_near_limit(context.stream, context.settings, context.settings.timing.scaled(seconds))


@then("the server ended the stream with DEADLINE_EXCEEDED at the stream limit, within the tolerance")
def step_ended_at_limit(context: Context) -> None:
    sla.check_ended_at_limit(context.stream, context.settings)


# -- 2.2 metadata is quick ---------------------------------------------------------------------------------------


@given("a configured live task whose metadata is ready")
def step_ready_task(context: Context) -> None:
    context.task_id = sla.configure_ready_task(context.focus)


@when("I ask for the live metadata {count:d} times")
def step_measure_live_metadata(context: Context, count: int) -> None:
    context.latency = latency.measure("GET /live_metadata", context.focus.live_metadata, count, expected_status=200)


@when("I ask for the task's metadata {count:d} times")
def step_measure_task_metadata(context: Context, count: int) -> None:
    call = partial(context.focus.task_metadata, context.task_id)
    context.latency = latency.measure("GET /metadata/{task_id}", call, count, expected_status=201)


@when("I ask for the sensors {count:d} times")
def step_measure_sensors(context: Context, count: int) -> None:
    context.latency = latency.measure("GET /sensors", context.focus.sensors, count, expected_status=200)


@given("a live job whose stream is being read")
def step_live_job_being_read(context: Context) -> None:
    context.subject = configure_live_job(context.focus)
    context.busy = hold(context, StreamInBackground(context.settings, context.subject))


@when("I ask for the job's metadata {count:d} times")
def step_measure_job_metadata(context: Context, count: int) -> None:
    call = partial(context.focus.job_metadata, context.subject.id)
    context.latency = latency.measure("GET /metadata/{job_id}", call, count, expected_status=200)


@when("I ask for the channels {count:d} times")
def step_measure_channels(context: Context, count: int) -> None:
    context.latency = latency.measure("GET /channels", context.focus.channels, count, expected_status=200)


@then("the 95th percentile of those calls is under {limit:g} s")
def step_p95_under(context: Context, limit: float) -> None:
    latency.judge_p95_under(context.latency, limit)


# -- 2.3 idempotent configure ------------------------------------------------------------------------------------


@when("I send the same live task configuration {times:d} times")
def step_send_same_config(context: Context, times: int) -> None:
    context.repeated = sla.send_same_config(context.focus, times)


@then("every answer has the same status and message")
def step_same_answers(context: Context) -> None:
    sla.check_same_answers(context.repeated)


@then("the target runs it as one task with one results queue")
def step_one_task_one_queue(context: Context) -> None:
    sla.check_one_task_one_queue(context.focus, context.broker.admin, context.repeated.task_id)


@when("I send the same live job configuration {times:d} times")
def step_send_same_job_config(context: Context, times: int) -> None:
    context.repeated = sla.send_same_job_config(context.focus, times)


@then("every answer has the same status and an equivalent stream description")
def step_equivalent_answers(context: Context) -> None:
    sla.check_equivalent_job_answers(context.repeated)


@then("every answer's stream can be read")
def step_every_stream_readable(context: Context) -> None:
    sla.check_every_stream_readable(context.settings, context.repeated)


@then("every job of those answers is gone within {seconds:d} seconds once nobody reads it")
def step_jobs_gone(context: Context, seconds: int) -> None:
    sla.check_jobs_end_unread(context.focus, context.repeated, context.settings.timing.scaled(seconds))
