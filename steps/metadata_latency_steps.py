"""Steps of clause 2.2, metadata is quick: a route called N times, then its 95th percentile judged. Glue only:
support/metadata_latency.py times and judges; the live job read meanwhile is support/live.py's."""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context

from support import live, metadata_latency


@given("a configured live task whose metadata is ready")
def step_ready_task(context: Context) -> None:
    context.world.task_id = metadata_latency.configure_ready_task(context.world)


@when("I ask for the live metadata {count:d} times")
def step_measure_live_metadata(context: Context, count: int) -> None:
    context.world.latency = metadata_latency.measure(context.world, "GET /live_metadata", count)


@when("I ask for the task's metadata {count:d} times")
def step_measure_task_metadata(context: Context, count: int) -> None:
    context.world.latency = metadata_latency.measure(context.world, "GET /metadata/{task_id}", count)


@when("I ask for the sensors {count:d} times")
def step_measure_sensors(context: Context, count: int) -> None:
    context.world.latency = metadata_latency.measure(context.world, "GET /sensors", count)


@given("a live job whose stream is being read")
def step_live_job_being_read(context: Context) -> None:
    context.world.subject = live.configure_live_job(context.world)
    context.world.busy = context.world.hold(live.kept_busy(context.world, context.world.subject))


@when("I ask for the job's metadata {count:d} times")
def step_measure_job_metadata(context: Context, count: int) -> None:
    context.world.latency = metadata_latency.measure(context.world, "GET /metadata/{job_id}", count)


@when("I ask for the channels {count:d} times")
def step_measure_channels(context: Context, count: int) -> None:
    context.world.latency = metadata_latency.measure(context.world, "GET /channels", count)


@then("the 95th percentile of those calls is under {limit:g} s")
def step_p95_under(context: Context, limit: float) -> None:
    metadata_latency.check_p95_under(context.world.latency, limit)
