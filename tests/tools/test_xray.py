"""The Xray execution file, from a real run against the embedded stand, and its upload to a fake Xray Cloud."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests
from httpfake import Canned, FakeHttp, Route, answer, serve

from stand.control import Stand
from support.errors import TargetUnreachable
from tools.ci import xray, xray_build, xray_upload
from tools.ci.run_facts import RunFacts
from tools.common.catalogue import PlannedScenario, scenarios
from tools.common.layout import FEATURES, ROOT, RunLayout
from tools.report import build as report
from tools.verdicts import xray_keys
from tools.verdicts.run_header import SpecVersion

SECRET = "s3cr3t-never-shown"
CLIENT_ID = "client-4711"
TOKEN = "token-abc.def"
# Under this fault a window without recordings answers 404 where clause 4.1 wants 400 (a product defect); 1.1 holds.
FAULT = "not-found-404"


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunLayout]:
    """Clauses 1.1 and 4.1 run by behave against a stand with one fault: 4.1 fails, 1.1 passes, the rest not run."""
    base = tmp_path_factory.mktemp("xray-run")
    layout = RunLayout(base)
    stand = Stand.up(base / "stand.env", fault=FAULT)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FOCUS_", "STAND_")) and k != "TARGET"}
        env.update(stand.focus_env, TARGET="external")
        command = [
            sys.executable, "-m", "behave", "--tags=@spec-1.1 or @spec-4.1", "--no-color",
            "features/1_rabbitmq_topology.feature", "features/4_partial_results.feature",
            "-f", "allure", "-o", str(layout.results), "--junit", "--junit-directory", str(layout.junit),
        ]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
        version = requests.get(f"{stand.focus_env['FOCUS_BASE_URL']}/live_metadata", timeout=10).json()["sw_version"]
    finally:
        stand.down()
    # What the nightly runner notes beside its results (environment.properties, timings.json).
    report.write_run_metadata(
        layout.results,
        {"profile": "quick", "target": "stand", "focus_server_sw_version": version, "suite_commit": "abc1234"},
        report.executor("quick", "stand"),
    )
    layout.logs.mkdir(parents=True, exist_ok=True)
    (layout.logs / "timings.json").write_text(json.dumps({"profile": "quick", "target": "stand"}))
    return layout


def _every_case_keyed(path: Path) -> dict[str, str]:
    cases = sorted({s.case for s in scenarios(FEATURES, ROOT) if s.case})
    keys = {case: f"PZ-{1000 + n}" for n, case in enumerate(cases)}
    path.write_text("".join(f"{case}: {key}\n" for case, key in keys.items()), encoding="utf-8")
    return keys


def _iso_with_zone(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    assert when.tzinfo is not None and when.utcoffset() is not None, text
    return when


def test_the_xray_file_of_a_real_run_has_xrays_shape(real_run: RunLayout, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.yaml"
    keys = _every_case_keyed(keys_file)
    path, unmapped = xray_build.build(real_run, FEATURES, keys_file, project="PZ", include_stand=True)
    assert path == real_run.base / "xray" / "execution.json"
    assert unmapped == []
    document = json.loads(path.read_text())
    assert set(document) == {"info", "tests"}

    info = document["info"]
    assert {"project", "summary", "description", "startDate", "finishDate", "revision", "testEnvironments"} <= set(info)
    assert info["project"] == "PZ" and info["revision"] == "abc1234"
    assert info["testEnvironments"] == ["stand"]  # the target's name only, not its API shape
    assert "focus-stand" in info["description"] and "abc1234" in info["description"]
    assert "Not a sign-off run" in info["description"]
    assert _iso_with_zone(info["startDate"]) <= _iso_with_zone(info["finishDate"])

    # One entry per scenario of the feature files: alone, or as an iteration of its outline's test.
    planned = scenarios(FEATURES, ROOT)
    tests = document["tests"]
    assert len({t["testKey"] for t in tests}) == len(tests) == len(set(keys.values()))
    names = [it["name"] for t in tests for it in t.get("iterations", [])]
    by_name = {}
    for test in tests:
        if "iterations" not in test:
            (scenario,) = [s for s in planned if s.case and keys[s.case] == test["testKey"]]
            names.append(scenario.name)
            by_name[scenario.name] = test
    assert sorted(names) == sorted(s.name for s in planned)

    for test in tests:
        assert set(test) <= {"testKey", "status", "start", "finish", "comment", "iterations", "evidence"}
        assert test["status"] in {"PASSED", "FAILED", "ABORTED", "TODO"}
        assert test["comment"]
        if "start" in test:
            assert _iso_with_zone(test["start"]) <= _iso_with_zone(test["finish"])
    failed = [by_name[s.name] for s in planned if s.spec == "4.1"]
    passed = [by_name[s.name] for s in planned if s.spec == "1.1"]
    assert failed and passed
    for test in failed:
        assert test["status"] == "FAILED" and test["comment"].startswith("product defect: ")
        assert "\n" not in test["comment"] and "start" in test
        assert len(test["evidence"]) == 1 and test["evidence"][0]["contentType"] == "text/plain"
        evidence = base64.b64decode(test["evidence"][0]["data"]).decode()
        assert len(evidence) <= xray_build.EVIDENCE_MAX_CHARS + 500 and "404" in evidence
    assert all(t["status"] == "PASSED" and "evidence" not in t and "start" in t for t in passed)
    ran = {t["testKey"] for t in failed + passed}
    not_run = [t for t in tests if t["testKey"] not in ran]
    assert not_run and all(t["status"] == "TODO" and "start" not in t for t in not_run)


def test_the_execution_names_the_clarifications_the_sign_off_and_a_known_defect(
    real_run: RunLayout, tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys.yaml"
    _every_case_keyed(keys_file)
    register = tmp_path / "known-defects.yaml"
    register.write_text(
        "jira_browse_url: https://jira.example.invalid/browse/\n"
        "defects:\n  - {key: PZ-4242, clause: '4.1', reason: refused too late, expires: 2999-01-01}\n"
    )
    path, _ = xray_build.build(real_run, FEATURES, keys_file, include_stand=True, register=register)
    document = json.loads(path.read_text())
    description = document["info"]["description"]
    assert f"Clarifications judged: October 9, 2025 (sha256 {SpecVersion.of().sha256})" in description
    assert "Sign-off: NOT valid for sign-off" in description and "known defects: PZ-4242" in description
    assert "signoff-focus-stand" in description  # the sheet's lasting name, attached by the upload
    failed = [t for t in document["tests"] if t["status"] == "FAILED"]
    assert failed and all(
        t["comment"].startswith("product defect, known defect PZ-4242 (https://jira.example.invalid/browse/PZ-4242)")
        for t in failed
    )


def test_scenarios_without_a_key_are_listed_not_dropped(real_run: RunLayout, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.yaml"
    keys_file.write_text("no-recordings-job-fails-fast: PZ-77\nno-recordings-task-fails-fast:\n")
    path, unmapped = xray_build.build(real_run, FEATURES, keys_file, include_stand=True)
    document = json.loads(path.read_text())
    assert [t["testKey"] for t in document["tests"]] == ["PZ-77"]
    cases = {s.case for s in scenarios(FEATURES, ROOT)}
    assert {u.case for u in unmapped} == cases - {"no-recordings-job-fails-fast"}
    listed = (path.parent / "unmapped.txt").read_text().splitlines()
    assert len(listed) == len(unmapped) and any("@case-no-recordings-task-fails-fast" in line for line in listed)
    # On request they go into the import for Xray to create, not keyed but described.
    path, _ = xray_build.build(real_run, FEATURES, keys_file, create_missing=True, include_stand=True)
    created = [t for t in json.loads(path.read_text())["tests"] if "testInfo" in t]
    assert len(created) == len(unmapped)
    assert all(t["testInfo"]["projectKey"] == "PZ" and t["testInfo"]["type"] == "Generic" for t in created)
    assert all(f"case-{u.case}" in t["testInfo"]["labels"] for u, t in zip(unmapped, created, strict=True))


def test_a_stand_run_uploads_nothing_unless_asked(real_run: RunLayout, tmp_path: Path, capsys) -> None:
    keys_file = tmp_path / "keys.yaml"
    _every_case_keyed(keys_file)
    xray_build.build(real_run, FEATURES, keys_file, include_stand=True)  # an older file of the same folder goes
    assert xray.main(["build", "--base", str(real_run.base), "--keys", str(keys_file)]) == 0
    said = capsys.readouterr().out
    assert "the run was on the embedded stand" in said and "nothing to upload" in said
    assert not (real_run.base / "xray" / "execution.json").exists()
    # The upload step then says so and succeeds, without asking for credentials or reaching Xray.
    fake = FakeHttp()
    with serve(fake), pytest.MonkeyPatch.context() as env:
        code = _upload(env, fake, real_run.base / "xray" / "execution.json")
    assert code == 0 and fake.requests == []
    assert "xray upload: nothing to upload: the run was on the embedded stand" in capsys.readouterr().out


def _planned(name: str, case: str, *tags: str) -> PlannedScenario:
    return PlannedScenario(name, "f.feature:1", "2.2", case, ("spec-2.2", f"case-{case}", *tags), "2.2")


def test_broken_is_failed_with_its_category_and_a_tag_key_wins(tmp_path: Path, write_result) -> None:
    results = tmp_path / "allure-results"
    write_result(
        results,
        "Unreachable",
        "2.2",
        "broken",
        "TargetUnreachable: REST refused\nat line 3",
        case="down",
        error=TargetUnreachable,
    )
    write_result(results, "Our bug", "2.2", "broken", "KeyError: 'x'", case="bug")
    write_result(results, "Skipped", "2.2", "skipped", "the target offers no task API", case="skip")
    planned = [
        _planned("Unreachable", "down", "PZ-9"),
        _planned("Our bug", "bug"),
        _planned("Skipped", "skip"),
        _planned("Slow one", "slow", "slow"),
    ]
    found = xray_build.pair(planned, xray_build.read_results(results))
    facts = RunFacts("quick", "stand", "stand", "job", "1.2.3", "abc", 2)
    keys = {"down": "PZ-1", "bug": "PZ-2", "skip": "PZ-3", "slow": "PZ-4"}
    document, unmapped = xray_build.execution(found, facts, keys)
    by_key = {t["testKey"]: t for t in document["tests"]}
    assert set(by_key) == {"PZ-9", "PZ-2", "PZ-3", "PZ-4"} and not unmapped  # the tag PZ-9 beats PZ-1
    # No verdict on the product: not FAILED, the category in the comment.
    assert by_key["PZ-9"]["status"] == "ABORTED"
    assert by_key["PZ-9"]["comment"] == "broken environment: TargetUnreachable: REST refused"
    assert by_key["PZ-2"]["status"] == "ABORTED" and by_key["PZ-2"]["comment"] == "suite defect: KeyError: 'x'"
    assert by_key["PZ-3"]["status"] == "TODO" and by_key["PZ-3"]["comment"] == "skipped: the target offers no task API"
    assert by_key["PZ-4"]["comment"] == "not run: the quick profile leaves @slow scenarios out"
    assert document["info"]["testEnvironments"] == ["stand"]
    assert "exit 2: broken environment" in document["info"]["description"]
    assert "(job API)" in document["info"]["description"]
    # A custom status of the project instead of ABORTED, when the team made one.
    custom, _ = xray_build.execution(found, facts, keys, no_verdict="NOT A VERDICT")
    assert {t["testKey"]: t["status"] for t in custom["tests"]}["PZ-9"] == "NOT A VERDICT"


def test_a_product_defect_is_failed_and_a_long_message_is_cut_with_a_marker(tmp_path: Path, write_result) -> None:
    results = tmp_path / "allure-results"
    message = "AssertionError: " + "x" * 70_000  # one line, as the 70,041-character comment was
    write_result(results, "Row 2", "2.2", "failed", message, case="outline")
    write_result(results, "Row 1", "2.2", "passed", case="outline")
    planned = [
        PlannedScenario("Row 1", "f.feature:9", "2.2", "outline", ("case-outline",), "2.2", row=(("times", "2"),)),
        PlannedScenario("Row 2", "f.feature:10", "2.2", "outline", ("case-outline",), "2.2", row=(("times", "3"),)),
    ]
    found = xray_build.pair(planned, xray_build.read_results(results))
    facts = RunFacts("nightly", "external", "staging", "both", "1.2.3", "abc", 1)
    document, _ = xray_build.execution(found, facts, {"outline": "PZ-5"})
    (test,) = document["tests"]
    assert test["status"] == "FAILED"
    assert len(test["comment"]) < xray_build.COMMENT_MAX_CHARS + 100 and "[cut: " in test["comment"]
    assert [it["parameters"] for it in test["iterations"]] == [
        [{"name": "times", "value": "2"}],
        [{"name": "times", "value": "3"}],
    ]
    assert [it["status"] for it in test["iterations"]] == ["PASSED", "FAILED"]
    assert all(len(it["log"]) < xray_build.COMMENT_MAX_CHARS + 100 for it in test["iterations"])
    evidence = base64.b64decode(test["evidence"][0]["data"]).decode()
    assert len(evidence) < xray_build.EVIDENCE_MAX_CHARS + 200 and "more characters; the full text is in" in evidence
    assert document["info"]["testEnvironments"] == ["staging"]
    assert "staging (external, both APIs)" in document["info"]["description"]


def test_a_run_without_any_scenario_result_uploads_nothing(tmp_path: Path, write_result, capsys) -> None:
    layout = RunLayout(tmp_path / "reports")
    # What a run that stopped at its preflight leaves: the preflight's red record (no clause) and not-run ones.
    write_result(layout.results, "Preflight: every part of the target answers", None, "broken", "TargetUnreachable")
    write_result(layout.results, "Metadata", "2.2", "skipped", "not run: its behave process ended before this")
    layout.logs.mkdir(parents=True)
    (layout.logs / "timings.json").write_text(json.dumps({"profile": "nightly", "target": "external"}))
    (tmp_path / "reports" / "ci").mkdir()
    (tmp_path / "reports" / "ci" / "outcome.json").write_text(json.dumps({"exit_code": 2, "target_name": "staging"}))
    assert xray.main(["build", "--base", str(layout.base)]) == 0
    out = capsys.readouterr().out
    assert "the run left no scenario result (exit 2: broken environment" in out and "nothing to upload" in out
    assert not (layout.base / "xray" / "execution.json").exists()
    assert (layout.base / "xray" / "nothing-to-upload.txt").is_file()


# --- the mapping file -------------------------------------------------------------------------------------------


def test_the_keys_file_lists_every_case_of_the_features_and_no_other() -> None:
    missing, extra = xray_build.keys_out_of_step()
    assert missing == [], (
        f"{xray_keys.DEFAULT_KEYS.name} lacks these @case tags of features/ (add `case:` lines): {missing}"
    )
    assert extra == [], f"{xray_keys.DEFAULT_KEYS.name} lists cases no feature has: {extra}"


def test_a_case_missing_from_the_keys_file_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "keys.yaml"
    lines = xray_keys.DEFAULT_KEYS.read_text().splitlines()
    copy.write_text("\n".join(line for line in lines if not line.startswith("channels-quick:")) + "\nold-case:\n")
    assert xray_build.keys_out_of_step(FEATURES, copy) == (["channels-quick"], ["old-case"])


def test_created_keys_are_written_into_the_keys_file_keeping_its_comments(tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    keys.write_text("# 2.2\nsensors-quick:\nchannels-quick: PZ-3\n")
    assert xray_build.write_keys(keys, {"sensors-quick": "PZ-10", "new-case": "PZ-11"}) == ["sensors-quick", "new-case"]
    assert keys.read_text() == "# 2.2\nsensors-quick: PZ-10\nchannels-quick: PZ-3\nnew-case: PZ-11\n"


# --- upload -----------------------------------------------------------------------------------------------------


def _execution_file(tmp_path: Path) -> Path:
    path = tmp_path / "execution.json"
    path.write_text(json.dumps({"info": {"summary": "s"}, "tests": [{"testKey": "PZ-1", "status": "PASSED"}]}))
    return path


def _upload(monkeypatch: pytest.MonkeyPatch, fake: FakeHttp, path: Path, *extra: str, base: str = "") -> int:
    monkeypatch.setenv("XRAY_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("XRAY_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("XRAY_BASE_URL", base or fake.url)
    monkeypatch.setattr(xray_upload, "BACKOFF_S", 0.01)  # the retries' waits, short for the test
    return xray.main(["upload", "--file", str(path), *extra])


def _in_turn(*answers: tuple[int, object]) -> Route:
    """A route that gives these answers one after the other, then the last again."""
    given = list(answers)

    def handler(_match: object, _body: bytes) -> Canned:
        status, body = given.pop(0) if len(given) > 1 else given[0]
        return Canned(status, body if isinstance(body, str) else json.dumps(body))

    return handler


def test_upload_authenticates_then_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    path = _execution_file(tmp_path)
    fake = FakeHttp()
    fake.answer("POST", "/api/v2/authenticate", 200, json.dumps(TOKEN))
    fake.answer("POST", "/api/v2/import/execution", 200, {"id": "10001", "key": "PZ-500", "self": "https://x/PZ-500"})
    with serve(fake):
        code = _upload(monkeypatch, fake, path)
    out = capsys.readouterr().out
    assert code == 0 and "PZ-500" in out
    assert fake.seen == ["POST /api/v2/authenticate", "POST /api/v2/import/execution"]
    auth, imported = fake.requests
    assert json.loads(auth.body) == {"client_id": CLIENT_ID, "client_secret": SECRET}
    assert imported.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(imported.body) == json.loads(path.read_text())
    assert SECRET not in out and TOKEN not in out


@pytest.mark.parametrize(
    ("failing", "status", "expected"),
    [
        ("/api/v2/authenticate", 401, "Xray refused the credentials (401 on /api/v2/authenticate)"),
        ("/api/v2/import/execution", 401, "Xray refused the credentials (401 on /api/v2/import/execution)"),
        ("/api/v2/authenticate", 500, "Xray failed (500 on /api/v2/authenticate, after retries)"),
        ("/api/v2/import/execution", 503, "Xray failed (503 on /api/v2/import/execution, after retries)"),
        ("/api/v2/import/execution", 400, f"Xray rejected the import (400 on /api/v2/import/execution): bad {SECRET}"),
    ],
)
def test_a_refusal_or_a_failing_xray_gives_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, failing: str, status: int, expected: str
) -> None:
    fake = FakeHttp()
    # Xray's error bodies echoing what they were sent must not carry the secret into the log either.
    fake.route("POST", failing, answer(status, {"error": f"bad {SECRET} {TOKEN}"}))
    fake.answer("POST", "/api/v2/authenticate", 200, json.dumps(TOKEN))
    fake.answer("POST", "/api/v2/import/execution", 200, {"key": "PZ-1"})
    with serve(fake):
        code = _upload(monkeypatch, fake, _execution_file(tmp_path))
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("xray upload failed: ")
    assert lines[0].startswith(f"xray upload failed: {expected.replace(SECRET, '***')}")
    assert SECRET not in captured.out + captured.err and TOKEN not in captured.out + captured.err


def test_a_503_is_retried_and_then_the_import_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    fake = FakeHttp()
    fake.route("POST", "/api/v2/authenticate", _in_turn((429, {"error": "slow down"}), (200, json.dumps(TOKEN))))
    fake.route("POST", "/api/v2/import/execution", _in_turn((503, "busy"), (503, "busy"), (200, {"key": "PZ-501"})))
    with serve(fake):
        code = _upload(monkeypatch, fake, _execution_file(tmp_path))
    assert code == 0 and "Test Execution PZ-501" in capsys.readouterr().out
    assert fake.seen == ["POST /api/v2/authenticate"] * 2 + ["POST /api/v2/import/execution"] * 3


def test_the_sign_off_sheet_is_attached_to_the_test_execution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    xray_dir = tmp_path / "xray"
    xray_dir.mkdir()
    path = _execution_file(xray_dir)
    (tmp_path / "signoff-focus-1.2-2026-01-01.pdf").write_bytes(b"%PDF-older")
    (tmp_path / "signoff-focus-1.2-2026-01-01.json").write_text("{}")
    os.utime(tmp_path / "signoff-focus-1.2-2026-01-01.json", (1, 1))
    (tmp_path / "signoff-focus-1.3-2026-02-01.pdf").write_bytes(b"%PDF-sheet")
    (tmp_path / "signoff-focus-1.3-2026-02-01.json").write_text('{"valid_for_signoff": true}')
    fake = FakeHttp()
    fake.answer("POST", "/api/v2/authenticate", 200, json.dumps(TOKEN))
    fake.answer("POST", "/api/v2/import/execution", 200, {"id": "1", "key": "PZ-600"})
    fake.route("POST", "/rest/api/3/issue/PZ-600/attachments", answer(200, [{"filename": "taken"}]))
    monkeypatch.setenv("JIRA_USER", "qa@example.invalid")
    monkeypatch.setenv("JIRA_API_TOKEN", "jira-token-secret")
    with serve(fake):
        monkeypatch.setenv("JIRA_BASE_URL", fake.url)
        code = _upload(monkeypatch, fake, path)
    out = capsys.readouterr().out
    assert code == 0 and "attached to PZ-600" in out and "jira-token-secret" not in out
    attached = [r for r in fake.requests if r.path.endswith("/attachments")]
    assert [r.headers["X-Atlassian-Token"] for r in attached] == ["no-check", "no-check"]
    assert b"signoff-focus-1.3-2026-02-01.pdf" in attached[0].body and b"%PDF-sheet" in attached[0].body
    assert b"signoff-focus-1.3-2026-02-01.json" in attached[1].body


def test_without_jira_credentials_the_sheet_is_not_attached_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    (tmp_path / "xray").mkdir()
    (tmp_path / "signoff-x-2026-02-01.json").write_text("{}")
    fake = FakeHttp()
    fake.answer("POST", "/api/v2/authenticate", 200, json.dumps(TOKEN))
    fake.answer("POST", "/api/v2/import/execution", 200, {"key": "PZ-601"})
    for name in ("JIRA_BASE_URL", "JIRA_USER", "JIRA_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with serve(fake):
        assert _upload(monkeypatch, fake, _execution_file(tmp_path / "xray")) == 0
    assert "sign-off sheet not attached: JIRA_BASE_URL, JIRA_USER and JIRA_API_TOKEN are not set" in (
        capsys.readouterr().out
    )


def test_a_base_url_with_api_v2_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    fake = FakeHttp()
    fake.answer("POST", "/api/v2/authenticate", 200, json.dumps(TOKEN))
    fake.answer("POST", "/api/v2/import/execution", 200, {"key": "PZ-502"})
    with serve(fake):
        assert _upload(monkeypatch, fake, _execution_file(tmp_path), base=fake.url + "/api/v2/") == 0
    assert fake.seen == ["POST /api/v2/authenticate", "POST /api/v2/import/execution"]
    assert "PZ-502" in capsys.readouterr().out
    assert xray_upload.api_base("https://xray.cloud.getxray.app/api/v2") == "https://xray.cloud.getxray.app"


def test_a_non_json_answer_is_said_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    fake = FakeHttp()
    fake.answer("POST", "/api/v2/authenticate", 200, json.dumps(TOKEN))
    fake.answer("POST", "/api/v2/import/execution", 200, "<html>Sign in</html>", content_type="text/html")
    with serve(fake):
        assert _upload(monkeypatch, fake, _execution_file(tmp_path)) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("xray upload failed: Xray answered 200 on /api/v2/import/execution with something that")
    assert "not JSON (text/html)" in line and "could not reach" not in line


def test_create_missing_writes_the_created_keys_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    path = tmp_path / "execution.json"
    info = {"projectKey": "PZ", "labels": ["focus-acceptance", "case-sensors-quick"]}
    path.write_text(json.dumps({"info": {}, "tests": [{"testInfo": info, "status": "PASSED"}]}))
    keys = tmp_path / "keys.yaml"
    keys.write_text("# 2.2\nsensors-quick:\n")
    created = {"unstructured": "features: @case-sensors-quick", "jira": {"key": "PZ-77", "labels": []}}
    fake = FakeHttp()
    fake.answer("POST", "/api/v2/authenticate", 200, json.dumps(TOKEN))
    fake.answer("POST", "/api/v2/import/execution", 200, {"id": "10500", "key": "PZ-600"})
    fake.answer("POST", "/api/v2/graphql", 200, {"data": {"getTestExecution": {"tests": {"results": [created]}}}})
    with serve(fake):
        assert _upload(monkeypatch, fake, path, "--create-missing", "--keys", str(keys)) == 0
    assert keys.read_text() == "# 2.2\nsensors-quick: PZ-77\n"
    assert json.loads(fake.requests[2].body)["variables"] == {"id": "10500"}
    assert "1 created test key(s) written to" in capsys.readouterr().out


def test_an_unreachable_xray_gives_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    fake = FakeHttp()
    with serve(fake):
        url = fake.url
    fake.url = url  # served no more: nothing listens there now
    assert _upload(monkeypatch, fake, _execution_file(tmp_path)) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"xray upload failed: could not reach Xray at {url}")


def test_an_execution_without_tests_is_not_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    path = tmp_path / "execution.json"
    path.write_text(json.dumps({"info": {"summary": "s"}, "tests": []}))
    fake = FakeHttp()
    with serve(fake):
        assert _upload(monkeypatch, fake, path) == 1
    assert fake.requests == []
    (line,) = capsys.readouterr().out.splitlines()
    assert "holds no test: no scenario has an Xray test key yet (xray-keys.yaml)" in line


def test_without_credentials_the_upload_is_skipped_with_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.delenv("XRAY_CLIENT_ID", raising=False)
    monkeypatch.setenv("XRAY_CLIENT_SECRET", "")
    path = _execution_file(tmp_path)
    assert xray.main(["upload", "--file", str(path), "--skip-without-credentials"]) == 0
    assert xray.main(["upload", "--file", str(path)]) == 2  # asked for by hand: not done is a failure
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["xray upload skipped: XRAY_CLIENT_ID and XRAY_CLIENT_SECRET are not set"] * 2
