"""Steps of clause 2.1, the gRPC stream limit: a job's stream read and timed. Glue only.

The jobs and their reading are shared set-up (support/stream_jobs.py; the steps that clause 1.2 shares, in
common_steps.py); the judgements are support/grpc_stream_limit.py's.
"""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context

from support import grpc_stream_limit, stream_jobs


@given("a live job")
def step_live_job_to_stream(context: Context) -> None:
    context.job = stream_jobs.configure_live_stream_job(context.focus)


@given("a history job over a window holding a sixtieth of the stream limit in recorded data")
def step_history_job(context: Context) -> None:
    context.job = stream_jobs.configure_history_job(
        context.focus, context.settings, stream_jobs.sizes(context.settings).short_history_s
    )


@given("a history job over a window holding 17/18 of the stream limit in recorded data")
def step_history_job_under_limit(context: Context) -> None:
    context.job = stream_jobs.configure_history_job(
        context.focus, context.settings, stream_jobs.sizes(context.settings).near_limit_history_s
    )


@given("a {mode} job whose stream would outlast the stream limit")
def step_job_outlasting_limit(context: Context, mode: str) -> None:
    context.job = stream_jobs.configure_job_outlasting_limit(context.focus, context.settings, mode)


@when("I read its stream for the listening window and close it")
def step_read_for(context: Context) -> None:
    context.stream = stream_jobs.read(context.job, context.settings, read_for_s=context.settings.listen_s)


@then("the stream stayed open without an error until we closed it")
def step_closed_by_us(context: Context) -> None:
    grpc_stream_limit.check_closed_by_us_without_error(context.stream)


@then("frames were still arriving in the last {seconds:d} seconds before we closed it")
def step_frames_until_closed(context: Context, seconds: int) -> None:
    grpc_stream_limit.check_frames_until_closed(context.stream, silence_s=seconds)


@then("the server ended the stream with status OK before the stream limit")
def step_ended_ok(context: Context) -> None:
    grpc_stream_limit.check_ended_ok_before_limit(context.stream, context.settings)


@then("the stream was not cut before the window's last recorded instant")
def step_not_cut_before_end(context: Context) -> None:
    grpc_stream_limit.check_not_cut_before_its_end(context.stream, context.job)


@then("frames were still arriving {seconds:d} seconds before the stream limit")
def step_frames_near_limit(context: Context, seconds: int) -> None:
    grpc_stream_limit.check_frames_near_limit(context.stream, context.settings, context.settings.timing.scaled(seconds))


@then("the server ended the stream with DEADLINE_EXCEEDED at the stream limit, within the tolerance")
def step_ended_at_limit(context: Context) -> None:
    grpc_stream_limit.check_ended_at_limit(context.stream, context.settings)
