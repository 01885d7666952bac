"""behave hooks: the run once (settings, target, its shape, the time context, the job slots), a world per scenario.

In a behave process of the nightly runner the runner has checked the target already, once for the whole run, and
named its shape (ACCEPTANCE_PREFLIGHT_DONE, FOCUS_API). behave run on its own asks for itself, and starts the
embedded stand through its command line when no FOCUS_BASE_URL is set (the suite never imports the stand).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from behave.model import Scenario, Step
from behave.runner import Context

from support import evidence
from support.clauses import case_of_tags
from support.jobs import JobSlots
from support.preflight import ApiTags, TargetShape, ask, done_by_the_runner, record_stopped_run
from support.settings import Settings, SettingsError, Target, get_settings
from support.times import Times
from support.world import Run, World, file_cleanup_error

EXIT_STAND_FAILED = 10  # the embedded stand could not be started (the preflight's parts use 11 to 14)
EXIT_BAD_SETTING = 15  # a FOCUS_* setting the suite cannot take


def _stop_run(context: Context, line: str, code: int) -> None:
    """End the run with one clear line and a code that says why: no traceback, no forty failed scenarios. The run
    still leaves one broken result (Allure and JUnit), so that its report says why it holds no scenario."""
    _stand_down(context)
    record_stopped_run(line, Path(context.config.junit_directory) if context.config.junit else None)
    sys.stdout.flush()
    print(line, file=sys.stderr, flush=True)
    os._exit(code)


def before_all(context: Context) -> None:
    context.stand_env = None
    try:
        settings = get_settings()
        if settings.target is Target.STAND and not settings.base_url:
            settings = _start_stand(context, settings)
    except SettingsError as error:
        _stop_run(context, f"Bad setting: {error}", EXIT_BAD_SETTING)
    evidence.use_secrets(settings.secrets())
    times = Times.of(settings)
    slots = JobSlots(settings.job_slots_dir, settings.max_jobs, times.job_slot_wait_s)
    if done_by_the_runner() and settings.api != "auto":
        shape = TargetShape(settings.api)
    else:
        answer = ask(settings, slots)
        if answer["line"] is not None:
            _stop_run(context, str(answer["line"]), int(str(answer["exit_code"])))
        shape = TargetShape(str(answer["api"]))
        print(f"target API: {shape.describe()} ({answer['api_how']})", file=sys.stderr, flush=True)
    context.run = Run(settings, times, shape, slots)
    context.api_tags = ApiTags(shape)  # behave's active-tag matcher, on @api-task / @api-job
    context.on_cleanup_error = file_cleanup_error


def _start_stand(context: Context, settings: Settings) -> Settings:
    """The embedded stand for this behave run, through `python -m stand up`; the settings that point at it."""
    env_file = Path(tempfile.mkdtemp(prefix="behave-stand-")) / "stand.env"
    up = [sys.executable, "-m", "stand", "up", "--env-file", str(env_file)]
    done = subprocess.run(up, capture_output=True, text=True, timeout=settings.timeouts.stand_up_s, encoding="utf-8")
    if done.returncode != 0 or not env_file.exists():
        said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()] or ["no output"]
        _stop_run(context, f"Target unreachable: embedded stand (could not start: {said[-1]})", EXIT_STAND_FAILED)
    context.stand_env = env_file
    lines = (line.partition("=") for line in env_file.read_text(encoding="utf-8").splitlines())
    os.environ.update({key: value for key, _, value in lines if key.startswith("FOCUS_")})
    get_settings.cache_clear()
    return get_settings()


def _stand_down(context: Context) -> None:
    if getattr(context, "stand_env", None) is not None:
        subprocess.run([sys.executable, "-m", "stand", "down", "--env-file", str(context.stand_env)], check=False)
        context.stand_env = None


def before_scenario(context: Context, scenario: Scenario) -> None:
    tags = list(scenario.effective_tags)
    reason = context.api_tags.skip_reason_of(tags)
    if reason is not None:
        # Neither passed nor failed: skipped with the reason, and marked for the report (support/allure_formatter.py)
        scenario.not_offered = reason
        scenario.skip(reason=reason)
        return
    row = getattr(scenario, "_row", None)
    values = f" ({', '.join(row.cells)})" if row else ""
    context.world = World.open(context.run, context, f"{case_of_tags(tags) or scenario.name}{values}")


def after_step(context: Context, step: Step) -> None:
    if getattr(context, "world", None) is not None:
        context.world.evidence.attach_kept()  # what the step read, as pictures and attachments, under the step


def after_scenario(context: Context, scenario: Scenario) -> None:
    world: World | None = getattr(context, "world", None)
    if world is None:
        return
    more = world.broker.evidence()
    if world.busy is not None:
        more = {"Kept busy (waterfall polled or stream read)": world.busy.summary(), **more}
    world.evidence.close(more)


def after_all(context: Context) -> None:
    _stand_down(context)
