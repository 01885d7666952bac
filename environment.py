"""behave hooks: find the target once, give each scenario fresh clients, attach the evidence, clean up."""

from __future__ import annotations

from contextlib import ExitStack

from behave.model import Scenario
from behave.runner import Context

from support.evidence import attach_json
from support.focus_api import FocusServer
from support.settings import Target, get_settings
from support.stand_process import StandProcess


def before_all(context: Context) -> None:
    settings = get_settings()
    context.stand = None
    if settings.target is Target.STAND and not settings.base_url:
        context.stand = StandProcess.up()
        settings = get_settings()
    context.settings = settings


def before_scenario(context: Context, scenario: Scenario) -> None:
    context.focus = FocusServer(context.settings)
    # Everything a scenario creates registers its removal here, so that nothing outlives it.
    context.cleanup = ExitStack()


def after_scenario(context: Context, scenario: Scenario) -> None:
    try:
        exchanges = context.focus.drain_exchanges()
        if exchanges:
            attach_json("HTTP exchanges", exchanges)
    finally:
        context.cleanup.close()


def after_all(context: Context) -> None:
    if getattr(context, "stand", None) is not None:
        context.stand.down()
