"""The step-level kill matrix on a suite of three checks and results made by hand."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from support.errors import PreconditionNotMet, outcome_labels
from tools.proof import kill_matrix
from tools.proof.kill_matrix import RedStep

FEATURE = """\
Feature: a tiny suite

  @spec-1.1 @case-exchange
  Scenario: the exchange
    Given a broker
    When the exchanges are listed
    Then the only exchange is "prisma"
    And it is durable

  @spec-2.3 @case-resend
  Scenario Outline: a resend <times> times
    When the same configure is sent <times> times
    Then every answer is the same
    And there is one queue

    Examples:
      | times |
      | 2     |
      | 3     |
"""

STEPS = """\
from behave import given, then, when
given("a broker")(lambda context: None)
when("the exchanges are listed")(lambda context: None)
when("the same configure is sent {times:d} times")(lambda context, times: None)

@then('the only exchange is "{name}"')
def step_only(context, name):
    rabbitmq_topology.assert_only_exchange(context.exchanges, name)

@then("it is durable")
def step_durable(context):
    rabbitmq_topology.assert_durable(context.exchange)

@then("every answer is the same")
def step_same(context):
    configure_idempotency.check_same_answers(context.repeated)

@then("there is one queue")
def step_one_queue(context):
    configure_idempotency.check_one_task_one_queue(context.repeated)
