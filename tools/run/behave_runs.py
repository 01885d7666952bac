"""Behave processes side by side: a profile's plan, the one place that starts behave, and what they leave.

Nightly gives each `@slow` or `@listening` scenario a process of its own (the wall time is the longest, not the sum).
A job is forked from a fork server that imported the suite while the target started (Linux), else spawned (Windows,
BEHAVE_START_METHOD=spawn); each in its own process group, so that Ctrl-C reaches the runner alone.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO, Any

from behave.formatter.base import Formatter

from tools.common.catalogue import CASE_PREFIX, PlannedScenario, scenarios
from tools.common.layout import ROOT, RunLayout

START_METHOD_ENV = "BEHAVE_START_METHOD"
JOB_ENV = "BEHAVE_JOB"  # the job's name, for the report's timeline
UTF8_CHILD = {"PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"}  # the runner reads a job's output back as UTF-8


@dataclass(frozen=True)
class BehaveJob:
    name: str  # file-name safe; names its logs
    scenarios: tuple[PlannedScenario, ...]
    slow: bool

    @property
    def selection(self) -> tuple[str, ...]:
        """The behave arguments that pick its scenarios: their locations."""
        return tuple(s.location for s in self.scenarios)


def plan(
    nightly: bool, features_dir: Path, cwd: Path = ROOT, *, parallel: int = 1, alone: bool = True
) -> list[BehaveJob]:
    """The behave processes of a profile; empty when there is nothing to run. `alone=False` (the mutation matrix, at
    a short limit): the nightly's @slow and @listening scenarios spread with the rest."""
    found = scenarios(features_dir, cwd)
    apart = [s for s in found if s.slow or s.listening] if nightly and alone else []
    jobs: list[BehaveJob] = []
    for scenario in apart:  # named by its case; an outline's rows by their case and place
        name = f"{'slow' if scenario.slow else 'listen'}-{scenario.case or 'scenario'}"
        jobs.append(
            BehaveJob(name if name not in {j.name for j in jobs} else f"{name}-{len(jobs) + 1}", (scenario,), True)
        )
    rest = [s for s in found if (nightly or not s.slow) and s not in apart]
    parts = max(1, min(parallel, len(rest)))  # dealt in turn, each part in the feature files' order
    return jobs + [BehaveJob(f"main-{n + 1}", tuple(rest[n::parts]), False) for n in range(parts) if rest[n::parts]]


class ScenarioEvents(Formatter):
    """One JSON line per scenario start and end, flushed at once (behave's formatters buffer and say no start)."""

    name = "scenario_events"

    def __init__(self, stream_opener: Any, config: Any) -> None:
        super().__init__(stream_opener, config)
        self.stream, self.current = self.open(), None

    def _emit(self, event: str, scenario: Any, **extra: Any) -> None:
        tags = list(scenario.effective_tags)
        spec = next((tag.removeprefix("spec-") for tag in tags if tag.startswith("spec-")), None)
        case = next((tag.removeprefix(CASE_PREFIX) for tag in tags if tag.startswith(CASE_PREFIX)), None)
        record = {"event": event, "t": time.time(), "name": scenario.name, "spec": spec, "case": case, **extra}
        self.stream.write(json.dumps(record) + "\n")
        self.stream.flush()

    def _finish_current(self) -> None:
        if self.current is not None:
            status = getattr(self.current.status, "name", str(self.current.status))
            self._emit("end", self.current, status=status, duration_s=round(self.current.duration, 3))
            self.current = None

    def scenario(self, scenario: Any) -> None:
        self._finish_current()
        self.current = scenario
        self._emit("start", scenario)

    def eof(self) -> None:
        self._finish_current()

    def close(self) -> None:
        self._finish_current()
        self.close_stream()


@dataclass
class RunningJob:
    """One behave process while it runs (a `subprocess.Popen` or a fork server's child), its events as they come."""

    job: BehaveJob
    process: subprocess.Popen[bytes] | BaseProcess
    output: IO[bytes]
    events_path: Path
    ended: float | None = None
    current: dict[str, Any] | None = None  # the scenario it is in, from its last `start` event
    finished: list[dict[str, Any]] = field(default_factory=list)  # `end` events so far
    _offset: int = 0

    def poll(self) -> int | None:
        if isinstance(self.process, subprocess.Popen):
            return self.process.poll()
        self.process.is_alive()  # notes its exit code if it ended
        return self.process.exitcode

    def wait(self, timeout: float) -> None:
        if isinstance(self.process, subprocess.Popen):
            self.process.wait(timeout)
        elif self.process.join(timeout) or self.process.exitcode is None:
            raise subprocess.TimeoutExpired(f"behave job {self.process.pid}", timeout)

    def read_events(self) -> None:
        with contextlib.suppress(FileNotFoundError), self.events_path.open("rb") as stream:
            stream.seek(self._offset)
            chunk = stream.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]  # complete lines only
            self._offset += len(complete)
            for event in (json.loads(line) for line in complete.splitlines() if line.strip()):
                self.current = event if event["event"] == "start" else None
                if event["event"] == "end":
                    self.finished.append(event)


