"""The Xray execution file, from results written here and the register's keys, and its upload to a fake Xray Cloud."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest
from httpfake import Canned, FakeHttp, Route, answer, serve
from tenacity import wait_none

from support.clauses import CASES, CLAUSES
from support.errors import TargetUnreachable
from tools.ci import xray
from tools.common.layout import FEATURES, RunLayout

SECRET, CLIENT_ID, TOKEN = "s3cr3t-never-shown", "client-4711", "token-abc.def"
OUTLINE = "job-queue-pattern"  # 1.2: one outline, a row per API
ROWS = [
    "A running task has a queue of its own, named after its id with a suffix, bound to prisma",
    "A running job has a queue of its own, named after its id with a suffix, bound to prisma",
]
KEYS = {"a": "PZ-1", "b": "PZ-2", "c": "PZ-3", "d": "PZ-4", "e": "PZ-5", "long": "PZ-6", OUTLINE: "PZ-9"}


def _run(tmp_path: Path, write_result, target: str = "external", name: str = "staging") -> RunLayout:
    layout = RunLayout(tmp_path / "reports")
    write_result(layout.results, "Passes", "1.1", "passed", case="a")
    write_result(layout.results, "Fails", "4.1", "failed", "AssertionError: 404, not 400\nmore", case="b")
    write_result(
        layout.results, "Unreachable", "2.2", "broken", "the target went away", case="c", error=TargetUnreachable
    )
    write_result(layout.results, "Ours", "3.1", "broken", "KeyError: 'x'", case="d")
    write_result(layout.results, "Skipped", "2.1", "skipped", "the target offers no task API", case="e")
    write_result(layout.results, "No key", "2.3", "passed", case="unkeyed")
    write_result(layout.results, ROWS[0], "1.2", "passed", case=OUTLINE)
    write_result(layout.results, ROWS[1], "1.2", "failed", "AssertionError: no queue", case=OUTLINE)
    (layout.results / "environment.properties").write_text(
        f"profile=nightly\ntarget={target}\nfocus_server_sw_version=2.7.1\nsuite_commit=abc1234\ntarget.api=job\n"
    )
    layout.logs.mkdir(parents=True)
    layout.facts.write_text(json.dumps({"profile": "nightly", "target_name": name, "exit_code": 1}))
    return layout


def _build(layout: RunLayout, monkeypatch: pytest.MonkeyPatch, *extra: str, features: Path | None = None) -> dict:
    monkeypatch.setattr(xray, "xray_key", KEYS.get)
    features = features or layout.base / "no-features"
    assert xray.main(["build", "--base", str(layout.base), "--features", str(features), *extra]) == 0
    path = layout.base / "xray" / "execution.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def test_each_ending_has_its_xray_status_and_a_failure_its_evidence(tmp_path, write_result, monkeypatch) -> None:
    layout = _run(tmp_path, write_result)
    write_result(layout.results, "Long", "4.2", "failed", "x" * 70_000, case="long")
    document = _build(layout, monkeypatch)
    tests = {test["testKey"]: test for test in document["tests"]}
    said = {key: (test["status"], test["comment"]) for key, test in tests.items()}
    assert said["PZ-1"] == ("PASSED", "passed")
    assert len(said["PZ-6"][1]) < 1200 and said["PZ-6"][1].endswith("; the full text is in the run's report]")
    assert "[cut: 66000 more characters" in base64.b64decode(tests["PZ-6"]["evidence"][0]["data"]).decode()
    assert said["PZ-2"] == ("FAILED", "product defect: AssertionError: 404, not 400")
    assert said["PZ-3"] == ("ABORTED", "broken environment: the target went away")  # no verdict on the product
    assert said["PZ-4"] == ("ABORTED", "suite defect: KeyError: 'x'")
    assert said["PZ-5"] == ("TODO", "the target offers no task API")
    evidence = tests["PZ-2"]["evidence"][0]
    assert evidence["filename"] == "b-failure.txt" and "more" in base64.b64decode(evidence["data"]).decode()
    assert "evidence" not in tests["PZ-1"] and tests["PZ-1"]["start"].endswith("+00:00")
    info = document["info"]
    assert info["testEnvironments"] == ["staging"] and info["revision"] == "abc1234" and info["project"] == "PZ"
    assert "Product version (sw_version): 2.7.1" in info["description"] and "exit 1" in info["description"]
    assert "unkeyed" in (tmp_path / "reports" / "xray" / "unmapped.txt").read_text()


def test_an_outlines_rows_are_iterations_of_one_test_and_a_custom_status(tmp_path, write_result, monkeypatch) -> None:
    monkeypatch.setenv("XRAY_NO_VERDICT_STATUS", "not a verdict")
    document = _build(_run(tmp_path, write_result), monkeypatch, "--test-plan", "PZ-100", features=FEATURES)
    assert {t["testKey"]: t["status"] for t in document["tests"]}["PZ-3"] == "NOT A VERDICT"
    assert document["info"]["testPlanKey"] == "PZ-100"
    (outline,) = [test for test in document["tests"] if test["testKey"] == "PZ-9"]
    assert outline["status"] == "FAILED" and [i["status"] for i in outline["iterations"]] == ["PASSED", "FAILED"]
    assert outline["comment"] == f"{ROWS[1]}: product defect: AssertionError: no queue"
    assert all(i["parameters"] and i["parameters"][0]["name"] != "scenario" for i in outline["iterations"])
    assert [e["filename"] for e in outline["evidence"]] == [f"{OUTLINE}-row2-failure.txt"]


def test_a_stand_run_or_one_without_results_uploads_nothing_and_says_why(tmp_path, write_result, monkeypatch) -> None:
    stand = _run(tmp_path / "stand", write_result, target="stand", name="stand")
    assert _build(stand, monkeypatch) == {}
    assert "embedded stand" in (stand.base / "xray" / xray.NOTHING).read_text()
    assert _build(stand, monkeypatch, "--include-stand")["tests"]
    empty = RunLayout(tmp_path / "empty")
    write_result(empty.results, "Target unreachable", None, "broken", "connection refused")  # the preflight's
    assert _build(empty, monkeypatch) == {}
    assert "left no scenario result" in (empty.base / "xray" / xray.NOTHING).read_text()
    assert xray.main(["upload", "--file", str(empty.base / "xray" / "execution.json")]) == 0


def test_the_keys_are_the_registers(tmp_path, write_result, monkeypatch) -> None:
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]*-\d+", key) for c in CLAUSES for key in c.cases.values() if key)
    monkeypatch.setitem(CASES, "a", replace(CLAUSES[0], cases=MappingProxyType({"a": "PZ-77"})))
    layout = _run(tmp_path, write_result)
    assert xray.main(["build", "--base", str(layout.base), "--features", str(tmp_path / "none")]) == 0
    document = json.loads((layout.base / "xray" / "execution.json").read_text())
    assert [test["testKey"] for test in document["tests"]] == ["PZ-77"]


def _upload(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, base: str) -> int:
    path = tmp_path / "execution.json"
    path.write_text(json.dumps({"info": {"summary": "s"}, "tests": [{"testKey": "PZ-1", "status": "PASSED"}]}))
    monkeypatch.setenv("XRAY_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("XRAY_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("XRAY_BASE_URL", base)
    monkeypatch.setattr(xray._post.retry, "wait", wait_none())  # the retries' waits, none in the test
    return xray.main(["upload", "--file", str(path)])


def _in_turn(*answers: tuple[int, str]) -> Route:
    """These answers one after the other."""
    given = iter(answers)
    return lambda _match, _body: Canned(*next(given))


def test_upload_authenticates_then_imports_retrying_a_busy_xray(tmp_path, monkeypatch, capsys) -> None:
    fake = FakeHttp()
    fake.route("POST", "/api/v2/authenticate", _in_turn((429, "slow down"), (200, json.dumps(TOKEN))))
    fake.route("POST", "/api/v2/import/execution", _in_turn((503, "busy"), (200, '{"key": "PZ-501"}')))
    with serve(fake):
        code = _upload(monkeypatch, tmp_path, fake.url + "/api/v2/")  # the team's config names it so
    out = capsys.readouterr().out
    assert code == 0 and "Test Execution PZ-501" in out and SECRET not in out and TOKEN not in out
    assert fake.seen == ["POST /api/v2/authenticate"] * 2 + ["POST /api/v2/import/execution"] * 2
    auth, imported = fake.requests[1], fake.requests[3]
    assert json.loads(auth.body) == {"client_id": CLIENT_ID, "client_secret": SECRET}
    assert imported.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("failing", "status", "expected"),
    [
        ("/api/v2/authenticate", 401, "Xray refused the credentials (401 on /api/v2/authenticate)"),
        ("/api/v2/import/execution", 503, "Xray failed (503 on /api/v2/import/execution, after retries)"),
        (
            "/api/v2/import/execution",
            400,
            'Xray rejected the import (400 on /api/v2/import/execution): {"error": "bad ***',
        ),
        ("/api/v2/import/execution", 200, "Xray answered /api/v2/import/execution with something that is not JSON"),
    ],
)
def test_a_refusal_or_a_failing_xray_is_one_line_without_the_secret(
    tmp_path, monkeypatch, capsys, failing: str, status: int, expected: str
) -> None:
    fake = FakeHttp()  # an error body echoing what it was sent must not carry the secret into the log
    body = "<html>login</html>" if status == 200 else {"error": f"bad {SECRET} {TOKEN}"}
    fake.route("POST", failing, answer(status, body, "text/html" if status == 200 else "application/json"))
    fake.answer("POST", "/api/v2/authenticate", 200, json.dumps(TOKEN))
    with serve(fake):
        code = _upload(monkeypatch, tmp_path, fake.url)
    out = capsys.readouterr().out
    assert code == 1 and out.startswith(f"xray upload failed: {expected}") and len(out.splitlines()) == 1
    assert SECRET not in out and TOKEN not in out


def test_an_unreachable_xray_or_no_credentials_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    assert _upload(monkeypatch, tmp_path, "http://127.0.0.1:9") == 1
    assert (
        capsys.readouterr().out == "xray upload failed: could not reach Xray at http://127.0.0.1:9: ConnectionError\n"
    )
    monkeypatch.delenv("XRAY_CLIENT_SECRET")
    assert xray.main(["upload", "--file", str(tmp_path / "execution.json")]) == 2
    assert xray.main(["upload", "--file", str(tmp_path / "execution.json"), "--skip-without-credentials"]) == 0
    assert capsys.readouterr().out.count("xray upload skipped: XRAY_CLIENT_ID and XRAY_CLIENT_SECRET are not set") == 2
