"""The soak's flake detection and wall-time figures, on result folders made by hand."""

from __future__ import annotations

import json
from pathlib import Path

from tools_testkit import ResultWriter

from tools.common.layout import RunLayout
from tools.proof import soak


def _run(base: Path, write_result: ResultWriter, index: int, red: dict[str, str], wall_s: float) -> soak.Run:
    """One run of three scenarios; `red` maps a scenario name to its status when it did not pass."""
    layout = RunLayout(base / f"run-{index}")
    for name, spec in (("metadata is quick", "2.2"), ("the exchange", "1.1"), ("a stream ends", "2.1")):
        status = red.get(name, "passed")
        write_result(layout.results, name, spec, status, "AssertionError: p95 1.3 s" if status != "passed" else "")
    layout.logs.mkdir(parents=True, exist_ok=True)
    (layout.logs / "timings.json").write_text(json.dumps({"until_report_s": wall_s}))
    return soak.read_run("quick", index, 0 if not red else 1, wall_s + 0.5, layout.base)


def test_a_scenario_that_passed_once_and_was_red_once_is_flaky(tmp_path: Path, write_result: ResultWriter) -> None:
    runs = [
        _run(tmp_path, write_result, 1, {}, 18.0),
        _run(tmp_path, write_result, 2, {"metadata is quick": "failed"}, 22.0),
        _run(tmp_path, write_result, 3, {"a stream ends": "skipped"}, 19.0),
        _run(tmp_path, write_result, 4, {"metadata is quick": "broken"}, 30.0),
    ]
    flakes = soak.flaky(runs)
    assert flakes == [
        {"scenario": "2.2 metadata-is-quick: metadata is quick", "passed": 2, "red": 2,
         "first_red": "quick run 2: AssertionError: p95 1.3 s"}
    ]  # fmt: skip
    text, data = soak.report(runs, flakes, 1)
    assert data["profiles"]["quick"] == {"runs": 4, "median_s": 20.5, "worst_s": 30.0, "not_green": [2, 3, 4]}
    assert "flaky results: 1" in text


def test_always_red_or_always_green_is_not_flaky(tmp_path: Path, write_result: ResultWriter) -> None:
    runs = [_run(tmp_path, write_result, n, {"the exchange": "failed"}, 18.0) for n in (1, 2)]
    assert soak.flaky(runs) == []


def test_the_hog_stops_by_itself() -> None:
    (hog,) = soak.start_hog(1, 0.5)
    hog.join(timeout=10)
    assert not hog.is_alive()