"""


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("tiny-suite")
    (root / "features").mkdir()
    (root / "features" / "tiny.feature").write_text(FEATURE)
    (root / "steps").mkdir()
    (root / "steps" / "tiny_steps.py").write_text(STEPS)
    return root / "features", root / "steps"


def _result(
    folder: Path,
    spec: str,
    name: str,
    steps: list[tuple[str, str]],
    status: str | None = None,
    raised: type[BaseException] | None = None,
) -> None:
    """An allure-behave result: its status that of its first step not passed, unless given; `raised`: its labels."""
    folder.mkdir(parents=True, exist_ok=True)
    status = status or next((s for _, s in steps if s != "passed"), "passed")
    outcome = [{"name": label, "value": value} for label, value in outcome_labels(raised)] if raised else []
    data = {
        "name": name,
        "status": status,
        "labels": [{"name": "spec", "value": spec}, *outcome],
        "steps": [{"name": text, "status": s, "steps": [{"name": "measured: x", "status": s}]} for text, s in steps],
    }
    (folder / f"{uuid.uuid4()}-result.json").write_text(json.dumps(data))


EXCHANGE_RED = [
    ("Given a broker", "passed"),
    ("When the exchanges are listed", "passed"),
    ('Then the only exchange is "prisma"', "failed"),
    ("And it is durable", "skipped"),
]


def _kills(tmp_path: Path, suite: tuple[Path, Path], faults: list[dict], exempt: dict[str, str] | None = None):
    return kill_matrix.build(
        faults, lambda entry: tmp_path / entry.get("shape", "") / entry["name"], *suite, exempt or {}
    )


def test_the_checks_come_from_the_registry_with_their_scenarios(suite: tuple[Path, Path]) -> None:
    checks = {c.pattern: c for c in kill_matrix.suite_checks(*suite)}
    assert set(checks) == {'the only exchange is "{name}"', "it is durable", "every answer is the same",
                           "there is one queue"}  # fmt: skip
    assert checks["there is one queue"].scenarios == ("2.3 resend",)  # both outline rows are one scenario


def test_the_first_red_step_is_read_without_its_keyword(tmp_path: Path) -> None:
    _result(tmp_path, "1.1", "the exchange", EXCHANGE_RED)
    _result(tmp_path, "2.3", "a resend 2 times", [("When the same configure is sent 2 times", "passed")])
    assert kill_matrix.first_red_steps(tmp_path) == [RedStep("1.1", "the exchange", 'the only exchange is "prisma"')]


def test_a_check_after_the_failing_one_is_never_shown_red(tmp_path: Path, suite: tuple[Path, Path]) -> None:
    _result(tmp_path / "extra-exchange", "1.1", "the exchange", EXCHANGE_RED)
    resend = [("When the same configure is sent 2 times", "passed"), ("Then every answer is the same", "failed"),
              ("And there is one queue", "skipped")]  # fmt: skip
    _result(tmp_path / "config-409", "2.3", "a resend 2 times", resend)
    kills = _kills(tmp_path, suite, [{"name": "extra-exchange", "clauses": ["1.1"]},
                                     {"name": "config-409", "clauses": ["2.3"]}])  # fmt: skip
    assert kills.killed_by['the only exchange is "{name}"'] == ["extra-exchange"]
    assert kills.killed_by["every answer is the same"] == ["config-409"]
    assert [c.pattern for c in kills.never_red] == ["it is durable", "there is one queue"]
    assert not kills.complete


def test_only_a_product_defect_of_its_own_clause_shows_a_check_red(tmp_path: Path, suite: tuple[Path, Path]) -> None:
    """A check that said it could not judge (a broken environment), or broke (our defect), did not fail the product:
    it shows nothing, as the clause matrix calls it "not shown" (issue 25); nor does a false alarm of another clause."""
    broken = [(text, "broken" if status == "failed" else status) for text, status in EXCHANGE_RED]
    _result(tmp_path / "unjudged", "1.1", "the exchange", broken, raised=PreconditionNotMet)
    _result(tmp_path / "our-defect", "1.1", "the exchange", broken)
    _result(tmp_path / "product", "1.1", "the exchange", EXCHANGE_RED, raised=AssertionError)
    _result(tmp_path / "dup-queue", "1.1", "the exchange", EXCHANGE_RED)  # a false alarm of a 2.3 fault
    faults = [{"name": name, "clauses": ["1.1"]} for name in ("unjudged", "our-defect", "product")]
    kills = _kills(tmp_path, suite, [*faults, {"name": "dup-queue", "clauses": ["2.3"]}])
    assert kills.killed_by['the only exchange is "{name}"'] == ["product"]
    assert [red.product_defect for red in kill_matrix.first_red_steps(tmp_path / "unjudged")] == [False]


def test_red_at_a_given_or_in_a_hook_is_listed_apart(tmp_path: Path, suite: tuple[Path, Path]) -> None:
    _result(tmp_path / "no-broker", "1.1", "the exchange", [("Given a broker", "failed")])
    _result(tmp_path / "no-broker", "1.1", "the exchange again", [], status="failed")  # red in a hook
    _result(tmp_path / "no-broker", "1.1", "not judged", [("Given a broker", "broken")], raised=PreconditionNotMet)
    kills = _kills(tmp_path, suite, [{"name": "no-broker", "clauses": ["1.1"]}])
    assert not any(kills.killed_by.values())
    assert sorted(r["step"] for r in kills.before_any_check) == ["(no step)", "a broker"]


def test_an_exemption_with_its_reason_completes_the_matrix_and_a_stale_one_fails_it(
    tmp_path: Path, suite: tuple[Path, Path]
) -> None:
    _result(tmp_path / "f1", "1.1", "the exchange", EXCHANGE_RED)
    _result(tmp_path / "f2", "1.1", "the exchange", [("Then the only exchange is \"prisma\"", "passed"),
                                                       ("And it is durable", "failed")])  # fmt: skip
    faults = [{"name": "f1", "clauses": ["1.1"]}, {"name": "f2", "clauses": ["1.1"]}]
    exempt = {"every answer is the same": "no target can answer differently", "there is one queue": "reason"}
    kills = _kills(tmp_path, suite, faults, exempt)
    assert kills.killed_by[kill_matrix.check_of("it is durable", *suite)] == ["f2"] and kills.complete
    markdown = kill_matrix.to_markdown(kills)
    assert "## Checks never shown red\n\nNone." in markdown and "exempt: no target can answer differently" in markdown
    assert kill_matrix.to_json(kills)["never_red"] == []
    stale = _kills(tmp_path, suite, faults, exempt | {"a check that was renamed": "old reason"})
    assert stale.stale_exemptions == ["a check that was renamed"] and not stale.complete


def test_the_suites_own_register_names_only_checks_of_the_suite() -> None:
    from tools.common.layout import FEATURES, ROOT

    known = {c.pattern for c in kill_matrix.suite_checks(FEATURES, ROOT / "steps")}
    assert set(kill_matrix.EXEMPT) <= known
    assert all(reason.strip() for reason in kill_matrix.EXEMPT.values())


def test_a_skipped_fault_shows_nothing_and_a_shape_names_the_fault(tmp_path: Path, suite: tuple[Path, Path]) -> None:
    _result(tmp_path / "slow-one", "1.1", "the exchange", EXCHANGE_RED)  # left over from an earlier nightly run
    skipped = _kills(tmp_path, suite, [{"name": "slow-one", "clauses": ["1.1"], "verdict": "skipped"}])
    assert not skipped.killed_by['the only exchange is "{name}"']
    _result(tmp_path / "job" / "extra-exchange", "1.1", "the exchange", EXCHANGE_RED)
    kills = _kills(tmp_path, suite, [{"name": "extra-exchange", "clauses": ["1.1"], "shape": "job"}])
    assert kills.killed_by['the only exchange is "{name}"'] == ["extra-exchange on job"]
