"""The verdict per clause (tools/verdicts/clause_verdict.py) and the exit code it leads to."""

from __future__ import annotations

import json
from pathlib import Path

from tools_testkit import FIXTURE_FEATURES, ResultWriter

from support.clauses import CLAUSES
from tools.common.catalogue import scenarios
from tools.common.layout import ROOT
from tools.common.results import parse_result, read_results
from tools.proof.mutation import stamp_commit
from tools.run.outcome import Exit, exit_code
from tools.verdicts.clause_verdict import (
    ClauseVerdict,
    Scenario,
    clause_faults,
    decide,
    fit_for_signoff,
    judge,
    read_matrix,
)

PLANNED = scenarios(FIXTURE_FEATURES, ROOT)


def all_passed(folder: Path, write_result: ResultWriter, **statuses: str) -> Path:
    """A result for every fixture scenario: passed, unless `statuses` names its case otherwise."""
    for s in PLANNED:
        write_result(folder, s.name, s.spec, statuses.get((s.case or "").replace("-", "_"), "passed"), case=s.case)
    return folder


def verdicts(folder: Path, profile: str = "nightly") -> dict[str, ClauseVerdict]:
    return {row.id: row.verdict for row in judge(folder, profile, planned=PLANNED, matrix=None)}


def test_every_clause_verified_on_a_green_nightly(tmp_path: Path, write_result: ResultWriter) -> None:
    found = verdicts(all_passed(tmp_path, write_result))
    assert list(found) == [c.id for c in CLAUSES]
    assert set(found.values()) == {ClauseVerdict.VERIFIED}
    rows = judge(tmp_path, "nightly", planned=PLANNED, matrix=None)
    assert fit_for_signoff(rows, "nightly")
    assert exit_code(read_results(tmp_path), [], rows) is Exit.GREEN


def test_a_quick_run_verifies_nothing_and_still_exits_0(tmp_path: Path, write_result: ResultWriter) -> None:
    all_passed(tmp_path, write_result)
    rows = judge(tmp_path, "quick", planned=PLANNED, matrix=None)
    assert {row.verdict for row in rows} == {ClauseVerdict.NOT_VERIFIED}
    assert all(row.reason.startswith("not a sign-off run") for row in rows)
    assert not fit_for_signoff(rows, "quick")
    assert exit_code(read_results(tmp_path), [], rows) is Exit.GREEN


def test_failed_beats_everything_and_broken_or_missing_is_not_verified(
    tmp_path: Path, write_result: ResultWriter
) -> None:
    all_passed(tmp_path, write_result, no_recordings="failed", metadata_quick="broken", recorder_amqp="skipped")
    found = verdicts(tmp_path)
    assert found["4.1"] is ClauseVerdict.FAILED
    assert found["2.2"] is ClauseVerdict.NOT_VERIFIED
    assert found["3.1"] is ClauseVerdict.NOT_VERIFIED
    assert found["1.1"] is ClauseVerdict.VERIFIED


def test_a_scenario_missing_from_the_results_is_not_verified_and_exits_4(
    tmp_path: Path, write_result: ResultWriter
) -> None:
    for s in PLANNED:
        if s.spec != "4.6":
            write_result(tmp_path, s.name, s.spec, "passed", case=s.case)
    rows = judge(tmp_path, "nightly", planned=PLANNED, matrix=None)
    assert {r.id: r.verdict for r in rows}["4.6"] is ClauseVerdict.NOT_VERIFIED
    assert exit_code(read_results(tmp_path), [], rows) is Exit.NOT_VERIFIED


def test_a_clause_whose_scenarios_are_all_not_offered_is_not_verified(
    tmp_path: Path, write_result: ResultWriter
) -> None:
    all_passed(tmp_path, write_result)
    for path in tmp_path.glob("*-result.json"):
        data = json.loads(path.read_text())
        if data["name"] == "Recording at the start only":
            data["status"] = "skipped"
            data["labels"].append({"name": "offered", "value": "no"})
            path.write_text(json.dumps(data))
    row = next(r for r in judge(tmp_path, "nightly", planned=PLANNED, matrix=None) if r.id == "4.4")
    assert row.verdict is ClauseVerdict.NOT_VERIFIED
    assert row.reason == "no offered API could judge it"


