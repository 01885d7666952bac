"""Generic steps that several features share: live tasks and jobs, kept busy while a scenario watches."""

from __future__ import annotations

from behave import step
from behave.runner import Context

from support.live import WaterfallPolling, configure_live_job, configure_live_task


@step("a live task is configured")
def step_live_task(context: Context) -> None:
    context.subject = configure_live_task(context.focus)


@step("a live job is configured")
def step_live_job(context: Context) -> None:
    context.subject = configure_live_job(context.focus)


@step("its waterfall is being polled")
def step_waterfall_polled(context: Context) -> None:
    context.polling = context.cleanup.enter_context(WaterfallPolling(context.settings, context.subject))
