"""The CI steps about a finished run (tools.ci.ci_run: summary, outcome, artifacts, release-tag), on results written
here as the runner leaves them (environment.properties, logs/run.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.clauses import CLAUSES
from tools.ci import ci_run
from tools.common.layout import RunLayout


def _run(tmp_path: Path, write_result, profile: str = "quick", code: int | None = 1, api: str = "job") -> RunLayout:
    layout = RunLayout(tmp_path / "reports")
    write_result(layout.results, "prisma is the only exchange besides the broker's own", "1.1", "passed",
                 case="prisma-only-custom-exchange")  # fmt: skip
    message = "AssertionError: 404, not 400"
    write_result(layout.results, "Refused at once", "4.1", "failed", message, case="no-recordings-task-fails-fast")
    (layout.results / "environment.properties").write_text(
        f"profile={profile}\ntarget=external\nfocus_server_sw_version=2.7.1 (beta)\nsuite_commit=abc1234\n"
        f"target.api={api}\n"
    )
    layout.logs.mkdir(parents=True)
    layout.facts.write_text(json.dumps({"profile": profile, "target_name": "kefar_saba", "exit_code": code}))
    return layout


def test_the_summary_is_the_clause_table_and_says_what_the_exit_code_means(tmp_path, write_result, monkeypatch) -> None:
    layout = _run(tmp_path, write_result)
    page = tmp_path / "step-summary.md"
    page.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(page))
    assert ci_run.main(["summary", "--base", str(layout.base)]) == 0
    text = page.read_text()
    assert text.startswith("earlier step\n## Acceptance: quick on kefar_saba (job API) — exit 1: product defect")
    assert (layout.base / "ci" / "summary.md").read_text() == text.removeprefix("earlier step\n")
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [row.split()[1] for row in rows] == [clause.id for clause in CLAUSES]
    assert "| 0/1 (2 not run) | failed (1 scenario(s) failed: Refused at once) |" in rows[6]
    assert "| 1/1 (2 not run) |" in rows[0]  # 1.1 has three scenarios in the feature files
    assert "not a sign-off run" in text and "2.7.1 (beta)" in text and "[README, In CI](README.md#in-ci)" in text


def test_a_nightly_summary_links_the_docs_at_its_commit_and_shows_what_a_run_wrote_as_text(
    tmp_path, write_result, monkeypatch
) -> None:
    for key, value in (("GITHUB_SERVER_URL", "https://github.com"), ("GITHUB_REPOSITORY", "o/r"), ("GITHUB_SHA", "f0")):
        monkeypatch.setenv(key, value)
    layout = _run(tmp_path, write_result, profile="nightly", code=2, api="both")
    write_result(layout.results, "Refused <img src=x onerror=alert(1)> & <b>bold</b> | x", "4.2", "failed", case="z")
    text = ci_run.summary(layout)
    assert text.startswith("## Acceptance: nightly on kefar_saba (both APIs) — exit 2: broken environment")
    assert "(https://github.com/o/r/blob/f0/README.md#in-ci)" in text and "not a sign-off run" not in text
    assert "<img" not in text and "<b>" not in text and "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;" in text
    assert "bold&lt;/b&gt; \\| x" in text  # GitHub renders HTML in a summary; a | of the text splits no cell


@pytest.mark.parametrize(("code", "meaning"), [(0, "green"), (1, "product defect"), (2, "broken"), (4, "not verified")])
def test_the_outcome_step_ends_with_the_runs_own_code(tmp_path, write_result, capsys, code: int, meaning: str) -> None:
    layout = _run(tmp_path, write_result, code=code)
    assert ci_run.main(["outcome", "--base", str(layout.base)]) == code
    assert f"acceptance (quick on kefar_saba (job API)) ended with exit {code}: {meaning}" in capsys.readouterr().out


def test_a_run_that_did_not_end_is_a_suite_defect_and_its_artifacts_say_what_is_missing(tmp_path, capsys) -> None:
    assert ci_run.main(["outcome", "--base", str(tmp_path)]) == 3
    assert "no outcome recorded" in capsys.readouterr().out
    assert ci_run.main(["artifacts", "--base", str(tmp_path)]) == 0
    assert "missing: index.html, clarifications.html, living-docs.html, traceability.html" in capsys.readouterr().out


def test_the_artifacts_are_gathered_where_the_upload_step_takes_them(tmp_path, write_result, capsys) -> None:
    layout = _run(tmp_path, write_result, code=4)
    layout.single_file.mkdir()
    for name in ("index.html", "clarifications.html", "living-docs.html", "traceability.html", "traceability.md"):
        (layout.single_file / name).write_text(name)
    (layout.junit / "main").mkdir(parents=True)
    (layout.junit / "main" / "TESTS-x.xml").write_text("<testsuite/>")
    ci_run.main(["summary", "--base", str(layout.base), "--out", str(tmp_path / "s.md")])
    assert ci_run.main(["artifacts", "--base", str(layout.base)]) == 0
    out = layout.base / "ci" / "artifacts"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "clarifications.html", "index.html", "junit/main/TESTS-x.xml", "living-docs.html", "outcome.json",
        "summary.md", "traceability.html", "traceability.md",
    ]  # fmt: skip
    assert "missing" not in capsys.readouterr().out  # no sign-off PDF, no Xray file: optional
    gathered = json.loads((out / "outcome.json").read_text())
    assert (gathered["exit_code"], gathered["meaning"].split(":")[0]) == (4, "not verified")
    (layout.base / "signoff.pdf").write_bytes(b"%PDF")
    ci_run.main(["artifacts", "--base", str(layout.base)])
    assert (out / "signoff.pdf").read_bytes() == b"%PDF"


def test_the_release_tag_is_the_product_version_or_none(tmp_path, write_result, capsys) -> None:
    layout = _run(tmp_path, write_result)
    assert ci_run.main(["release-tag", "--base", str(layout.base)]) == 0
    assert capsys.readouterr().out == "signoff-2.7.1_beta\n"  # the characters a tag may hold
    (layout.results / "environment.properties").write_text("profile=quick\n")
    assert ci_run.main(["release-tag", "--base", str(layout.base)]) == 1
    assert capsys.readouterr().out == ""  # nothing for `gh release` to take as a tag
