"""The kill decision of the mutation matrix, on result folders made by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tools_testkit import ResultWriter

from stand.control import FaultSwitch
from support.errors import PreconditionNotMet
from tools.common.results import read_results
from tools.proof.mutation import Decision, FaultRun, Verdict, decide, merge, rows_and_runs, to_json, to_markdown


def _suite(
    folder: Path,
    write_result: ResultWriter,
    red: dict[str, str],
    raised: dict[str, type[BaseException]] | None = None,
    second_4_3: str = "passed",
) -> list:
    """One scenario per clause (two for 4.3); `red` maps clause → status for those that do not pass, `raised` →
    what they raised (by default an AssertionError when failed, a RuntimeError, our own defect, when broken)."""
    for spec in ("1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6"):
        status = red.get(spec, "passed")
        write_result(folder, f"scenario of {spec}", spec, status, "red", error=(raised or {}).get(spec))
    write_result(folder, "second scenario of 4.3", "4.3", second_4_3, error=PreconditionNotMet)
    return read_results(folder)


def test_a_broken_scenario_of_its_clause_did_not_show_the_fault(tmp_path: Path, write_result: ResultWriter) -> None:
    """Only a product defect kills: the stand's own gap-filled once passed the matrix with 4.3 and 4.6 reported as a
    broken environment ("precondition not met ... see 2.1"), a fault the suite never reported (issue 25)."""
    precondition = _suite(tmp_path / "a", write_result, {"4.3": "broken"}, {"4.3": PreconditionNotMet})
    decision = decide(["4.3", "4.6"], precondition)
    assert decision.verdict is Verdict.NOT_SHOWN and not decision.verdict.acceptable
    assert [r.spec for r in decision.not_shown] == ["4.3"] and "broken environment" in decision.note
    ours = decide(["2.1"], _suite(tmp_path / "b", write_result, {"2.1": "broken"}))  # a suite defect on its clause
    assert ours.verdict is Verdict.NOT_SHOWN and "suite defect" in ours.note


def test_broken_beside_failed_still_did_not_show_it(tmp_path: Path, write_result: ResultWriter) -> None:
    """The task API's 4.3 fails, the job API's 4.3 says it could not judge: the fault is not shown everywhere."""
    results = _suite(tmp_path, write_result, {"4.3": "failed"}, second_4_3="broken")
    decision = decide(["4.3", "4.6"], results)
    assert decision.verdict is Verdict.NOT_SHOWN
    assert [r.name for r in decision.on_clause] == ["scenario of 4.3"]
    assert [r.name for r in decision.not_shown] == ["second scenario of 4.3"]


def test_a_clause_the_fault_leaves_unjudged_may_be_not_verified(tmp_path: Path, write_result: ResultWriter) -> None:
    """§4 under a stream limit cut to 60 s (grpc-limit-60): 2.1 fails, §4 over gRPC rightly could not judge."""
    history = ["4.2", "4.3", "4.4", "4.5", "4.6"]
    not_verified = {"2.1": "failed", "4.2": "broken", "4.6": "broken"}
    results = _suite(tmp_path / "a", write_result, not_verified, {"4.2": PreconditionNotMet, "4.6": PreconditionNotMet})
    assert decide(["2.1"], results, unjudged=history).verdict is Verdict.KILLED
    assert decide(["2.1"], results).verdict is Verdict.FALSE_ALARM  # not written down: an alarm
    failed = _suite(tmp_path / "b", write_result, {"2.1": "failed", "4.2": "failed"})
    decision = decide(["2.1"], failed, unjudged=history)  # §4 blamed for the limit's fault
    assert decision.verdict is Verdict.FALSE_ALARM and [r.spec for r in decision.elsewhere] == ["4.2"]
    ours = _suite(tmp_path / "c", write_result, {"2.1": "failed", "4.2": "broken"})  # our own defect, not excused
    assert decide(["2.1"], ours, unjudged=history).verdict is Verdict.FALSE_ALARM


@pytest.mark.parametrize(
    ("clauses", "red", "verdict"),
    [
        (["1.1"], {"1.1": "failed"}, Verdict.KILLED),  # red on its clause only
        (["4.3", "4.4", "4.5"], {"4.4": "failed"}, Verdict.KILLED),  # one red clause of several is enough
        (["1.2"], {}, Verdict.SURVIVED),
        (["1.1"], {"1.1": "failed", "3.1": "broken"}, Verdict.FALSE_ALARM),  # red elsewhere, even with a kill
        (["1.1"], {"2.2": "failed"}, Verdict.FALSE_ALARM),
    ],
)
def test_the_verdict_of_a_run(tmp_path: Path, write_result: ResultWriter, clauses, red, verdict) -> None:
    assert decide(clauses, _suite(tmp_path, write_result, red)).verdict is verdict


def test_no_result_cannot_be_judged_and_a_clause_without_scenarios_survives(tmp_path, write_result) -> None:
    assert decide(["1.1"], []).verdict is Verdict.ERROR
    write_result(tmp_path, "only 1.1", "1.1", "passed")
    decision = decide(["2.1"], read_results(tmp_path))
    assert decision.verdict is Verdict.SURVIVED and "2.1" in decision.note


def _rows(faults: list[FaultSwitch], shapes: tuple[str, ...], profile: str = "nightly") -> list[tuple]:
    rows, todo = rows_and_runs(faults, shapes, profile)
    return sorted([(r.fault.name, r.shape, r.decision.verdict.value, r.judged_on) for r in rows]) + sorted(
        (f.name, shape, "run", "") for f, shape in todo
    )


def test_each_fault_runs_once_on_a_shape_that_shows_it_and_the_other_rows_say_where() -> None:
    job_only = FaultSwitch("history-overrun", ("4.2",), False, "", shapes=("both", "job"))
    either = FaultSwitch("extra-exchange", ("1.1",), False, "")
    waterfall = FaultSwitch("no-eos", ("4.2",), False, "", shapes=("both", "task"))
    assert _rows([job_only, either, waterfall], ("both", "job")) == [
        ("extra-exchange", "job", "skipped", "both"),
        ("history-overrun", "both", "skipped", "job"),  # the job API alone: judged on production's shape
        ("no-eos", "job", "skipped", ""),  # the job shape cannot show it
        ("extra-exchange", "both", "run", ""),
        ("history-overrun", "job", "run", ""),
        ("no-eos", "both", "run", ""),
    ]
    assert _rows([job_only], ("both",)) == [("history-overrun", "both", "run", "")]  # no job shape: judged on both


def test_the_quick_profile_leaves_slow_only_faults_out_and_slow_depends_on_the_shape() -> None:
    slow = FaultSwitch("grpc-limit-240", ("2.1",), True, "", shapes=("both",))
    grpc_history = FaultSwitch("gap-filled", ("4.3",), False, "", shapes=("job",), slow_on=("job",))
    assert _rows([slow, grpc_history], ("both", "job"), "quick") == [
        ("gap-filled", "both", "skipped", ""),
        ("gap-filled", "job", "skipped", ""),
        ("grpc-limit-240", "both", "skipped", ""),
        ("grpc-limit-240", "job", "skipped", ""),
    ]
    assert [row[2] for row in _rows([slow], ("both",), "nightly")] == ["run"]


def test_the_matrix_json_and_table(tmp_path: Path, write_result: ResultWriter) -> None:
    results = _suite(tmp_path, write_result, {"1.1": "failed"})
    runs = [
        FaultRun(FaultSwitch("extra-exchange", ("1.1",), False, ""), decide(["1.1"], results), "quick", 9),
        FaultRun(FaultSwitch("no-eos", ("4.2",), True, ""), Decision(Verdict.SKIPPED), "-", 0, "job", applies=False),
    ]
    matrix = json.loads(json.dumps(to_json(runs, "quick", [], "abc")))  # serialisable as is
    assert [(f["name"], f["verdict"], f["applies"], f["suite_commit"]) for f in matrix["faults"]] == [
        ("extra-exchange", "killed", True, "abc"), ("no-eos", "skipped", False, "abc")
    ]  # fmt: skip
    assert matrix["faults"][0]["red_on_clause"][0]["spec"] == "1.1" and matrix["suite_commit"] == "abc"
    table = to_markdown(matrix)
    assert "| `extra-exchange` | both | 1.1 |  | **killed** |" in table
    assert "1 killed, 1 skipped" in table


def test_a_scenario_skipped_as_not_offered_is_no_false_alarm(tmp_path: Path, write_result: ResultWriter) -> None:
    write_result(tmp_path, "4.3 red", "4.3", "failed")
    write_result(tmp_path, "a task-only scenario", "2.3", "skipped", labels=[{"name": "offered", "value": "no"}])
    assert decide(["4.3"], read_results(tmp_path)).verdict is Verdict.KILLED


def test_a_partial_run_keeps_the_other_faults_by_name_and_shape() -> None:
    previous = {"faults": [{"name": "a", "verdict": "killed"}, {"name": "b", "verdict": "survived"}]}
    previous["faults"] += [{"name": "b", "shape": "job", "verdict": "survived"}]
    current = {"finished_at": "now", "faults": [{"name": "b", "shape": "both", "verdict": "killed"}]}
    merged = merge(previous, current, only=True)
    assert sorted((f["name"], f.get("shape", "both"), f["verdict"]) for f in merged["faults"]) == [
        ("a", "both", "killed"), ("b", "both", "killed"), ("b", "job", "survived")
    ]  # fmt: skip
    assert merged["partial"] is False  # over a whole matrix
    assert merge(None, current, only=True)["partial"] is True  # some faults only, on no matrix: it proves no clause
    assert merge(None, current, only=False)["partial"] is False
