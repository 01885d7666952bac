"""Steps that several features share, glue only: something live on the target, kept busy while a scenario watches
(1.1, 1.2); a history job whose stream is read to its end (1.2 watches its queue go, 2.1 times the stream); a queue
the broker must have (1.2's recorder_input, 3.1's interrogator_input)."""

from __future__ import annotations

from behave import given, step, then, when
from behave.runner import Context

from support import grpc_stream_limit, live, rabbitmq_topology


@step("a live task is configured")
def step_live_task_as_subject(context: Context) -> None:
    context.world.subject = live.configure_live_task(context.world)


@step("a live job is configured")
def step_live_job_as_subject(context: Context) -> None:
    context.world.subject = live.configure_live_job(context.world)


@step("a live task or job is configured, whichever the target offers")
def step_live_offered(context: Context) -> None:
    context.world.subject = live.configure_offered(context.world)


@step("it is kept busy: its waterfall polled or its stream read")
def step_kept_busy(context: Context) -> None:
    world = context.world
    world.busy = world.hold(live.kept_busy(world, world.subject))


@given("a history job over a window holding {seconds:d} seconds of recorded data")
def step_history_job_of(context: Context, seconds: int) -> None:
    context.world.stream_job = grpc_stream_limit.configure_history_job(context.world, seconds)


@when("I read its stream until the server ends it")
def step_read_to_end(context: Context) -> None:
    context.world.stream = grpc_stream_limit.read(context.world, context.world.stream_job)


@then('the broker has a queue "{name}"')
def step_queue_exists(context: Context, name: str) -> None:
    rabbitmq_topology.check_queue_exists(rabbitmq_topology.queue_lookup(context.world, name))