def test_proven_needs_the_matrix_of_the_same_commit_and_shape(tmp_path: Path, write_result: ResultWriter) -> None:
    results = all_passed(tmp_path / "results", write_result)
    matrix = tmp_path / "matrix.json"
    faults = [
        {"name": "extra-exchange", "clauses": ["1.1"], "verdict": "killed"},
        {"name": "gap-filled", "clauses": ["4.3"], "verdict": "killed", "shape": "job"},
        {"name": "fanout", "clauses": ["1.2"], "verdict": "survived"},
    ]
    matrix.write_text(json.dumps({"suite_commit": "abc1234", "faults": faults}))
    found = {r.id: r.verdict for r in judge(results, "nightly", planned=PLANNED, matrix=matrix, commit="abc1234")}
    assert found["1.1"] is ClauseVerdict.PROVEN  # its one fault killed, on the default shape (both)
    assert found["4.3"] is ClauseVerdict.VERIFIED  # killed on the job shape only: this run is on both
    assert found["1.2"] is ClauseVerdict.VERIFIED  # a fault survived
    job = {
        r.id: r.verdict
        for r in judge(results, "nightly", planned=PLANNED, matrix=matrix, commit="abc1234", shape="job")
    }
    assert job["4.3"] is ClauseVerdict.PROVEN
    other = {r.id: r.verdict for r in judge(results, "nightly", planned=PLANNED, matrix=matrix, commit="fff0000")}
    assert other["1.1"] is ClauseVerdict.VERIFIED  # a matrix of another commit proves nothing


def test_a_fault_killed_on_an_older_commit_proves_nothing(tmp_path: Path, write_result: ResultWriter) -> None:
    results = all_passed(tmp_path / "results", write_result)
    faults = [
        {"name": "extra-exchange", "clauses": ["1.1"], "verdict": "killed", "suite_commit": "new0001"},
        {"name": "exchange-fanout", "clauses": ["1.1"], "verdict": "killed", "suite_commit": "old0001"},
    ]
    matrix = tmp_path / "matrix.json"
    matrix.write_text(json.dumps(stamp_commit({"faults": faults[:1]}, "new0001") | {"faults": faults}))
    row = next(r for r in judge(results, "nightly", planned=PLANNED, matrix=matrix, commit="new0001") if r.id == "1.1")
    assert row.verdict is ClauseVerdict.VERIFIED
    assert (row.faults.killed, row.faults.total) == (1, 2) if row.faults else False


def test_the_matrix_is_stamped_with_the_commit_of_each_fault() -> None:
    stamped = stamp_commit({"profile": "nightly", "faults": [{"name": "a"}, {"name": "b"}]}, "abc1234")
    assert stamped["suite_commit"] == "abc1234"
    assert [f["suite_commit"] for f in stamped["faults"]] == ["abc1234", "abc1234"]


def test_faults_a_shape_cannot_show_do_not_count_and_those_judged_elsewhere_count_there() -> None:
    faults = [
        {"name": "no-eos", "clauses": ["4.2"], "shape": "job", "verdict": "skipped", "applies": False},
        {"name": "gap", "clauses": ["4.2"], "shape": "job", "verdict": "killed"},
        {"name": "overrun", "clauses": ["4.2"], "shape": "job", "verdict": "killed"},
        {"name": "overrun", "clauses": ["4.2"], "shape": "both", "verdict": "skipped", "judged_on": "job"},
        {"name": "gap", "clauses": ["4.2"], "shape": "both", "verdict": "killed"},
        {"name": "no-eos", "clauses": ["4.2"], "shape": "both", "verdict": "survived"},
    ]
    stamped = [{"suite_commit": "abc", **fault} for fault in faults]
    on_job = clause_faults(stamped, "4.2", "job", "abc")
    assert (on_job.total, on_job.killed) == (2, 2)  # no-eos cannot be shown without the task API
    on_both = clause_faults(stamped, "4.2", "both", "abc")
    assert (on_both.total, on_both.killed) == (3, 2)  # overrun counts as killed on job; no-eos survived


def test_a_partial_matrix_proves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "matrix.json"
    fault = {"name": "gap", "clauses": ["4.2"], "shape": "both", "verdict": "killed", "suite_commit": "abc"}
    path.write_text(json.dumps({"suite_commit": "abc", "partial": True, "faults": [fault]}))
    assert read_matrix(path) is None
    path.write_text(json.dumps({"suite_commit": "abc", "partial": False, "faults": [fault]}))
    assert read_matrix(path) == [{"suite_commit": "abc", **fault}]


def test_a_broken_scenario_gives_its_reason_to_the_clause() -> None:
    lacking = "precondition not met: clause 4.3 over the job API cannot be judged on this catalogue: no hole"
    result = parse_result({"name": "hole", "status": "broken", "statusDetails": {"message": lacking}})
    verdict, reason = decide([Scenario("hole", "partial-coverage-hole-job", result)], [], "nightly", None)
    assert verdict is ClauseVerdict.NOT_VERIFIED and reason.endswith(lacking)
