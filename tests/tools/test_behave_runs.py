"""The one place that starts behave: jobs started as processes or forked from the fork server behave alike."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tools.common.catalogue import PlannedScenario
from tools.common.layout import RunLayout
from tools.run.behave_runs import (
    START_METHOD_ENV,
    BehaveJob,
    RunningJob,
    start_jobs,
    stop_jobs,
    wait_jobs,
)

BEHAVE_INI = """[behave.formatters]
allure = support.allure_formatter:SpecAllureFormatter
"""
FEATURE = """Feature: a job
  @spec-1.1 @case-a-job
  Scenario: it sees its own environment and the target
    Given the environment says so
"""
STEPS = """import os
from behave import given

@given("the environment says so")
def step(context):
    seen = f"job: {os.environ.get('BEHAVE_JOB')} target: {os.environ.get('FOCUS_BASE_URL')}"
    open(f"seen-{os.environ.get('BEHAVE_JOB')}.txt", "w").write(seen)  # in the job's own folder (cwd)
    assert os.environ.get("RUNNER_ONLY") is None, "the runner's own variables leak into the job"
    assert os.environ["BEHAVE_JOB"] != "red", "asked to fail"
"""
HANGS = """from behave import given
import time

@given("the environment says so")
def step(context):
    time.sleep(60)
"""


def _start(tmp_path: Path, steps: str, *names: str) -> tuple[Path, list[RunningJob]]:
    """A project of one feature and `steps`, and a job per name, started in the target's variables."""
    project = tmp_path / "project"
    (project / "features" / "steps").mkdir(parents=True)
    (project / "behave.ini").write_text(BEHAVE_INI)
    (project / "features" / "a.feature").write_text(FEATURE)
    (project / "features" / "steps" / "steps.py").write_text(steps)
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    scenario = PlannedScenario("it sees", "features/a.feature", "1.1", "a-job", (), "a job")
    jobs = [BehaveJob(name, (scenario,), False) for name in names]
    running = start_jobs(jobs, RunLayout(tmp_path / "run"), env | {"FOCUS_BASE_URL": "http://target.example"}, project)
    return project, running


@pytest.fixture(params=["spawn", "forkserver"])
def method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Started as a new process (Windows) or forked from the fork server (Linux): alike."""
    monkeypatch.setenv(START_METHOD_ENV, request.param)
    return request.param


def test_jobs_run_behave_in_their_environment_and_end_with_its_exit_code(
    tmp_path: Path, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNNER_ONLY", "the runner's")
    project, running = _start(tmp_path, STEPS, "ok", "red")
    outcomes = {o.job.name: o for o in wait_jobs(running)}
    assert outcomes["ok"].returncode == 0, outcomes["ok"].output_tail()
    assert (project / "seen-ok.txt").read_text() == "job: ok target: http://target.example"
    assert outcomes["red"].returncode == 1 and "1 failed" in outcomes["red"].output_path.read_text()
    assert list(RunLayout(tmp_path / "run").results.glob("*-result.json"))  # the Allure formatter wrote there


def test_a_job_in_its_own_session_is_stopped_by_stop_jobs(tmp_path: Path, method: str) -> None:
    _, running = _start(tmp_path, HANGS, "hangs")
    stop_jobs(running, grace_s=1.0)
    assert running[0].poll() in (-signal.SIGINT, -signal.SIGKILL, 1, 2, 130)


CLEANS_UP = """from behave import given
import time

@given("the environment says so")
def step(context):
    open("started.txt", "w").write("started")
    try:
        time.sleep(60)
    finally:  # what a scenario's cleanup does on Ctrl-C: close its jobs on the server; a SIGKILL skips it
        open("cleaned-up.txt", "w").write("interrupted")
"""


def test_a_runner_started_with_ctrl_c_ignored_still_stops_its_jobs_by_interrupt(tmp_path: Path, method: str) -> None:
    """A runner started as a shell's background job has SIGINT ignored, which its jobs would inherit through exec: its
    stop (on SIGTERM, a CI's cancel) would then be ignored and end in SIGKILL, the scenario's cleanup not run, and a
    real server's jobs, each holding a GPU, left open. The job makes its stop signal an interrupt, whatever it
    inherits. (The forked case holds only when the fork server itself started with SIGINT ignored.)"""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        project, running = _start(tmp_path, CLEANS_UP, "cleans")
    finally:
        signal.signal(signal.SIGINT, previous)
    deadline = time.monotonic() + 30
    while not (project / "started.txt").exists():
        assert time.monotonic() < deadline, "the scenario never started"
        time.sleep(0.1)
    stop_jobs(running, grace_s=10.0)
    assert running[0].poll() != -signal.SIGKILL, "the job ignored its stop and was killed"
    assert (project / "cleaned-up.txt").exists(), "the scenario's cleanup did not run"