@dataclass(frozen=True)
class JobOutcome:
    job: BehaveJob
    returncode: int
    output_path: Path  # behave's own stdout and stderr
    finished: int  # scenarios it reported as ended

    @property
    def crashed(self) -> bool:
        """Ended in error before running all its scenarios (an error in `before_all`, say)."""
        return self.returncode != 0 and self.finished < len(self.job.scenarios)

    def output_tail(self, lines: int = 15) -> str:
        with contextlib.suppress(FileNotFoundError):
            return "\n".join(self.output_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        return ""


_fork_lock = threading.Lock()
_fork_context: Any = None


def warm_modules() -> list[str]:
    """What a job imports before it knows the target: behave, Allure's formatter and the suite (environment.py and
    the formatters behave.ini names). Steps are left to behave: a second import would register them twice."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "behave.ini", encoding="utf-8")
    formatters = [value.split(":")[0] for value in dict(ini.items("behave.formatters")).values()]
    return ["behave.__main__", "behave.runner", "allure_behave.formatter", "environment", *formatters]


def _fork_server() -> Any:
    """A single-threaded process that imported the suite once and forks every job (forking the threaded runner would
    not be safe); None where the platform has none, or BEHAVE_START_METHOD=spawn (as on Windows)."""
    global _fork_context
    spawn = os.environ.get(START_METHOD_ENV, "").strip().lower() == "spawn"
    with _fork_lock:
        if _fork_context is None and not spawn and "forkserver" in multiprocessing.get_all_start_methods():
            _fork_context = multiprocessing.get_context("forkserver")
            _fork_context.set_forkserver_preload(["tools.run.behave_runs", *warm_modules()])
    return None if spawn else _fork_context


def warm() -> None:
    """Start the fork server now: it imports behave and the suite while the target starts."""
    if _fork_server() is not None:
        from multiprocessing import forkserver

        forkserver.ensure_running()


def start_jobs(
    jobs: Sequence[BehaveJob], layout: RunLayout, env: Mapping[str, str], cwd: Path = ROOT
) -> list[RunningJob]:
    """Start every job at once, in `env` (the target's variables among them)."""
    for folder in (layout.results, layout.junit, layout.logs):
        folder.mkdir(parents=True, exist_ok=True)
    running: list[RunningJob] = []
    try:
        for job in jobs:
            running.append(_start(job, layout, env, cwd))
    except BaseException:
        stop_jobs(running)
        raise
    return running


def _start(job: BehaveJob, layout: RunLayout, env: Mapping[str, str], cwd: Path) -> RunningJob:
    logs, events = layout.logs, layout.logs / f"{job.name}.events.jsonl"
    args = [*job.selection, "--no-color", "-f", "allure", "-o"]
    args += [str(layout.results), "-f", "progress", "-o", str(logs / f"{job.name}.progress.log")]
    args += ["-f", "tools.run.behave_runs:ScenarioEvents", "-o", str(events)]
    args += ["--junit", "--junit-directory", str(layout.junit / job.name)]
    output_path = logs / f"{job.name}.out"
    output = output_path.open("wb")
    job_env = dict(env) | {JOB_ENV: job.name} | UTF8_CHILD
    process: subprocess.Popen[bytes] | BaseProcess
    if (server := _fork_server()) is not None:
        process = server.Process(target=_forked, args=(args, job_env, str(cwd), str(output_path)))
        with _fork_lock:  # multiprocessing's bookkeeping of children is not meant for threads starting at once
            process.start()
    else:
        group = (
            {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
            if sys.platform == "win32"
            else {"start_new_session": True}
        )
        command = [sys.executable, "-m", "tools.run.behave_runs", *args]
        process = subprocess.Popen(
            command, cwd=cwd, env=job_env, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **group
        )
    return RunningJob(job, process, output, events)


def stop_jobs(running: Sequence[RunningJob], grace_s: float = 5.0) -> None:
    """Interrupt every job still running (behave's cleanups run, as on Ctrl-C), then end what lingers. SIGINT to its
    group on POSIX; CTRL_BREAK_EVENT on Windows, which the job turns into a KeyboardInterrupt too."""
    alive = [r for r in running if r.poll() is None]
    for r in alive:
        with contextlib.suppress(OSError):
            if sys.platform == "win32":
                r.process.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[union-attr]
            else:
                os.killpg(r.process.pid, signal.SIGINT)  # type: ignore[arg-type]
    deadline = time.monotonic() + grace_s
    for r in alive:
        try:
            r.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                if sys.platform == "win32":
                    r.process.terminate()
                else:
                    os.killpg(r.process.pid, signal.SIGKILL)  # type: ignore[arg-type]
            r.wait(timeout=60)


def wait_jobs(
    running: Sequence[RunningJob],
    *,
    on_tick: Callable[[list[RunningJob]], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[JobOutcome]:
    """Wait for every job, `on_tick` seeing them every half second; whatever happens, none outlives this."""
    cancel, last_tick = cancel or threading.Event(), float("-inf")
    try:
        while True:
            for r in running:
                if r.ended is None and r.poll() is not None:
                    r.ended = time.monotonic()
            done = all(r.ended is not None for r in running)
            if done or time.monotonic() - last_tick >= 0.5:
                last_tick = time.monotonic()
                for r in running:
                    r.read_events()
                if on_tick is not None:
                    on_tick(list(running))
            if done:
                break
            if cancel.wait(0.1):  # an ended job is noticed within 0.1 s: the run's wall time ends with its last
                raise RuntimeError("behave jobs stopped on request")  # Ctrl-C in the matrix's threads
    finally:
        stop_jobs(running)
        for r in running:
            r.output.close()
    return [JobOutcome(r.job, r.poll() or 0, Path(r.output.name), len(r.finished)) for r in running]


def _forked(argv: list[str], env: dict[str, str], cwd: str, output: str) -> None:
    """A job forked from the fork server: its own session, its output to its file in UTF-8, its environment."""
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


def main(argv: Sequence[str] | None = None) -> int:
    """behave with these arguments. The runner's stop is an interrupt, whatever was inherited (a shell's background
    job ignores SIGINT), so that behave ends the scenario and runs its cleanups (a server's jobs) before it exits."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "SIGBREAK"):
        signal.signal(signal.SIGBREAK, signal.default_int_handler)
    from behave.__main__ import main as behave_main

    return behave_main(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
