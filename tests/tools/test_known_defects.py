"""The known-defects register: a failed scenario it names stays failed, reads "known defect KEY" with its Jira link,
and an expired or wrong entry fails `make lint`."""

from __future__ import annotations

import os
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
KNOWN = [(s.spec, s.case) for s in PLANNED]
BROWSE = "https://jira.example.invalid/browse/"


def _register(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "known-defects.yaml"
    path.write_text(f"jira_browse_url: {BROWSE}\ndefects:\n" + "".join(f"  - {entry}\n" for entry in entries))
    return path


def _rows(folder: Path, write_result: ResultWriter, register: Path) -> list:
    for s in PLANNED:
        failed = s.case == "no-recordings"
        write_result(folder, s.name, s.spec, "failed" if failed else "passed", "AssertionError: 200" * failed, s.case)
    return judge(folder, "nightly", planned=PLANNED, matrix=None, known=register)


def test_a_known_defect_stays_failed_and_reads_its_key_and_link(tmp_path: Path, write_result, monkeypatch) -> None:
    monkeypatch.delenv("JIRA_BASE_URL", raising=False)
    rows = _rows(
        tmp_path / "r", write_result, _register(tmp_path, "{key: PZ-42, clause: '4.1', reason: r, expires: 2999-12-31}")
    )
    row = next(r for r in rows if r.id == "4.1")
    assert row.verdict is ClauseVerdict.FAILED and row.verdict_text == "failed, known defect PZ-42"
    assert [d.url for d in row.known_defects] == [BROWSE + "PZ-42"]
    assert row.reason == f"known defect PZ-42 ({BROWSE}PZ-42): r; 1 scenario(s) failed: No recordings fails fast"
    assert not fit_for_signoff(rows, "nightly")
    assert exit_code(read_results(tmp_path / "r"), [], rows) is Exit.PRODUCT_DEFECT  # still a product defect
    assert "known defect PZ-42" in next(line for line in summary_lines(rows, "nightly") if "  4.1 " in line)
    assert all(not r.known_defects for r in rows if r.id != "4.1")  # another clause's failure is not this defect
    monkeypatch.setenv("JIRA_BASE_URL", "https://jira.team.example")  # the team's Jira wins over the file's
    assert known_defects.read(tmp_path / "known-defects.yaml").browse_url == "https://jira.team.example/browse/"


def test_an_entry_for_a_case_applies_to_that_scenario_alone(tmp_path: Path, write_result) -> None:
    other = _register(tmp_path, "{key: PZ-1, case: some-other-case, reason: r, expires: 2999-01-01}")
    assert not any(r.known_defects for r in _rows(tmp_path / "a", write_result, other))
    mine = _register(tmp_path, "{key: PZ-2, case: no-recordings, reason: r, expires: 2999-01-01}")
    assert _rows(tmp_path / "b", write_result, mine)[6].verdict_text == "failed, known defect PZ-2"


def test_an_expired_entry_no_longer_applies_and_fails_the_check(tmp_path: Path, write_result) -> None:
    register = _register(tmp_path, "{key: PZ-7, clause: '4.1', reason: r, expires: 2020-01-31}")
    assert _rows(tmp_path / "r", write_result, register)[6].verdict_text == "failed"
    problems = known_defects.check(known_defects.read(register), KNOWN, date(2026, 1, 1))
    assert problems == ["PZ-7: expired on 2020-01-31: renew it (a new date) or remove it"]


def test_the_check_names_every_bad_entry(tmp_path: Path) -> None:
    register = _register(
        tmp_path,
        "{key: not-a-key, clause: '4.1', reason: r, expires: 2999-01-01}",
        "{key: PZ-3, clause: '9.9', reason: r, expires: 2999-01-01}",
        "{key: PZ-4, reason: '', expires: someday}",
        "{key: PZ-5, case: no-such-case, reason: r, expires: 2999-01-01}",
        "{key: PZ-6, clause: '1.1', case: no-recordings, reason: r, expires: 2999-01-01}",
        "just words",
    )
    said = "\n".join(known_defects.check(known_defects.read(register), KNOWN, date(2026, 1, 1)))
    for expected in (
        "'not-a-key' is not a Jira key",
        "no clause '9.9'",
        "PZ-4): no reason",
        "names neither a clause nor a case",
        "'someday' is not a date",
        "PZ-5: no scenario has @case-no-such-case",
        "PZ-6: @case-no-recordings checks clause 4.1, not 1.1",
        "entry 6: not a mapping",
    ):
        assert expected in said, expected


def test_make_lint_passes_the_projects_register_and_fails_on_an_expired_entry(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tools.verdicts.known_defects"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    register = _register(tmp_path, "{key: PZ-8, clause: '4.3', reason: r, expires: 2021-06-30}")
    env = {**os.environ, "FOCUS_KNOWN_DEFECTS": str(register)}
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "PZ-8: expired on 2021-06-30" in done.stderr
