"""Steps of clause 2.2, metadata is quick: a route called N times, the 95th percentile judged. Glue only.

The calls are timed and judged by support/metadata_latency.py; the live job read meanwhile is support/live.py's.
"""

from __future__ import annotations

from functools import partial

from behave import given, then, when
from behave.runner import Context

from support import metadata_latency
from support.live import StreamInBackground, configure_live_job
from support.scenario_scope import hold


@given("a configured live task whose metadata is ready")
def step_ready_task(context: Context) -> None:
    context.task_id = metadata_latency.configure_ready_task(context.focus)


@when("I ask for the live metadata {count:d} times")
def step_measure_live_metadata(context: Context, count: int) -> None:
    context.latency = metadata_latency.measure(
        "GET /live_metadata", context.focus.live_metadata, count, expected_status=200
    )


@when("I ask for the task's metadata {count:d} times")
def step_measure_task_metadata(context: Context, count: int) -> None:
    call = partial(context.focus.task_metadata, context.task_id)
    context.latency = metadata_latency.measure("GET /metadata/{task_id}", call, count, expected_status=201)


@when("I ask for the sensors {count:d} times")
def step_measure_sensors(context: Context, count: int) -> None:
    context.latency = metadata_latency.measure("GET /sensors", context.focus.sensors, count, expected_status=200)


@given("a live job whose stream is being read")
def step_live_job_being_read(context: Context) -> None:
    context.subject = configure_live_job(context.focus)
    context.busy = hold(context, StreamInBackground(context.settings, context.subject))


@when("I ask for the job's metadata {count:d} times")
def step_measure_job_metadata(context: Context, count: int) -> None:
    call = partial(context.focus.job_metadata, context.subject.id)
    context.latency = metadata_latency.measure("GET /metadata/{job_id}", call, count, expected_status=200)


@when("I ask for the channels {count:d} times")
def step_measure_channels(context: Context, count: int) -> None:
    context.latency = metadata_latency.measure("GET /channels", context.focus.channels, count, expected_status=200)


@then("the 95th percentile of those calls is under {limit:g} s")
def step_p95_under(context: Context, limit: float) -> None:
    metadata_latency.judge_p95_under(context.latency, limit)
