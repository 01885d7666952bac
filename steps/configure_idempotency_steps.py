"""Steps of clause 2.3, a resent configure is harmless: the same configuration sent again and again, then judged.
Glue only: support/configure_idempotency.py sends, reads and judges."""

from __future__ import annotations

from behave import then, when
from behave.runner import Context

from support import configure_idempotency as resend


@when("I send the same live task configuration {times:d} times")
def step_send_same_config(context: Context, times: int) -> None:
    context.world.resent = resend.send_same_task_config(context.world, times)


@then("every answer has the same status and message")
def step_same_answers(context: Context) -> None:
    resend.check_same_answers(context.world.resent)


@then("the target runs it as one task with one results queue")
def step_one_task_one_queue(context: Context) -> None:
    task_id = context.world.resent.task_id
    resend.check_one_queue(task_id, resend.task_queues(context.world, task_id))


@when("I send the same live job configuration {times:d} times")
def step_send_same_job_config(context: Context, times: int) -> None:
    context.world.resent = resend.send_same_job_config(context.world, times)


@then("every answer has the same status and an equivalent stream description")
def step_equivalent_answers(context: Context) -> None:
    resend.check_equivalent_job_answers(context.world.resent)


@then("every answer's stream can be read")
def step_every_stream_readable(context: Context) -> None:
    resend.check_every_stream_readable(resend.first_frames(context.world, context.world.resent))


@then("every job of those answers is gone within {seconds:d} seconds once nobody reads it")
def step_jobs_gone(context: Context, seconds: int) -> None:
    world, within_s = context.world, context.world.times.scaled(seconds)
    resend.check_jobs_gone(resend.jobs_left(world, world.resent, within_s), world.resent, within_s)
