"""The allure-results reader: clause, case and kind of ending of each scenario, and the exit code they lead to."""

from __future__ import annotations

import json
from pathlib import Path

from tools_testkit import ResultWriter

from support.amqp_probe import BrokerUnreachable
from support.errors import PreconditionNotMet, TargetUnreachable
from tools.common.results import Kind, read_results, tally
from tools.run.outcome import Exit, exit_code


def test_each_ending_has_its_kind_from_the_type_not_the_text(tmp_path: Path, write_result: ResultWriter) -> None:
    write_result(tmp_path, "green", "1.1", "passed")
    write_result(tmp_path, "assertion", "1.2", "failed", "AssertionError: only prisma expected", error=AssertionError)
    write_result(tmp_path, "unreachable", "2.1", "broken", "BrokerUnreachable: no broker", error=BrokerUnreachable)
    write_result(tmp_path, "precondition", "4.3", "broken", "no window with a hole", error=PreconditionNotMet)
    write_result(tmp_path, "bug", "2.2", "broken", "KeyError: 'rows' (not TargetUnreachable)", error=KeyError)
    write_result(tmp_path, "skipped", "3.1", "skipped")
    assert {r.name: r.kind for r in read_results(tmp_path)} == {
        "green": Kind.PASSED,
        "assertion": Kind.PRODUCT,
        "unreachable": Kind.ENVIRONMENT,
        "precondition": Kind.ENVIRONMENT,
        "bug": Kind.SUITE,
        "skipped": Kind.SKIPPED,
    }


def test_a_red_result_without_type_labels_is_filed_by_its_status(tmp_path: Path) -> None:
    """Not written by our formatter: allure-behave's `failed` is an assertion; anything else broken is ours."""
    for name in ("failed", "broken"):
        data = {"name": name, "status": name, "statusDetails": {"message": "TargetUnreachable: x"}, "labels": []}
        (tmp_path / f"{name}-result.json").write_text(json.dumps(data))
    assert {r.name: r.kind for r in read_results(tmp_path)} == {"failed": Kind.PRODUCT, "broken": Kind.SUITE}
    assert read_results(tmp_path / "absent") == []  # a missing folder reads as no results


def test_clause_case_api_and_offered_come_from_labels(tmp_path: Path, write_result: ResultWriter) -> None:
    write_result(tmp_path, "A stream ends at the limit", "2.1", "passed", case="stream-limit")
    write_result(tmp_path, "No clause at all", None, "passed")
    offered = [{"name": "tag", "value": "api-job"}, {"name": "offered", "value": "no"}]
    write_result(tmp_path, "over the job API", "4.3", "skipped", "the target offers no job API", labels=offered)
    by_name = {r.name: r for r in read_results(tmp_path)}
    stream = by_name["A stream ends at the limit"]
    assert (stream.spec, stream.case, stream.duration_s) == ("2.1", "stream-limit", 1.5)
    assert stream.api is None and not stream.not_offered
    assert by_name["No clause at all"].spec is None
    assert (by_name["over the job API"].api, by_name["over the job API"].not_offered) == ("job", True)


def test_the_exit_code_names_the_worst_ending(tmp_path: Path, write_result: ResultWriter) -> None:
    write_result(tmp_path, "green", "1.1", "passed")
    assert exit_code(read_results(tmp_path)) is Exit.GREEN
    write_result(tmp_path, "assertion", "1.2", "failed", "AssertionError: x")
    assert exit_code(read_results(tmp_path)) is Exit.PRODUCT_DEFECT
    write_result(tmp_path, "unreachable", "2.1", "broken", "x", error=TargetUnreachable)
    assert exit_code(read_results(tmp_path)) is Exit.BROKEN_ENVIRONMENT
    write_result(tmp_path, "bug", "2.2", "broken", "TypeError: x")
    assert exit_code(read_results(tmp_path)) is Exit.SUITE_DEFECT
    assert tally(read_results(tmp_path))[Kind.PRODUCT] == 1
    assert exit_code([], [Kind.ENVIRONMENT]) is Exit.BROKEN_ENVIRONMENT  # a job that died before its scenarios
