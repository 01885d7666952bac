"""Run behave processes side by side and collect what they leave: the one place that starts behave.

behave has no parallel mode, so a profile becomes a plan of jobs (tools/run/job_plan.py), one behave process each, all
writing to one allure-results folder (result files have unique names). The nightly runner and the mutation matrix
both run their jobs here.

How a job's process starts (`start_method`, or the variable BEHAVE_START_METHOD): `forkserver`, where the platform
has one (Linux), forks it from one process that imported the suite once; `spawn` (Windows, or when asked) starts a new
Python process for it, in a process group of its own. multiprocessing's own spawn is not used for that: the process
it starts cannot be given a group of its own on Windows, which stopping it there needs (`stop_jobs`).
"""

from __future__ import annotations

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

from tools.common.layout import ROOT, RunLayout
from tools.run.job_plan import BehaveJob

EVENTS_FORMATTER = "tools.run.scenario_events:ScenarioEvents"
POLL_S = 0.1
START_METHOD_ENV = "BEHAVE_START_METHOD"
START_METHODS = ("forkserver", "spawn")
# A job's own output (its file in reports/logs/) is UTF-8 whatever the console's encoding: the runner reads it back.
UTF8_CHILD = {"PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"}


def start_method() -> str:
    """`forkserver` where the platform offers it, else `spawn`; BEHAVE_START_METHOD names one outright."""
    asked = os.environ.get(START_METHOD_ENV, "").strip().lower()
    if asked in START_METHODS:
        return asked
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def behave_command(
    job: BehaveJob, layout: RunLayout, extra_args: Sequence[str] = (), target_env: Path | None = None
) -> list[str]:
    """The command of a job; with `target_env`, behave starts once that file names the target (behave_launcher)."""
    logs = layout.logs
    launcher = [sys.executable, "-m", "behave"]
    if target_env is not None:
        launcher = [sys.executable, "-m", "tools.run.behave_launcher", "--target-env", str(target_env), "--"]
    return [
        *launcher,
        *job.selection,
        *extra_args,
        "--no-color",
        "-f",
        "allure",
        "-o",
        str(layout.results),
        "-f",
        "progress",
        "-o",
        str(logs / f"{job.name}.progress.log"),
        "-f",
        EVENTS_FORMATTER,
        "-o",
        str(logs / f"{job.name}.events.jsonl"),
        "--junit",
        "--junit-directory",
        str(layout.junit / job.name),
    ]


class ForkedProcess:
    """A behave job forked from the fork server (`fork_server`), seen through the calls the runners make of a
    `subprocess.Popen`: pid, poll, wait, returncode (negative: ended by that signal)."""

    def __init__(self, process: BaseProcess) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        self._process.is_alive()  # asks whether it ended, and notes its exit code if so
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(f"behave job {self.pid}", timeout or 0.0)
        return self._process.exitcode


_fork_lock = threading.Lock()
_fork_context: multiprocessing.context.ForkServerContext | None = None


def fork_server() -> multiprocessing.context.ForkServerContext:
    """One process that imports behave, Allure and the suite once, and forks every job from there.

    Each behave process otherwise spends a second of CPU importing them: the mutation matrix starts hundreds, on a
    machine it keeps busy. The fork server is single-threaded, so forking it is safe (forking a runner that runs
    threads is not); it lives as long as the runner. Only where the platform has one (`start_method`).
    """
    from tools.run.behave_launcher import warm_modules

    global _fork_context
    with _fork_lock:
        if _fork_context is None and "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["tools.run.behave_launcher", *warm_modules()])
            _fork_context = context
    if _fork_context is None:
        raise RuntimeError("no fork server on this platform: its jobs start with the spawn method")
    return _fork_context


