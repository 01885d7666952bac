"""The run as the QA team's Windows runner runs it (issue 24): `py -m tools.run.nightly` with Python alone on PATH,
behave processes spawned (no fork server), a cp1252 console and an ASCII locale, against a stand of production's
shape (job API only); a down target asked once (issue 25); then the results become the report and sign-off sheet.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from httpfake import closed_port
from tools_testkit import needs_allure, needs_chromium

from stand.control import Stand
from tools.common.layout import ROOT, RunLayout
from tools.common.results import Kind, read_results
from tools.run.behave_runs import START_METHOD_ENV

NOT_ON_PATH = ("git", "make", "bash", "sh", "node", "python", "python3")


@pytest.fixture(scope="module")
def python_alone(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of the Windows runner's run step, as far as this machine can play it."""
    folder = tmp_path_factory.mktemp("python-alone")
    venv = (ROOT / ".venv").resolve()
    (folder / "bin").mkdir()
    (folder / "bin" / "py").symlink_to(venv / "bin" / "python")
    # A venv's Python finds its packages by the pyvenv.cfg above its own folder: the link gets the project's.
    shutil.copy(venv / "pyvenv.cfg", folder / "pyvenv.cfg")
    (folder / "lib").symlink_to(venv / "lib")
    env = {
        "PATH": str(folder / "bin"),
        "HOME": str(folder),
        "PYTHONIOENCODING": "cp1252",  # the console
        "LC_ALL": "C",  # with the two below: the locale's encoding is ASCII, not UTF-8
        "PYTHONCOERCECLOCALE": "0",
        "PYTHONUTF8": "0",
        START_METHOD_ENV: "spawn",
        "PYTHONUNBUFFERED": "1",
    }
    assert [tool for tool in NOT_ON_PATH if shutil.which(tool, path=env["PATH"])] == []
    return env


@pytest.fixture(scope="module")
def production_shape(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A stand of production's shape (the job API's six routes): its FOCUS_* variables."""
    stand = Stand.up(tmp_path_factory.mktemp("stand") / "stand.env", extra_args=["--api", "job"])
    try:
        yield stand.focus_env
    finally:
        stand.down()


def _py(base: Path, *args: str) -> list[str]:
    # No --results-only: without Node on PATH the run writes its results alone, as on the Windows runner.
    return ["py", "-m", "tools.run.nightly", "--target", "external", "--base", str(base), *args]


def _run(env: dict[str, str], base: Path, *args: str) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        _py(base, *args), cwd=ROOT, env=env, capture_output=True, timeout=300, stdin=subprocess.DEVNULL
    )
    output = (done.stdout + done.stderr).decode("cp1252")  # what the console shows
    (base / "console.txt").write_text(output, encoding="utf-8")
    return done.returncode, output, time.monotonic() - started


def _behave_processes_of(base: Path) -> list[str]:
    """Pids of processes still running whose command line names behave and the run's folder (its behave processes)."""
    found = subprocess.run(["pgrep", "-f", f"behave.*{base}"], capture_output=True, text=True, encoding="utf-8")
    return found.stdout.split()


@pytest.fixture(scope="module")
def quick_run(
    python_alone: dict[str, str], production_shape: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, str, RunLayout]:
    base = tmp_path_factory.mktemp("quick") / "reports"
    code, output, _ = _run({**python_alone, **production_shape}, base, "--profile", "quick")
    return code, output, RunLayout(base)


def test_the_quick_run_with_python_alone_on_a_cp1252_console(quick_run: tuple[int, str, RunLayout]) -> None:
    code, output, layout = quick_run
    assert code == 0, output[-3000:]
    assert "Traceback" not in output and "UnicodeEncodeError" not in output
    assert "target API: job API only (detected)" in output
    assert "time 0:00 (floor 3:00)" in output  # ⏱ in plain text: the console has no such character
    assert "No Recordings -> Fail-Fast" in output  # a clause title's →, too
    facts = json.loads(layout.facts.read_text(encoding="utf-8"))
    assert (facts["exit_code"], facts["report_built"], facts["environment"]["target.api"]) == (0, False, "job")
    results = read_results(layout.results)
    assert results and all(result.kind is not Kind.SUITE for result in results)
    assert "results only (no Node here to run the Allure report tool)" in output
    assert not (layout.report / "index.html").exists()  # the run built no report: Node is not here
    assert _behave_processes_of(layout.base) == []


