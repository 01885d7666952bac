"""The results as the report shows them: a skip says why, in no Error box, filed by kind; an Xray key is a tms link;
a known defect carries its Jira issue and an Allure resolution."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from tools.report import results_view

BROWSE = "https://jira.example/browse/"


def _stage(tmp_path: Path, *results: dict, known: dict | None = None) -> tuple[dict[str, dict], Path | None]:
    (tmp_path / "results").mkdir()
    for data in results:
        (tmp_path / "results" / f"{data['uuid']}-result.json").write_text(json.dumps(data))
    row = SimpleNamespace(
        id="4.3",
        verdict_text="failed",
        scenarios=[SimpleNamespace(result=SimpleNamespace(uuid=u), known_defect=d) for u, d in (known or {}).items()],
    )
    sheet = SimpleNamespace(rows=[row], register=SimpleNamespace(browse_url=BROWSE))
    rules = results_view.stage(tmp_path / "results", tmp_path / "shown", [], sheet)
    shown = {p.name.split("-")[0]: json.loads(p.read_text()) for p in (tmp_path / "shown").glob("*-result.json")}
    return shown, rules


def _result(uuid: str, status: str, message: str = "", *labels: tuple[str, str]) -> dict:
    tags = [{"name": name, "value": value} for name, value in labels]
    return {"uuid": uuid, "name": uuid, "status": status, "statusDetails": {"message": message}, "labels": tags}


def test_skips_say_why_in_words_without_an_error_box(tmp_path: Path) -> None:
    offered = _result("a", "skipped", "needs the task API", ("offered", "no"))
    ended = _result("b", "skipped", f"not reached: {results_view.NEVER_REACHED}")
    shown, _ = _stage(
        tmp_path, offered, ended, _result("c", "skipped"), _result("d", "passed", "", ("clause", "4.3 Heading"))
    )
    kinds = {uuid: [x["value"] for x in data["labels"] if x["name"] == "skipped_as"] for uuid, data in shown.items()}
    assert kinds == {"a": ["not offered"], "b": ["process ended"], "c": ["not run"], "d": []}
    assert shown["a"]["statusDetails"] == {}
    assert {"name": "clause", "value": "4.3 Heading · failed"} in shown["d"]["labels"]  # the group names its verdict
    assert "<b>Not offered</b>: needs the task API; skipped, never passed" in shown["a"]["descriptionHtml"]


def test_an_xray_key_links_and_a_known_defect_is_a_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results_view, "xray_key", lambda case: "PZ-13602" if case == "x" else None)
    said = {"reason": "the hole is filled", "expires": date(2099, 1, 1), "label": "known defect PZ-1"}
    defect = SimpleNamespace(key="PZ-1", url=BROWSE + "PZ-1", **said)
    failed = _result("f", "failed", "boom", ("tag", "case-x")) | {"testCaseId": "tc-f"}
    shown, rules = _stage(tmp_path, failed, known={"f": defect})
    links = {link["type"]: link for link in shown["f"]["links"]}
    assert links["tms"] == {"type": "tms", "name": "Xray PZ-13602", "url": BROWSE + "PZ-13602"}
    assert links["issue"]["url"] == BROWSE + "PZ-1" and "Still a product defect" in shown["f"]["descriptionHtml"]
    resolution = json.loads(rules.read_text())
    assert resolution["rules"] == [
        {"resolution": "issue", "issue": {"id": "PZ-1", "type": "jira"}, "testCaseId": ["tc-f"]}
    ]
