"""Running the acceptance suite as a user does (behave, or the nightly runner) and reading back what it left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def target_env(focus: Mapping[str, str], **extra: str) -> dict[str, str]:
    """This process's environment without any FOCUS_*/TARGET of the shell, naming an external target."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOCUS_", "STAND_")) and k != "TARGET"}
    env.update(focus)
    env.update(extra)
    env["TARGET"] = "external"
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    base: Path

    @property
    def allure(self) -> Path:
        return self.base / "allure-results"

    @property
    def junit(self) -> Path:
        return self.base / "junit"

    def results(self) -> list[dict]:
        """Every Allure test result of the run."""
        return [json.loads(path.read_text()) for path in sorted(self.allure.glob("*-result.json"))]

    def junit_cases(self) -> list[ElementTree.Element]:
        return [case for path in sorted(self.junit.rglob("*.xml")) for case in ElementTree.parse(path).iter("testcase")]

    def lines(self, stream: str = "stderr") -> list[str]:
        return [line for line in getattr(self, stream).splitlines() if line.strip()]


def behave_command(base: Path, selection: Sequence[str]) -> list[str]:
    return [
        PYTHON, "-m", "behave", *selection, "--no-color", "-f", "allure", "-o", str(base / "allure-results"),
        "-f", "plain", "--junit", "--junit-directory", str(base / "junit"),
    ]  # fmt: skip


def _run(command: Sequence[str], env: Mapping[str, str], base: Path, timeout_s: float) -> Run:
    """Run a command of the project to its end, its output captured and timed."""
    started = time.monotonic()
    done = subprocess.run(
        list(command),
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
    )
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started, base)


def run_behave(env: Mapping[str, str], base: Path, selection: Sequence[str], timeout_s: float = 300) -> Run:
    base.mkdir(parents=True, exist_ok=True)
    run = _run(behave_command(base, selection), env, base, timeout_s)
    (base / "stdout.txt").write_text(run.stdout)
    (base / "stderr.txt").write_text(run.stderr)
    return run


def interrupt_behave(
    env: Mapping[str, str], base: Path, selection: Sequence[str], in_the_middle: Callable[[], bool], timeout_s: float
) -> tuple[Run, float]:
    """Start behave, wait until `in_the_middle()` says a scenario is half-way, send SIGINT (Ctrl-C) to behave.

    Returns the run and how long behave took to end after the signal.
    """
    base.mkdir(parents=True, exist_ok=True)
    out, err = (base / "stdout.txt").open("w"), (base / "stderr.txt").open("w")
    started = time.monotonic()
    process = subprocess.Popen(
        behave_command(base, selection), cwd=ROOT, env=dict(env), stdout=out, stderr=err, stdin=subprocess.DEVNULL
    )
    try:
        deadline = started + timeout_s
        while not in_the_middle():
            if process.poll() is not None:
                raise AssertionError(f"behave ended ({process.returncode}) before the scenario was half-way")
            if time.monotonic() > deadline:
                raise AssertionError(f"no scenario was half-way within {timeout_s:g} s")
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        signalled = time.monotonic()
        process.wait(timeout=60)
        ended_after = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        out.close()
        err.close()
    run = Run(
        process.returncode,
        (base / "stdout.txt").read_text(),
        (base / "stderr.txt").read_text(),
        time.monotonic() - started,
        base,
    )
    return run, ended_after


def run_nightly(env: Mapping[str, str], base: Path, *args: str, timeout_s: float = 400) -> Run:
    """`python -m tools.run.nightly --profile quick --target external --base BASE ...`: the suite and its report."""
    command = [
        PYTHON,
        "-m",
        "tools.run.nightly",
        "--profile",
        "quick",
        "--target",
        "external",
        "--base",
        str(base),
        *args,
    ]
    return _run(command, env, base, timeout_s)
