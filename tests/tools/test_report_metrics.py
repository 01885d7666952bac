"""The run's SLA figures become Allure 3's performance metrics and quality-gate rules (from the attachments the
suite wrote, nothing measured again)."""

from __future__ import annotations

import json
from pathlib import Path

import allure
import pytest
from tools_testkit import Attacher

from support.evidence import Evidence
from tools.report import metrics

# (clause, case): the figure its scenario recorded, as support/ records it (what, title, value, unit, limit, more)
FIGURES = {
    ("2.2", "channels-quick"): ("p95", "GET /channels: 95th percentile of 20 calls", 12.5, "ms", 1000.0, {}),
    ("2.1", "live-limit"): ("end", "when the server ended the stream, at the limit", 18.0, "s", 23.0, {"low": 17.0}),
    ("3.1", "recorder-data"): ("rate", "Smart Recorder messages a second", 0.8, "msg/s", 1.0, {"better": "higher"}),
}


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "results").mkdir()
    for (spec, case), (what, title, value, unit, limit, more) in FIGURES.items():
        attach = Attacher(tmp_path / "results")
        monkeypatch.setattr(allure, "attach", attach)
        evidence = Evidence(pictures=False, scenario=case)
        evidence.metric(what, title, value, unit, limit, **more)
        evidence.close({})
        steps = [{"name": "a step", "attachments": attach.attached}]
        result = {"name": case, "status": "passed", "start": 1000, "stop": 3000, "uuid": case, "steps": steps}
        result["labels"] = [{"name": "spec", "value": spec}]
        (tmp_path / "results" / f"{case}-result.json").write_text(json.dumps(result))
    return tmp_path / "results"


def test_the_figures_come_from_the_metrics_attachments(results: Path) -> None:
    figures = {f.key: f for f in metrics.collect(results)}
    assert list(figures) == ["2.1 live-limit: end", "2.2 channels-quick: p95", "3.1 recorder-data: rate"]
    end, p95, rate = figures.values()
    assert (p95.clause, p95.value, p95.unit, p95.limit, p95.better, p95.start) == (
        "2.2",
        12.5,
        "ms",
        1000.0,
        "lower",
        1000,
    )
    assert round(p95.margin(), 4) == 0.9875  # far under its limit
    assert round(end.margin(), 3) == round((18.0 - 17.0) / 23.0, 3)  # nearer the lower bound than the upper
    assert rate.margin() < 0  # under its minimum: failing


def test_allure_gets_results_titles_units_directions_and_a_rule_per_limit(results: Path, tmp_path: Path) -> None:
    (tmp_path / "staged").mkdir()
    config = json.loads(metrics.write(results, tmp_path / "staged").read_text())
    perf = json.loads((tmp_path / "staged" / metrics.PERF_FILE).read_text())
    assert ("2.2 channels-quick: p95", 12.5, 1000, 3000) in {
        (p["key"], p["value"], p["start"], p["stop"]) for p in perf
    }
    assert len({p["id"] for p in perf}) == len(perf) == 3
    title = "2.2 channels-quick: GET /channels: 95th percentile of 20 calls (limit < 1000 ms, margin 99%)"
    shown = {"title": title, "unit": "ms", "better": "lower", "group": "2.2"}
    assert config["performance"]["metrics"]["2.2 channels-quick: p95"] == shown
    assert config["performance"]["groups"]["2.2"]["title"] == "Metadata Collection Time"
    rules = {rule["id"]: rule for rule in config["qualityGate"]["rules"]}
    assert rules["2.2 channels-quick: p95"]["metricMax"] == {
        "key": "2.2 channels-quick: p95",
        "value": 1000,
        "unit": "ms",
    }
    assert rules["2.1 live-limit: end"]["metricMax"]["value"] == 23.0
    assert rules["2.1 live-limit: end (low)"]["metricMin"]["value"] == 17.0
    assert rules["3.1 recorder-data: rate"]["metricMin"]["value"] == 1.0


def test_a_run_without_figures_gives_allure_no_metrics(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    assert metrics.write(tmp_path / "results", tmp_path / "staged") is None
