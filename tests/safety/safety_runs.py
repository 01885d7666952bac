"""Running the acceptance suite as a user does (behave, `python -m support.preflight`) and reading back what it
left: its output, its Allure results (the JSON files themselves), its JUnit; and a search of all of it for secrets.

The secrets search looks for a password in every form it may take: as it is, percent-encoded (in a URL), inside an
`Authorization: Basic` value, and inside base64 blobs (attachments inside a single-file report are base64).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

from safety_parts import ROOT, Production, StandHandle, Watcher

REST_USER, REST_PASSWORD = "reporter", "Rest-Pw-5f3a!q"  # of the whole run's REST URL


def target_env(focus: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any FOCUS_*/STAND_*/TARGET of the shell, naming an external target."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOCUS_", "STAND_", "ACCEPTANCE_"))}
    env.pop("TARGET", None)
    return {**env, **focus, "TARGET": "external", "PYTHONUNBUFFERED": "1"}


def production_target(production: Production, stand: StandHandle, **more: str) -> dict[str, str]:
    """The stand's REST (and its catalogue's window), the production node's AMQP and management API. The management
    credentials are left out on purpose: the suite takes them from the AMQP URL (its password percent-encoded)."""
    focus = {k: v for k, v in stand.env.items() if k.startswith("FOCUS_") and "AMQP" not in k and "RABBITMQ" not in k}
    focus |= {"FOCUS_AMQP_URL": production.broker.amqp_url, "FOCUS_RABBITMQ_API_URL": production.broker.api_url}
    return target_env(focus | more)


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    base: Path

    def results(self) -> list[dict[str, Any]]:
        """Every Allure test result of the run."""
        return [json.loads(p.read_text()) for p in sorted((self.base / "allure-results").glob("*-result.json"))]

    def junit_cases(self) -> list[ElementTree.Element]:
        files = sorted((self.base / "junit").rglob("*.xml"))
        return [case for path in files for case in ElementTree.parse(path).iter("testcase")]

    def lines(self, stream: str = "stderr") -> list[str]:
        return [line for line in getattr(self, stream).splitlines() if line.strip()]


@dataclass(frozen=True)
class WholeRun:
    run: Run
    watched: Watcher


def label(result: dict[str, Any], name: str) -> str | None:
    return next((item["value"] for item in result["labels"] if item["name"] == name), None)


def behave_command(base: Path, selection: Sequence[str]) -> list[str]:
    return [
        sys.executable, "-m", "behave", *selection, "--no-color", "-f", "allure", "-o", str(base / "allure-results"),
        "-f", "plain", "--junit", "--junit-directory", str(base / "junit"),
    ]  # fmt: skip


def run(command: Sequence[str], env: Mapping[str, str], base: Path, timeout_s: float = 300) -> Run:
    """Run a command of the project to its end, its output captured (and kept in `base`, to be searched too)."""
    base.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    options = {"capture_output": True, "text": True, "timeout": timeout_s, "stdin": subprocess.DEVNULL}
    done = subprocess.run(list(command), cwd=ROOT, env=dict(env), **options)
    (base / "output.txt").write_text(done.stdout + done.stderr)
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started, base)


def run_behave(env: Mapping[str, str], base: Path, *selection: str, timeout_s: float = 300) -> Run:
    return run(behave_command(base, selection), env, base, timeout_s)


def run_preflight(env: Mapping[str, str], base: Path) -> tuple[Run, dict[str, Any]]:
    """`python -m support.preflight`, what the runner asks once for a whole run: its run, and its JSON answer."""
    out = base / "preflight.json"
    command = [sys.executable, "-m", "support.preflight", "--out", str(out)]
    done = run([*command, "--results", str(base / "allure-results"), "--junit", str(base / "junit")], env, base, 60)
    return done, json.loads(out.read_text())


def interrupt_behave(
    env: Mapping[str, str], base: Path, selection: Sequence[str], in_the_middle: Callable[[], bool], timeout_s: float
) -> tuple[Run, float]:
    """Start behave, wait until `in_the_middle()` says a scenario is half-way, send SIGINT (Ctrl-C) to behave:
    the run, and how long behave took to end after the signal."""
    base.mkdir(parents=True, exist_ok=True)
    out, err = base / "stdout.txt", base / "stderr.txt"
    started = time.monotonic()
    with out.open("w") as stdout, err.open("w") as stderr:
        output = {"stdin": subprocess.DEVNULL, "stdout": stdout, "stderr": stderr}
        process = subprocess.Popen(behave_command(base, selection), cwd=ROOT, env=dict(env), **output)
        try:
            while not in_the_middle():
                assert process.poll() is None, f"behave ended ({process.returncode}) before a scenario was half-way"
                assert time.monotonic() - started < timeout_s, f"no scenario was half-way within {timeout_s:g} s"
                time.sleep(0.1)
            process.send_signal(signal.SIGINT)
            signalled = time.monotonic()
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    done = Run(process.returncode, out.read_text(), err.read_text(), time.monotonic() - started, base)
    return done, time.monotonic() - signalled


# -- secrets -----------------------------------------------------------------------------------------------------

_BLOB = re.compile(rb"[A-Za-z0-9+/]{24,}={0,2}")
_DEPTH = 3  # base64 inside base64 inside base64: an attachment inside a page inside a single-file report


def forms(user: str, password: str) -> set[str]:
    """Every form of a password worth looking for."""
    return {password, quote(password, safe=""), base64.b64encode(f"{user}:{password}".encode()).decode()}


def _leaks(content: bytes, needles: list[bytes], depth: int) -> list[str]:
    found = [needle.decode() for needle in needles if needle in content]
    for blob in _BLOB.findall(content) if depth > 0 else []:
        try:
            inner = base64.b64decode(blob + b"=" * (-len(blob) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        found += [f"{leak} (base64-encoded)" for leak in _leaks(inner, needles, depth - 1)]
    return found


def scan(folder: Path, secrets: Iterable[str]) -> dict[str, list[str]]:
    """{file: [secret forms found in it]} for every file under `folder` that holds one."""
    needles = sorted({secret.encode() for secret in secrets if secret}, key=len, reverse=True)
    leaks = {str(f): sorted(set(_leaks(f.read_bytes(), needles, _DEPTH))) for f in folder.rglob("*") if f.is_file()}
    return {file: found for file, found in leaks.items() if found}
