"""What the terminal shows while behave runs: each ended scenario, and the running ones against the 180 s floor."""

from __future__ import annotations

import io
import time
from pathlib import Path

from tools.common.catalogue import PlannedScenario
from tools.run.behave_runs import BehaveJob, RunningJob
from tools.run.progress import ProgressBoard


def _job(name: str, slow: bool, count: int = 1) -> RunningJob:
    scenario = PlannedScenario("A stream ends at the limit", "f.feature:3", "2.1", "limit-reached", ("slow",), "F")
    job = BehaveJob(name, (scenario,) * count, slow)
    return RunningJob(job, process=None, output=None, events_path=Path("/nonexistent"))  # type: ignore[arg-type]


def test_slow_scenarios_show_their_time_against_the_floor_and_the_rest_its_count() -> None:
    stream = io.StringIO()
    board = ProgressBoard(floor_s=180, stream=stream, interactive=False, heartbeat_s=0)
    slow, rest = _job("slow-limit-reached", True), _job("main", False, count=3)
    slow.current = {"event": "start", "t": time.time() - 42, "spec": "2.1", "case": "limit-reached"}
    rest.finished = [
        {
            "event": "end",
            "spec": "1.1",
            "case": "only-prisma",
            "name": "Only prisma",
            "status": "passed",
            "duration_s": 0.4,
        }
    ]
    rest.current = {"event": "start", "spec": "4.3", "case": "holes", "name": "Holes"}
    board([slow, rest])
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("  ✔ 1.1 only-prisma")
    assert "(0.4 s)" in lines[0]
    assert "2.1 limit-reached: 42/180 s" in lines[1]
    assert "main: 1/3, now 4.3 holes" in lines[1]


def test_an_ended_scenario_prints_once_and_failures_are_marked() -> None:
    stream = io.StringIO()
    board = ProgressBoard(stream=stream, interactive=False, heartbeat_s=3600)
    rest = _job("main", False, count=2)
    rest.finished = [{"event": "end", "spec": "4.1", "case": "no-rec", "name": "x", "status": "failed"}]
    board([rest])
    board([rest])
    assert stream.getvalue().count("✘ 4.1 no-rec") == 1