@dataclass
class RunningJob:
    """One behave process while it runs: its scenario events as they come."""

    job: BehaveJob
    process: subprocess.Popen[bytes] | ForkedProcess
    started: float
    output: IO[bytes]
    events_path: Path
    ended: float | None = None
    current: dict[str, Any] | None = None  # the scenario it is in, from its last `start` event
    finished: list[dict[str, Any]] = field(default_factory=list)  # `end` events so far
    _offset: int = 0

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def elapsed(self, now: float | None = None) -> float:
        return (self.ended or now or time.monotonic()) - self.started

    def read_events(self) -> list[dict[str, Any]]:
        """New events since the last call (complete lines only)."""
        try:
            with self.events_path.open("rb") as stream:
                stream.seek(self._offset)
                chunk = stream.read()
        except FileNotFoundError:
            return []
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        events = [json.loads(line) for line in complete.splitlines() if line.strip()]
        for event in events:
            if event["event"] == "start":
                self.current = event
            else:
                self.current = None
                self.finished.append(event)
        return events


@dataclass(frozen=True)
class JobOutcome:
    job: BehaveJob
    returncode: int
    duration_s: float
    output_path: Path  # behave's own stdout and stderr
    finished: int  # scenarios it reported as ended

    @property
    def crashed(self) -> bool:
        """Ended in error before running all its scenarios (e.g. an error in `before_all`)."""
        return self.returncode != 0 and self.finished < len(self.job.scenarios)

    def output_tail(self, lines: int = 15) -> str:
        try:
            text = self.output_path.read_text(encoding="utf-8", errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        except FileNotFoundError:
            return ""


Tick = Callable[[list[RunningJob]], None]


JOB_ENV = "BEHAVE_JOB"


class Cancelled(Exception):
    """`run_jobs` was asked to stop (Ctrl-C in the mutation matrix, which runs it in worker threads)."""


def start_job(
    job: BehaveJob,
    layout: RunLayout,
    env: Mapping[str, str],
    cwd: Path = ROOT,
    extra_args: Sequence[str] = (),
    target_env: Path | None = None,
    forked: bool = False,
) -> RunningJob:
    output_path = layout.logs / f"{job.name}.out"
    output = output_path.open("wb")
    command = behave_command(job, layout, extra_args, target_env)
    # the profile's settings, unless the environment sets them; the job's name for the report's timeline
    job_env = dict(job.env) | dict(env) | {JOB_ENV: job.name} | UTF8_CHILD
    process: subprocess.Popen[bytes] | ForkedProcess
    if forked and target_env is not None and start_method() == "forkserver":
        from tools.run.behave_launcher import forked as run_forked

        launcher_args = command[command.index("tools.run.behave_launcher") + 1 :]
        child = fork_server().Process(
            target=run_forked, args=(launcher_args, job_env, str(cwd), str(output_path)), name=job.name
        )
        with _fork_lock:  # multiprocessing's bookkeeping of children is not meant for threads starting at once
            child.start()
        process = ForkedProcess(child)
    else:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=job_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: Ctrl-C reaches the runner alone, which then stops every job (and the stand).
            **_own_group(),
        )
    return RunningJob(job, process, time.monotonic(), output, layout.logs / f"{job.name}.events.jsonl")


