"""Generic steps that several features share: something live on the target, kept busy while a scenario watches."""

from __future__ import annotations

from behave import step
from behave.runner import Context

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
