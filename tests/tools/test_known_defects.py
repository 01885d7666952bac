"""The known-defects register: a failed scenario it names stays failed, reads "known defect KEY" with its Jira link,
and an expired or wrong entry fails `make lint`."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from tools_testkit import FIXTURE_FEATURES, ResultWriter

from tools.common.catalogue import scenarios
from tools.common.layout import ROOT
from tools.common.results import read_results
from tools.run.outcome import Exit, exit_code
from tools.verdicts import known_defects
from tools.verdicts.clause_verdict import ClauseVerdict, fit_for_signoff, judge, summary_lines

PLANNED = scenarios(FIXTURE_FEATURES, ROOT)


def _register(tmp_path: Path, *entries: str, browse: str = "https://jira.example.invalid/browse/") -> Path:
    path = tmp_path / "known-defects.yaml"
    body = "".join(f"  - {entry}\n" for entry in entries)
    path.write_text(
        f"jira_browse_url: {browse}\ndefects:\n{body}" if entries else f"jira_browse_url: {browse}\ndefects: []\n"
    )
    return path


def _run(folder: Path, write_result: ResultWriter, failing: str) -> Path:
    for s in PLANNED:
        status = "failed" if s.case == failing else "passed"
        write_result(
            folder, s.name, s.spec, status, "AssertionError: 200 instead of 400" if status == "failed" else "", s.case
        )
    return folder


def test_a_known_defect_stays_failed_and_reads_its_key_and_link(
    tmp_path: Path, write_result: ResultWriter, monkeypatch
) -> None:
    monkeypatch.delenv("JIRA_BASE_URL", raising=False)
    results = _run(tmp_path / "results", write_result, "no-recordings")
    register = _register(
        tmp_path, "{key: PZ-4242, clause: '4.1', reason: answers 200, fix in 2.5, expires: 2999-12-31}"
    )
    rows = judge(results, "nightly", planned=PLANNED, matrix=None, known=register)
    row = next(r for r in rows if r.id == "4.1")
    assert row.verdict is ClauseVerdict.FAILED
    assert row.verdict_text == "failed, known defect PZ-4242"
    assert [d.url for d in row.known_defects] == ["https://jira.example.invalid/browse/PZ-4242"]
    assert row.reason.endswith("PZ-4242): answers 200; 1 scenario(s) failed: No recordings fails fast")
    assert not fit_for_signoff(rows, "nightly")
    assert exit_code(read_results(results), [], rows) is Exit.PRODUCT_DEFECT  # still a product defect
    line = next(line for line in summary_lines(rows, "nightly") if line.strip().startswith("4.1"))
    assert "known defect PZ-4242" in line and "https://jira.example.invalid/browse/PZ-4242" in line
    # Another clause's failure is not this defect.
    assert all(not r.known_defects for r in rows if r.id != "4.1")


def test_an_entry_for_a_case_applies_to_that_scenario_alone(tmp_path: Path, write_result: ResultWriter) -> None:
    results = _run(tmp_path / "results", write_result, "no-recordings")
    other = _register(tmp_path, "{key: PZ-1, case: some-other-case, reason: r, expires: 2999-01-01}")
    assert not any(r.known_defects for r in judge(results, "nightly", planned=PLANNED, matrix=None, known=other))
    mine = _register(tmp_path, "{key: PZ-2, case: no-recordings, reason: r, expires: 2999-01-01}")
    rows = judge(results, "nightly", planned=PLANNED, matrix=None, known=mine)
    assert next(r for r in rows if r.id == "4.1").verdict_text == "failed, known defect PZ-2"


def test_an_expired_entry_no_longer_applies_and_fails_the_check(tmp_path: Path, write_result: ResultWriter) -> None:
    results = _run(tmp_path / "results", write_result, "no-recordings")
    register = _register(tmp_path, "{key: PZ-7, clause: '4.1', reason: r, expires: 2020-01-31}")
    rows = judge(results, "nightly", planned=PLANNED, matrix=None, known=register)
    assert next(r for r in rows if r.id == "4.1").verdict_text == "failed"
    read = known_defects.read(register)
    known = [(s.spec, s.case) for s in PLANNED]
    problems = known_defects.check(read, known, date(2026, 1, 1))
    assert problems == ["PZ-7: expired on 2020-01-31: renew it (a new date) or remove it"]


def test_the_check_names_every_bad_entry(tmp_path: Path) -> None:
    register = _register(
        tmp_path,
        "{key: not-a-key, clause: '4.1', reason: r, expires: 2999-01-01}",
        "{key: PZ-3, clause: '9.9', reason: r, expires: 2999-01-01}",
        "{key: PZ-4, reason: '', expires: someday}",
        "{key: PZ-5, case: no-such-case, reason: r, expires: 2999-01-01}",
        "{key: PZ-6, clause: '1.1', case: no-recordings, reason: r, expires: 2999-01-01}",
    )
    problems = known_defects.check(known_defects.read(register), [(s.spec, s.case) for s in PLANNED], date(2026, 1, 1))
    said = "\n".join(problems)
    for expected in (
        "'not-a-key' is not a Jira key",
        "no clause '9.9'",
        "PZ-4): no reason",
        "names neither a clause nor a case",
        "'someday' is not a date",
        "PZ-5: no scenario has @case-no-such-case",
        "PZ-6: @case-no-recordings checks clause 4.1, not 1.1",
    ):
        assert expected in said, expected


def test_make_lint_passes_the_projects_register_and_fails_on_an_expired_entry(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tools.verdicts.known_defects"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    register = _register(tmp_path, "{key: PZ-8, clause: '4.3', reason: r, expires: 2021-06-30}")
    done = subprocess.run([*command, "--register", str(register)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and "PZ-8: expired on 2021-06-30" in done.stderr
