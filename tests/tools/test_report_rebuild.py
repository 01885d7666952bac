"""A rebuilt report replaces its run's entry in the trends instead of counting the run twice."""

from __future__ import annotations

import json
from hashlib import md5
from pathlib import Path

from tools.common.layout import RunLayout
from tools.report.build import forget_run, last_run


def _results(folder: Path, *uuids: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for uuid in uuids:
        (folder / f"{uuid}-result.json").write_text(json.dumps({"uuid": uuid, "name": uuid}))
    return folder


def _entry(*uuids: str) -> str:
    results = {f"h{i}": {"id": md5(uuid.encode()).hexdigest()} for i, uuid in enumerate(uuids)}
    return json.dumps({"uuid": "run", "testResults": results})


def test_the_last_entry_of_these_very_results_is_dropped(tmp_path: Path) -> None:
    results = _results(tmp_path / "results", "a", "b")
    history = tmp_path / "history.jsonl"
    history.write_text(f"{_entry('x', 'y')}\n{_entry('a', 'b')}\n")
    assert forget_run(history, results)
    assert history.read_text() == f"{_entry('x', 'y')}\n"


def test_an_entry_of_other_results_stays(tmp_path: Path) -> None:
    results = _results(tmp_path / "results", "a", "b")
    history = tmp_path / "history.jsonl"
    kept = f"{_entry('a', 'b')}\n{_entry('a')}\n"  # the last entry is another run (fewer results)
    history.write_text(kept)
    assert not forget_run(history, results)
    assert history.read_text() == kept
    assert not forget_run(tmp_path / "absent.jsonl", results)


def test_the_run_noted_by_the_runner(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path)
    assert last_run(layout) is None
    layout.logs.mkdir(parents=True)
    (layout.logs / "timings.json").write_text(json.dumps({"profile": "quick", "target": "external", "total_s": 1}))
    assert last_run(layout) == ("quick", "external")
