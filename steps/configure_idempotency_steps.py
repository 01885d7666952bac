"""Steps of clause 2.3, a resent configure is idempotent: the same configuration sent again and again. Glue only.

Sent and judged by support/configure_idempotency.py.
"""

from __future__ import annotations

from behave import then, when
from behave.runner import Context

from support import configure_idempotency


@when("I send the same live task configuration {times:d} times")
def step_send_same_config(context: Context, times: int) -> None:
    context.repeated = configure_idempotency.send_same_config(context.focus, times)


@then("every answer has the same status and message")
def step_same_answers(context: Context) -> None:
    configure_idempotency.check_same_answers(context.repeated)


@then("the target runs it as one task with one results queue")
def step_one_task_one_queue(context: Context) -> None:
    configure_idempotency.check_one_task_one_queue(context.focus, context.broker.admin, context.repeated.task_id)


@when("I send the same live job configuration {times:d} times")
def step_send_same_job_config(context: Context, times: int) -> None:
    context.repeated = configure_idempotency.send_same_job_config(context.focus, times)


@then("every answer has the same status and an equivalent stream description")
def step_equivalent_answers(context: Context) -> None:
    configure_idempotency.check_equivalent_job_answers(context.repeated)


@then("every answer's stream can be read")
def step_every_stream_readable(context: Context) -> None:
    configure_idempotency.check_every_stream_readable(context.settings, context.repeated)


@then("every job of those answers is gone within {seconds:d} seconds once nobody reads it")
def step_jobs_gone(context: Context, seconds: int) -> None:
    within_s = context.settings.timing.scaled(seconds)
    configure_idempotency.check_jobs_end_unread(context.focus, context.repeated, within_s)
