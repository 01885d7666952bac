"""The allure-results reader: clause, case and kind of ending of each scenario."""

from __future__ import annotations

from pathlib import Path

from tools_testkit import ResultWriter

from tools.outcome import Exit, exit_code
from tools.results import Kind, read_results, tally


def test_each_ending_has_its_kind(tmp_path: Path, write_result: ResultWriter) -> None:
    write_result(tmp_path, "green", "1.1", "passed")
    write_result(tmp_path, "assertion", "1.2", "failed", "AssertionError: only prisma expected")
    write_result(tmp_path, "unreachable", "2.1", "broken", "support.errors.TargetUnreachable: no broker")
    write_result(tmp_path, "precondition", "4.3", "broken", "PreconditionNotMet: no window with a hole")
    write_result(tmp_path, "bug", "2.2", "broken", "KeyError: 'rows'")
    kinds = {r.name: r.kind for r in read_results(tmp_path)}
    assert kinds == {
        "green": Kind.PASSED,
        "assertion": Kind.PRODUCT,
        "unreachable": Kind.ENVIRONMENT,
        "precondition": Kind.ENVIRONMENT,
        "bug": Kind.SUITE,
    }


def test_clause_and_case_come_from_labels(tmp_path: Path, write_result: ResultWriter) -> None:
    write_result(tmp_path, "A stream ends at the limit", "2.1", "passed", case="stream-limit")
    write_result(tmp_path, "No clause at all", None, "passed")
    by_name = {r.name: r for r in read_results(tmp_path)}
    assert by_name["A stream ends at the limit"].spec == "2.1"
    assert by_name["A stream ends at the limit"].case == "stream-limit"
    assert by_name["No clause at all"].spec is None
    assert by_name["A stream ends at the limit"].duration_s == 1.5


def test_a_missing_folder_reads_as_no_results(tmp_path: Path) -> None:
    assert read_results(tmp_path / "absent") == []


def test_the_exit_code_names_the_worst_ending(tmp_path: Path, write_result: ResultWriter) -> None:
    write_result(tmp_path, "green", "1.1", "passed")
    assert exit_code(read_results(tmp_path)) is Exit.GREEN
    write_result(tmp_path, "assertion", "1.2", "failed", "AssertionError: x")
    assert exit_code(read_results(tmp_path)) is Exit.PRODUCT_DEFECT
    write_result(tmp_path, "unreachable", "2.1", "broken", "TargetUnreachable: x")
    assert exit_code(read_results(tmp_path)) is Exit.BROKEN_ENVIRONMENT
    write_result(tmp_path, "bug", "2.2", "broken", "TypeError: x")
    assert exit_code(read_results(tmp_path)) is Exit.SUITE_DEFECT
    assert tally(read_results(tmp_path))[Kind.PRODUCT] == 1


def test_a_job_that_died_before_its_scenarios_counts_too() -> None:
    assert exit_code([], [Kind.ENVIRONMENT]) is Exit.BROKEN_ENVIRONMENT


def test_a_result_says_its_api_and_whether_the_target_offered_it(tmp_path: Path) -> None:
    from tools_testkit import write_result

    write_result(
        tmp_path,
        "over the job API",
        "4.3",
        "skipped",
        "the target offers no job API",
        labels=[{"name": "tag", "value": "api-job"}, {"name": "offered", "value": "no"}],
    )
    write_result(tmp_path, "the broker", "1.1", "passed")
    results = {result.name: result for result in read_results(tmp_path)}
    assert (results["over the job API"].api, results["over the job API"].not_offered) == ("job", True)
    assert (results["the broker"].api, results["the broker"].not_offered) == (None, False)