def _own_group() -> dict[str, Any]:
    """Popen's arguments for a process group of the job's own: a new session on POSIX, a new process group on
    Windows (where Ctrl-C then reaches no job, and CTRL_BREAK_EVENT reaches that one alone)."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def stop_jobs(running: Sequence[RunningJob], grace_s: float = 5.0) -> None:
    """Interrupt every job still running (behave's cleanup hooks run, as on Ctrl-C), then end what lingers."""
    alive = [r for r in running if r.process.poll() is None]
    for r in alive:
        _interrupt(r.process)
    deadline = time.monotonic() + grace_s
    for r in alive:
        try:
            r.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill(r.process)
            r.process.wait()


def _interrupt(process: subprocess.Popen[bytes] | ForkedProcess) -> None:
    """SIGINT to the job's group on POSIX; CTRL_BREAK_EVENT to its group on Windows (behave_launcher turns it into
    a KeyboardInterrupt, as Ctrl-C is)."""
    with contextlib.suppress(ProcessLookupError, OSError):
        if sys.platform == "win32":
            process.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[union-attr]
        else:
            os.killpg(process.pid, signal.SIGINT)


def _kill(process: subprocess.Popen[bytes] | ForkedProcess) -> None:
    with contextlib.suppress(ProcessLookupError, OSError):
        if sys.platform == "win32":
            process.terminate()  # type: ignore[union-attr]
        else:
            os.killpg(process.pid, signal.SIGKILL)


def start_jobs(
    jobs: Sequence[BehaveJob],
    layout: RunLayout,
    env: Mapping[str, str],
    *,
    cwd: Path = ROOT,
    extra_args: Sequence[str] = (),
    target_env: Path | None = None,
    forked: bool = False,
) -> list[RunningJob]:
    """Start every job at once. With `target_env`, each waits for that file before running behave (behave_launcher);
    `forked` too, they are forked from the fork server rather than started as new Python processes."""
    for folder in (layout.results, layout.junit, layout.logs):
        folder.mkdir(parents=True, exist_ok=True)
    running: list[RunningJob] = []
    try:
        for job in jobs:
            running.append(start_job(job, layout, env, cwd, extra_args, target_env, forked))
    except BaseException:
        stop_jobs(running)
        raise
    return running


def release_jobs(target_file: Path, variables: Mapping[str, str]) -> None:
    """Tell the waiting behave processes where the target is (tools/run/behave_launcher.py): its FOCUS_* and TARGET."""
    partial = target_file.with_suffix(".partial")
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.touch(mode=0o600)  # it holds the broker's password (the mode is POSIX's; Windows keeps it per user)
    partial.write_text(json.dumps(dict(variables)), encoding="utf-8")
    partial.replace(target_file)  # whole or absent: a launcher never reads half of it


def wait_jobs(
    running: Sequence[RunningJob],
    *,
    on_tick: Tick | None = None,
    tick_s: float = 0.5,
    cancel: threading.Event | None = None,
) -> list[JobOutcome]:
    """Wait for every job; `on_tick` sees them every `tick_s` (for progress). Whatever happens, none outlives this.

    Setting `cancel` (from another thread) stops every job and raises `Cancelled`.
    """
    # Ended processes are noticed within POLL_S (a run's wall time ends with its last job); progress every tick_s.
    last_tick = float("-inf")
    try:
        while True:
            for r in running:
                if r.ended is None and r.process.poll() is not None:
                    r.ended = time.monotonic()
            done = all(r.ended is not None for r in running)
            if done or time.monotonic() - last_tick >= tick_s:
                last_tick = time.monotonic()
                for r in running:
                    r.read_events()
                if on_tick is not None:
                    on_tick(list(running))
            if done:
                break
            if cancel is not None and cancel.wait(POLL_S):
                raise Cancelled("behave jobs stopped on request")
            if cancel is None:
                time.sleep(POLL_S)
    finally:
        stop_jobs(running)
        for r in running:
            r.output.close()
    return [JobOutcome(r.job, r.process.returncode, r.elapsed(), Path(r.output.name), len(r.finished)) for r in running]


def run_jobs(
    jobs: Sequence[BehaveJob],
    layout: RunLayout,
    env: Mapping[str, str],
    *,
    cwd: Path = ROOT,
    extra_args: Sequence[str] = (),
    on_tick: Tick | None = None,
    tick_s: float = 0.5,
    cancel: threading.Event | None = None,
) -> list[JobOutcome]:
    """Start every job at once and wait for all (the target is known already: `env` names it)."""
    running = start_jobs(jobs, layout, env, cwd=cwd, extra_args=extra_args)
    return wait_jobs(running, on_tick=on_tick, tick_s=tick_s, cancel=cancel)
