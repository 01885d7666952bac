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
from tools.verdicts import clause_verdict as cv
from tools.verdicts.clause_verdict import ClauseVerdict, fit_for_signoff, judge

PLANNED = scenarios(FIXTURE_FEATURES, ROOT)
V = ClauseVerdict


def all_passed(folder: Path, write_result: ResultWriter, **statuses: str) -> Path:
    """A result for every fixture scenario: passed, unless `statuses` names its case otherwise."""
    for s in PLANNED:
        write_result(folder, s.name, s.spec, statuses.get((s.case or "").replace("-", "_"), "passed"), case=s.case)
    return folder


def verdicts(folder: Path, profile: str = "nightly", **options: object) -> dict[str, ClauseVerdict]:
    return {row.id: row.verdict for row in judge(folder, profile, planned=PLANNED, **{"matrix": None, **options})}


def test_every_clause_verified_on_a_green_nightly_and_none_on_a_quick_run(tmp_path: Path, write_result) -> None:
    all_passed(tmp_path, write_result)
    rows = judge(tmp_path, "nightly", planned=PLANNED, matrix=None)
    assert [r.id for r in rows] == [c.id for c in CLAUSES] and {r.verdict for r in rows} == {V.VERIFIED}
    assert fit_for_signoff(rows, "nightly") and exit_code(read_results(tmp_path), [], rows) is Exit.GREEN
    quick = judge(tmp_path, "quick", planned=PLANNED, matrix=None)
    assert {r.verdict for r in quick} == {V.NOT_VERIFIED} and all(r.reason == "not a sign-off run" for r in quick)
    assert not fit_for_signoff(quick, "quick") and exit_code(read_results(tmp_path), [], quick) is Exit.GREEN


def test_failed_beats_everything_and_broken_or_missing_is_not_verified(tmp_path: Path, write_result) -> None:
    all_passed(tmp_path, write_result, no_recordings="failed", metadata_quick="broken", recorder_amqp="skipped")
    found = verdicts(tmp_path)
    assert (found["4.1"], found["2.2"], found["3.1"], found["1.1"]) == (
        V.FAILED,
        V.NOT_VERIFIED,
        V.NOT_VERIFIED,
        V.VERIFIED,
    )


def test_a_scenario_missing_from_the_results_is_not_verified_and_exits_4(tmp_path: Path, write_result) -> None:
    for s in (s for s in PLANNED if s.spec != "4.6"):
        write_result(tmp_path, s.name, s.spec, "passed", case=s.case)
    rows = judge(tmp_path, "nightly", planned=PLANNED, matrix=None)
    assert rows[-1].verdict is V.NOT_VERIFIED and exit_code(read_results(tmp_path), [], rows) is Exit.NOT_VERIFIED


def test_a_clause_whose_scenarios_are_all_not_offered_is_not_verified(tmp_path: Path, write_result) -> None:
    all_passed(tmp_path, write_result)
    path = next(p for p in tmp_path.glob("*-result.json") if "Recording at the start only" in p.read_text())
    data = json.loads(path.read_text())
    path.write_text(
        json.dumps(data | {"status": "skipped", "labels": [*data["labels"], {"name": "offered", "value": "no"}]})
    )
    row = next(r for r in judge(tmp_path, "nightly", planned=PLANNED, matrix=None) if r.id == "4.4")
    assert (row.verdict, row.reason, row.counts()) == (V.NOT_VERIFIED, "no offered API could judge it", "1 not offered")


def test_proven_needs_the_matrix_of_the_same_commit_and_shape(tmp_path: Path, write_result) -> None:
    results = all_passed(tmp_path / "results", write_result)
    faults = [
        {"name": "extra-exchange", "clauses": ["1.1"], "verdict": "killed"},
        {"name": "gap-filled", "clauses": ["4.3"], "verdict": "killed", "shape": "job"},
        {"name": "fanout", "clauses": ["1.2"], "verdict": "survived"},
    ]
    matrix = tmp_path / "matrix.json"
    matrix.write_text(json.dumps({"suite_commit": "abc1234", "faults": faults}))
    found = verdicts(results, matrix=matrix, commit="abc1234")
    assert found["1.1"] is V.PROVEN  # its one fault killed, on the default shape (both)
    assert found["4.3"] is V.VERIFIED and found["1.2"] is V.VERIFIED  # killed on the job shape only; one survived
    assert verdicts(results, matrix=matrix, commit="abc1234", shape="job")["4.3"] is V.PROVEN
    assert verdicts(results, matrix=matrix, commit="fff0000")["1.1"] is V.VERIFIED  # another commit's proves nothing


def test_a_fault_killed_on_an_older_commit_proves_nothing(tmp_path: Path, write_result) -> None:
    results = all_passed(tmp_path / "results", write_result)
    faults = [
        {"name": "extra-exchange", "clauses": ["1.1"], "verdict": "killed", "suite_commit": "new0001"},
        {"name": "exchange-fanout", "clauses": ["1.1"], "verdict": "killed", "suite_commit": "old0001"},
    ]
    matrix = tmp_path / "matrix.json"
    matrix.write_text(json.dumps(stamp_commit({"faults": faults[:1]}, "new0001") | {"faults": faults}))
    row = judge(results, "nightly", planned=PLANNED, matrix=matrix, commit="new0001")[0]
    assert row.verdict is V.VERIFIED and row.faults is not None and (row.faults.killed, row.faults.total) == (1, 2)
    stamped = stamp_commit({"profile": "nightly", "faults": [{"name": "a"}, {"name": "b"}]}, "abc1234")
    assert stamped["suite_commit"] == "abc1234" and {f["suite_commit"] for f in stamped["faults"]} == {"abc1234"}


def test_faults_a_shape_cannot_show_do_not_count_and_those_judged_elsewhere_count_there(tmp_path: Path) -> None:
    faults = [
        {"name": "no-eos", "clauses": ["4.2"], "shape": "job", "verdict": "skipped", "applies": False},
        {"name": "gap", "clauses": ["4.2"], "shape": "job", "verdict": "killed"},
        {"name": "overrun", "clauses": ["4.2"], "shape": "job", "verdict": "killed"},
        {"name": "overrun", "clauses": ["4.2"], "shape": "both", "verdict": "skipped", "judged_on": "job"},
        {"name": "gap", "clauses": ["4.2"], "shape": "both", "verdict": "killed"},
        {"name": "no-eos", "clauses": ["4.2"], "shape": "both", "verdict": "survived"},
    ]
    path = tmp_path / "matrix.json"
    path.write_text(json.dumps({"suite_commit": "abc", "partial": True, "faults": faults}))
    assert cv.read_matrix(path) is None  # a partial matrix proves nothing
    path.write_text(json.dumps({"suite_commit": "abc", "faults": faults}))
    stamped = cv.read_matrix(path) or []
    on_job, on_both = (cv.clause_faults(stamped, "4.2", shape, "abc") for shape in ("job", "both"))
    assert (on_job.total, on_job.killed) == (2, 2)  # no-eos cannot be shown without the task API
    assert (on_both.total, on_both.killed) == (3, 2)  # overrun counts as killed on job; no-eos survived


def test_a_broken_scenario_gives_its_reason_to_the_clause() -> None:
    lacking = "precondition not met: clause 4.3 over the job API cannot be judged on this catalogue: no hole"
    result = parse_result({"name": "hole", "status": "broken", "statusDetails": {"message": lacking}})
    verdict, reason = cv.decide([cv.Scenario("hole", "partial-coverage-hole-job", result)], [], "nightly", None)
    assert verdict is V.NOT_VERIFIED and reason.endswith(lacking)
