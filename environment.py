"""behave hooks: find the target once, check it answers, give each scenario fresh clients, attach evidence, clean up."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from behave.model import Scenario
from behave.runner import Context

from support.evidence import attach_json
from support.focus_api import FocusServer
from support.preflight import check_target, record_stopped_run
from support.rabbitmq import Broker
from support.scenario_scope import file_cleanup_error
from support.settings import SettingsError, Target, get_settings
from support.shape import ApiTags, NoApiOffered, resolve
from support.stand_process import STAND_DIR, Stand, StandFailed

EXIT_STAND_FAILED = 10  # the embedded stand could not be started (preflight parts use 11 to 14)
EXIT_BAD_SETTING = 15  # a FOCUS_* setting the suite cannot take


def _stop_run(context: Context, line: str, code: int) -> None:
    """End the run with one clear line and a code that says why; no traceback, no forty failed scenarios.

    behave turns any exception of before_all into a hook error plus a summary; a dead target deserves one line.
    The run still leaves one broken result (Allure and JUnit), so that its report says why it holds no scenario.
    """
    if getattr(context, "stand", None) is not None:
        context.stand.down()
    config = context.config
    record_stopped_run(line, Path(config.junit_directory) if config.junit else None)
    sys.stdout.flush()
    print(line, file=sys.stderr, flush=True)
    os._exit(code)


def before_all(context: Context) -> None:
    try:
        settings = get_settings()
    except SettingsError as error:
        _stop_run(context, f"Bad setting: {error}", EXIT_BAD_SETTING)
    context.stand = None
    if settings.target is Target.STAND and not settings.base_url:
        try:
            context.stand = Stand.up(STAND_DIR / f"behave-{os.getpid()}.env")
        except (StandFailed, OSError) as error:
            first = str(error).splitlines()[0]
            _stop_run(context, f"Target unreachable: embedded stand (could not start: {first})", EXIT_STAND_FAILED)
        os.environ.update(context.stand.focus_env)
        get_settings.cache_clear()
        settings = get_settings()
    context.settings = settings
    unreachable = check_target(settings)
    if unreachable is not None:
        _stop_run(context, unreachable.line, unreachable.part.exit_code)
    try:
        context.shape, how = resolve(settings.api, FocusServer(settings))
    except NoApiOffered as error:
        _stop_run(context, f"Target unreachable: Focus Server REST offers no API ({error})", 11)
    print(f"target API: {context.shape.describe()} ({how})", file=sys.stderr, flush=True)
    context.api_tags = ApiTags(context.shape)  # behave's active-tag matcher, on @api-task / @api-job
    context.on_cleanup_error = file_cleanup_error


def before_scenario(context: Context, scenario: Scenario) -> None:
    reason = context.api_tags.skip_reason_of(list(scenario.effective_tags))
    if reason is not None:
        # Neither passed nor failed: skipped with the reason, and marked for the report (support/allure_formatter)
        scenario.not_offered = reason
        scenario.skip(reason=reason)
        return
    context.focus = FocusServer(context.settings)
    # Registered first, so run last: once the scenario's own cleanups closed its streams, what it started and is
    # still alive ends, and its job slots go back to the run (support/job_slots.py).
    context.add_cleanup(context.focus.close)
    # Everything a scenario creates registers its removal with behave (context.add_cleanup, support.scenario_scope),
    # run when the scenario ends, after after_scenario: nothing outlives it. The AMQP probe's queues go that way too.
    context.broker = Broker(context.settings, context.add_cleanup)


def after_scenario(context: Context, scenario: Scenario) -> None:
    if getattr(scenario, "not_offered", None):
        return
    exchanges = context.focus.drain_exchanges()
    if exchanges:
        attach_json("HTTP exchanges", exchanges)
    busy = getattr(context, "busy", None)
    if busy is not None:
        attach_json("Kept busy (waterfall polled or stream read)", busy.summary())
    for name, seen in context.broker.evidence().items():
        attach_json(name, seen)


def after_all(context: Context) -> None:
    if getattr(context, "stand", None) is not None:
        context.stand.down()
