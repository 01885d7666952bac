"""A report built again for the same run keeps one entry of it in the history; the run as the runner noted it."""

from __future__ import annotations

import json
from pathlib import Path

from tools.common.layout import RunLayout
from tools.report.build import _one_entry_per_run, last_run


def test_a_rebuilt_run_replaces_its_entry_and_a_new_run_adds_one(tmp_path: Path) -> None:
    history = tmp_path / "history" / "history-stand-nightly.jsonl"
    results = tmp_path / "results"
    results.mkdir()
    (results / "environment.properties").write_text("target=stand\nrun_id=r1\n")
    _one_entry_per_run(history, results)  # the first build of r1, before Allure appends
    history.write_text('{"run": "r1"}\n')
    _one_entry_per_run(history, results)  # r1 built again (after make mutation): its entry goes first
    assert history.read_text() == ""
    history.write_text('{"run": "r1"}\n')
    (results / "environment.properties").write_text("run_id=r2\n")
    _one_entry_per_run(history, results)  # another run keeps it
    assert history.read_text() == '{"run": "r1"}\n'


def test_the_run_noted_by_the_runner(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path)
    assert last_run(layout) is None
    layout.logs.mkdir(parents=True)
    layout.facts.write_text(json.dumps({"profile": "quick", "target": "external", "exit_code": 0}))
    assert last_run(layout) == ("quick", "external")
