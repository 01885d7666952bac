"""A report built again for the same run keeps one entry of it in the history; the run as its metadata names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.common.layout import RunLayout
from tools.report import build
from tools.report.build import _one_entry_per_run


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


def test_a_rebuild_is_of_the_run_its_metadata_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    monkeypatch.setattr(build, "build_pages", lambda *args: None)
    monkeypatch.setattr(build, "generate", lambda layout, **run: built.append(run))
    layout = RunLayout(tmp_path)
    build.rebuild(layout)
    layout.results.mkdir(parents=True)
    (layout.results / "environment.properties").write_text("target=external\nprofile=quick\n")
    build.rebuild(layout)
    build.rebuild(layout, profile="nightly")
    assert [(run["profile"], run["target"]) for run in built] == [
        ("nightly", "stand"),
        ("quick", "external"),
        ("nightly", "external"),
    ]
