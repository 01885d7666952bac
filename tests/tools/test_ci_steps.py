"""The CI steps about the run (tools.ci.ci_run) and the clause summary (ci_summary), on results written here."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from support.clauses import CLAUSES
from tools.ci import ci_run, ci_summary
from tools.ci.run_facts import outcome_file
from tools.common.layout import RunLayout


def _run(tmp_path: Path, write_result, profile: str = "quick", code: int | None = 1) -> RunLayout:
    layout = RunLayout(tmp_path / "reports")
    write_result(
        layout.results,
        "prisma is the only exchange besides the broker's own",
        "1.1",
        "passed",
        case="prisma-only-custom-exchange",
    )
    message = "AssertionError: 404, not 400 <img src=x onerror=alert(1)> & <b>bold</b>"
    write_result(layout.results, "Refused at once", "4.1", "failed", message, case="x")
    write_result(layout.results, "Job refused", "4.1", "passed", case="y")
    (layout.results / "environment.properties").write_text(
        "profile=quick\ntarget=stand\nfocus_server_sw_version=2.7.1\nsuite_commit=abc1234\ntarget.api=job\n"
    )
    layout.logs.mkdir(parents=True)
    (layout.logs / "timings.json").write_text(json.dumps({"profile": profile, "target": "stand"}))
    if code is not None:
        ci_run.record(layout, code, target_name="stand", profile=profile, api="auto")
    return layout


def test_the_summary_is_the_clause_table_and_says_what_the_exit_code_means(
    tmp_path: Path, write_result, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = _run(tmp_path, write_result)
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert ci_summary.main(["--base", str(layout.base)]) == 0
    text = summary.read_text()
    assert text.startswith("earlier step\n## Acceptance: quick on stand (job API) — exit 1: product defect")
    assert (layout.base / "ci" / "summary.md").read_text() == text.removeprefix("earlier step\n")
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [row.split()[1] for row in rows] == [clause.id for clause in CLAUSES]
    assert (
        "| 4.1 " in rows[6] and "| 1/2 " in rows[6] and "| failed (1 scenario(s) failed: Refused at once) |" in rows[6]
    )
    assert "| 1/1 (2 not run) |" in rows[0]  # 1.1 has three scenarios in the feature files
    assert "not a sign-off run" in text
    # The failure message is text, never HTML the summary page would render.
    assert "- 4.1 Refused at once: product defect: AssertionError: 404, not 400 &lt;img src=x" in text
    assert "<img" not in text and "<b>" not in text and "&amp; &lt;b&gt;bold&lt;/b&gt;" in text
    # No legend of every exit code at every run: one line with a link to the docs.
    assert "`2` broken environment" not in text and "← this run" not in text
    assert "[README, In CI](README.md#in-ci)" in text and "2.7.1" in text and "abc1234" in text


def test_the_summary_links_the_docs_at_the_commit_and_says_both_apis(
    tmp_path: Path, write_result, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = _run(tmp_path, write_result, code=2)
    props = layout.results / "environment.properties"
    props.write_text(props.read_text().replace("target.api=job", "target.api=both"))
    for key, value in (
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_REPOSITORY", "o/r"),
        ("GITHUB_SHA", "f00"),
    ):
        monkeypatch.setenv(key, value)
    ci_summary.main(["--base", str(layout.base), "--out", str(tmp_path / "out.md")])
    text = (tmp_path / "out.md").read_text()
    assert text.startswith("## Acceptance: quick on stand (both APIs) — exit 2: broken environment")
    assert "(https://github.com/o/r/blob/f00/README.md#in-ci)" in text and "no verdict on the product" in text


def test_a_nightly_run_is_not_called_unfit_for_sign_off(tmp_path: Path, write_result, capsys) -> None:
    layout = _run(tmp_path, write_result, profile="nightly", code=0)
    ci_summary.main(["--base", str(layout.base), "--out", str(tmp_path / "out.md")])
    text = (tmp_path / "out.md").read_text()
    assert "not a sign-off run" not in text and "exit 0: green" in text


def test_the_outcome_step_ends_with_the_runs_own_code(tmp_path: Path, write_result, capsys) -> None:
    for code, meaning in ((2, "broken environment"), (1, "product defect"), (0, "green")):
        layout = _run(tmp_path / str(code), write_result, code=code)
        assert ci_run.main(["outcome", "--base", str(layout.base)]) == code
        assert f"ended with exit {code}: {meaning}" in capsys.readouterr().out
    nothing = RunLayout(tmp_path / "none")
    assert ci_run.main(["outcome", "--base", str(nothing.base)]) == 3
    assert "no outcome recorded" in capsys.readouterr().out


def test_the_artifacts_are_gathered_where_the_upload_step_takes_them(tmp_path: Path, write_result, capsys) -> None:
    layout = _run(tmp_path, write_result)
    for name in ("index.html", "clarifications.html", "living-docs.html", "traceability.html", "traceability.md"):
        (layout.base / "allure-report-single" / name).parent.mkdir(parents=True, exist_ok=True)
        (layout.base / "allure-report-single" / name).write_text(name)
    (layout.junit / "main").mkdir(parents=True)
    (layout.junit / "main" / "TESTS-x.xml").write_text("<testsuite/>")
    ci_summary.main(["--base", str(layout.base), "--out", str(tmp_path / "s.md")])
    assert ci_run.main(["artifacts", "--base", str(layout.base)]) == 0
    out = layout.base / "ci" / "artifacts"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "clarifications.html",
        "index.html",
        "junit/main/TESTS-x.xml",
        "living-docs.html",
        "outcome.json",
        "summary.md",
        "traceability.html",
        "traceability.md",
    ]
    assert "missing" not in capsys.readouterr().out  # no sign-off sheet, no Xray file: optional ones
    (layout.base / "signoff.pdf").write_bytes(b"%PDF")
    ci_run.main(["artifacts", "--base", str(layout.base)])
    assert (out / "signoff.pdf").read_bytes() == b"%PDF"


def test_a_run_that_wrote_nothing_says_which_artifacts_are_missing(tmp_path: Path, capsys) -> None:
    assert ci_run.main(["artifacts", "--base", str(tmp_path)]) == 0
    assert "missing: index.html, clarifications.html, living-docs.html, traceability.html" in capsys.readouterr().out


def test_the_run_gets_the_deployments_settings_and_the_stand_none(monkeypatch: pytest.MonkeyPatch) -> None:
    given = {"FOCUS_BASE_URL": "https://focus", "FOCUS_VERIFY_TLS": "", "PATH": "/bin", "FOCUS_CA_BUNDLE": ""}
    assert ci_run.suite_env("staging", "job", given) == {
        "FOCUS_BASE_URL": "https://focus",
        "PATH": "/bin",
        "FOCUS_API": "job",
    }
    assert ci_run.suite_env("staging", "auto", given) == {"FOCUS_BASE_URL": "https://focus", "PATH": "/bin"}
    assert ci_run.suite_env("stand", "job", given) == {"PATH": "/bin"}
    # README's command, which keeps the run's exit code (make would say 2 for every failing run).
    assert ci_run.acceptance_command("stand", "quick", "job") == [
        "./acceptance",
        *("--profile", "quick", "--target", "stand", "--api", "job"),
    ]
    assert ci_run.acceptance_command("staging", "nightly", "auto") == [
        "./acceptance",
        *("--profile", "nightly", "--target", "external"),
    ]


def test_an_environment_without_its_settings_is_a_broken_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("FOCUS_BASE_URL", "")  # an unset GitHub variable arrives empty
    layout = RunLayout(tmp_path)
    assert ci_run.acceptance(layout, "staging", "nightly", "auto") == 2
    assert "FOCUS_BASE_URL is not set" in capsys.readouterr().out
    assert json.loads(outcome_file(layout).read_text())["exit_code"] == 2


def test_a_cancelled_run_is_waited_for_and_its_own_code_kept() -> None:
    """SIGTERM to the CI step reaches the run, which stops its parts and exits 130: that is the code kept."""
    child = "import signal, sys, time\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(130))\ntime.sleep(30)"
    threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()
    assert ci_run.run_to_its_end([sys.executable, "-c", child], os.environ) == 130
    assert time.monotonic() - started < 10
