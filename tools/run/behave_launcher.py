"""Start behave once the target is known, with the slow part (imports) done before.

The nightly runner starts its behave processes while the stand is still starting. Each one imports behave, the
Allure formatter and the suite's support modules (seconds on a busy 2-core machine), waits until the runner
writes the target's variables to `--target-env`, sets them, and only then runs behave, in-process. The imports
overlap the stand's start-up instead of following it, and the @slow scenarios start sooner.

    python -m tools.run.behave_launcher --target-env FILE [--timeout S] -- <behave arguments>

FILE is JSON: the variables to set (`FOCUS_*`, `TARGET`). It holds secrets: the runner writes it 0600 in a folder
of its own under the system's temporary folder, and removes it when the run ends.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import pkgutil
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

EXIT_NO_TARGET = 3  # a suite defect: the runner never said where the target is
EXIT_STOPPED = 130  # stopped by the runner while it waited (as on Ctrl-C)

# Steps are not imported here: behave executes their files itself, and a second import would register them twice.
WARM = (
    "behave.__main__",
    "behave.runner",
    "allure_behave.formatter",
    "support.allure_formatter",
    "tools.run.scenario_events",
)


def warm_up() -> None:
    """Import what every behave run of this suite imports; an error now is behave's to report later, so ignore it."""
    for name in warm_modules():
        with contextlib.suppress(Exception):
            importlib.import_module(name)


# The embedded stand's client (Linux only): a behave process of the runner never starts a stand (environment.py
# imports it only when behave, run alone, starts its own).
NOT_WARMED = {"stand_process"}


def warm_modules() -> list[str]:
    """What `warm_up` imports, by name: a fork server imports them once for every job it forks."""
    import support

    found = (m.name for m in pkgutil.iter_modules(support.__path__) if m.name not in NOT_WARMED)
    return [*WARM, *(f"support.{name}" for name in found)]


def forked(argv: list[str], env: dict[str, str], cwd: str, output: str) -> None:
    """A job forked from a process that imported the suite already (tools/run/behave_runs.py, `forked=True`):
    what a process started from the command line would have, then `main` as it would run.

    Its own session (Ctrl-C reaches the runner alone, as with `start_new_session`), its output to `output` in UTF-8
    (the fork server's streams have the runner's console encoding), the job's environment in place of the fork
    server's, and behave's exit code as the process's. Fork servers exist on POSIX only (behave_runs.start_method).
    """
    if hasattr(os, "setsid"):
        os.setsid()
    out = os.open(output, os.O_WRONLY | os.O_APPEND)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(encoding="utf-8", errors="backslashreplace")  # type: ignore[attr-defined]
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.exit(main(argv))


def _stop_is_an_interrupt() -> None:
    """Make the runner's stop (stop_jobs) a KeyboardInterrupt, so that behave ends the scenario and runs its cleanups
    (a real server's jobs closed) before it exits: SIGINT on POSIX, CTRL_BREAK_EVENT on Windows (the job's own
    process group gets no Ctrl-C there). SIGINT is set too because a job inherits it ignored from a runner started as
    a shell's background job; in a session of its own, the runner's stop is the only SIGINT a job gets."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "SIGBREAK"):
        signal.signal(signal.SIGBREAK, signal.default_int_handler)


def wait_for_target(path: Path, timeout_s: float) -> dict[str, str] | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        time.sleep(0.05)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-env", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("behave_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    behave_args = args.behave_args[1:] if args.behave_args[:1] == ["--"] else args.behave_args
    _stop_is_an_interrupt()
    warm_up()
    try:
        variables = wait_for_target(args.target_env, args.timeout)
    except KeyboardInterrupt:  # the runner stopped the run before its scenarios (a target that did not answer)
        print("stopped before the target was known: no scenario ran", file=sys.stderr)
        return EXIT_STOPPED
    if variables is None:
        print(f"no target after {args.timeout:g} s: {args.target_env} was never written", file=sys.stderr)
        return EXIT_NO_TARGET
    os.environ.update(variables)
    from behave.__main__ import main as behave_main

    from support.settings import get_settings

    get_settings.cache_clear()  # in case anything asked before the target was known
    return behave_main(behave_args)


if __name__ == "__main__":
    sys.exit(main())
