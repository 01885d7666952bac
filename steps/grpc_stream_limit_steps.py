"""Steps of clause 2.1, the gRPC stream limit: a job's stream read and timed, then judged. Glue only:
support/grpc_stream_limit.py configures, reads and judges (the steps that clause 1.2 shares are in common_steps.py)."""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context

from support import grpc_stream_limit as limit


@given("a live job")
def step_live_job_to_stream(context: Context) -> None:
    context.world.stream_job = limit.configure_live_job(context.world)


@given("a history job over a window holding a sixtieth of the stream limit in recorded data")
def step_history_job(context: Context) -> None:
    context.world.stream_job = limit.configure_history_job(context.world, context.world.times.short_history_s)


@given("a history job over a window holding 17/18 of the stream limit in recorded data")
def step_history_job_under_limit(context: Context) -> None:
    context.world.stream_job = limit.configure_history_job(context.world, context.world.times.near_limit_history_s)


@given("a {mode} job whose stream would outlast the stream limit")
def step_job_outlasting_limit(context: Context, mode: str) -> None:
    context.world.stream_job = limit.configure_outlasting(context.world, mode)


@when("I read its stream for the listening window and close it")
def step_read_for(context: Context) -> None:
    world = context.world
    world.stream = limit.read(world, world.stream_job, read_for_s=world.times.listen_s)


@then("the stream stayed open without an error until we closed it")
def step_closed_by_us(context: Context) -> None:
    limit.check_closed_by_us_without_error(context.world.stream)


@then("frames were still arriving in the last {seconds:d} seconds before we closed it")
def step_frames_until_closed(context: Context, seconds: int) -> None:
    limit.check_frames_until_closed(context.world.stream, silence_s=seconds)


@then("the server ended the stream with status OK before the stream limit")
def step_ended_ok(context: Context) -> None:
    limit.check_ended_ok_before_limit(context.world.stream)


@then("the stream was not cut before the window's last recorded instant")
def step_not_cut_before_end(context: Context) -> None:
    limit.check_not_cut_before_its_end(context.world.stream)


@then("frames were still arriving {seconds:d} seconds before the stream limit")
def step_frames_near_limit(context: Context, seconds: int) -> None:
    limit.check_frames_near_limit(context.world.stream, context.world.times.scaled(seconds))


@then("the server ended the stream with DEADLINE_EXCEEDED at the stream limit, within the tolerance")
def step_ended_at_limit(context: Context) -> None:
    limit.check_ended_at_limit(context.world.stream)