@needs_allure
@needs_chromium
def test_its_results_become_the_report_and_the_signoff_sheet_here(quick_run: tuple[int, str, RunLayout]) -> None:
    """The workflow's report job, on this machine: one command, from the results alone."""
    _, _, layout = quick_run
    done = subprocess.run(
        [sys.executable, "-m", "tools.ci.ci_run", "publish", "--base", str(layout.base)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "publish: the results of quick on external (job API) (exit 0, green" in done.stdout
    for built in ("allure-report-single/index.html", "allure-report/traceability.html", "signoff.html", "signoff.pdf"):
        assert (layout.base / built).is_file(), built
    assert (layout.base / "xray").is_dir()


def test_a_down_target_is_one_line_at_the_start_and_no_scenario_runs(
    python_alone: dict[str, str], production_shape: dict[str, str], tmp_path: Path
) -> None:
    base = tmp_path / "reports"
    url = f"http://127.0.0.1:{closed_port()}/focus-server"
    env = {**python_alone, **production_shape, "FOCUS_BASE_URL": url}
    code, output, seconds = _run(env, base, "--profile", "nightly")
    line = f"Target unreachable: Focus Server REST at {url} (connection refused)"
    assert code == 2, output
    assert seconds < 10, f"{seconds:.1f} s"  # over within seconds
    lines = output.splitlines()
    assert lines[1] == line, lines[:3]  # at the start, after the plan
    assert output.count(url) == 1, output  # said once, not once per behave process
    assert "Traceback" not in output
    layout = RunLayout(base)
    started = [p for p in layout.logs.glob("*.events.jsonl") if p.read_text(encoding="utf-8").strip()]
    assert started == []  # no behave process ran a scenario
    broken = [r for r in read_results(layout.results) if r.status == "broken"]
    assert [(r.kind, r.message) for r in broken] == [(Kind.ENVIRONMENT, f"TargetUnreachable: {line}")]
    assert (layout.junit / "preflight" / "TESTS-preflight.xml").is_file()
    assert json.loads((layout.logs / "preflight.json").read_text(encoding="utf-8"))["line"] == line  # asked once
    assert json.loads(layout.facts.read_text(encoding="utf-8"))["exit_code"] == 2
    assert _behave_processes_of(base) == []


def test_ctrl_c_stops_the_behave_processes_and_exits_130(
    python_alone: dict[str, str], production_shape: dict[str, str], tmp_path: Path
) -> None:
    """Ctrl-C reaches the runner alone (its behave processes have groups of their own, as on Windows); it stops them."""
    base = tmp_path / "reports"
    env = {**python_alone, **production_shape}
    with (tmp_path / "console.txt").open("wb") as console:
        runner = subprocess.Popen(
            _py(base, "--profile", "nightly"), cwd=ROOT, env=env, stdout=console, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 120
            while not any(p.stat().st_size for p in (base / "logs").glob("slow-*.events.jsonl")):
                assert runner.poll() is None and time.monotonic() < deadline, "no slow scenario started"
                time.sleep(0.2)
            runner.send_signal(signal.SIGINT)
            code = runner.wait(timeout=60)
        finally:
            if runner.poll() is None:
                runner.kill()
    output = (tmp_path / "console.txt").read_bytes().decode("cp1252")
    assert code == 130, output[-2000:]
    assert "interrupted: behave jobs and the stand stopped" in output
    assert _behave_processes_of(base) == []
    assert json.loads(RunLayout(base).facts.read_text(encoding="utf-8"))["exit_code"] == 130
