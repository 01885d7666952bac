"""Steps that several features share, glue only: something live on the target, kept busy while a scenario watches
(1.1, 1.2); a history job whose stream is read to its end (1.2 watches its queue go, 2.1 times the stream); a queue
the broker must have (1.2's recorder_input, 3.1's interrogator_input).

What they call is shared too: support/live.py, support/stream_jobs.py, and the broker's client support/rabbitmq.py.
"""

from __future__ import annotations

from behave import given, step, then, when
from behave.runner import Context

from support import rabbitmq, stream_jobs
from support.live import configure_live_job, configure_live_task, configure_offered, kept_busy
from support.scenario_scope import hold


@step("a live task is configured")
def step_live_task_as_subject(context: Context) -> None:
    context.subject = configure_live_task(context.focus)


@step("a live job is configured")
def step_live_job_as_subject(context: Context) -> None:
    context.subject = configure_live_job(context.focus)


@step("a live task or job is configured, whichever the target offers")
def step_live_offered(context: Context) -> None:
    context.subject = configure_offered(context.focus, context.shape)


@step("it is kept busy: its waterfall polled or its stream read")
def step_kept_busy(context: Context) -> None:
    context.busy = hold(context, kept_busy(context.settings, context.subject))


@given("a history job over a window holding {seconds:d} seconds of recorded data")
def step_history_job_of(context: Context, seconds: int) -> None:
    context.job = stream_jobs.configure_history_job(context.focus, context.settings, seconds)


@when("I read its stream until the server ends it")
def step_read_to_end(context: Context) -> None:
    context.stream = stream_jobs.read(context.job, context.settings)


@then('the broker has a queue "{name}"')
def step_queue_exists(context: Context, name: str) -> None:
    rabbitmq.assert_queue_exists(context.broker, name)
