"""The project's Allure formatter, run for real by behave on fixture features with an environment.py as the project's
(its secrets, its API tags on a job-only target): one result per scenario with its clause's labels and link, history
ids told apart by outline row, the outcome of what it raised, the not-offered ones kept, every text masked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Pw-in-a-title-9x"

FEATURE = """\
Feature: fixture for the formatter

  @spec-1.1 @case-plain-passing
  Scenario: a plain scenario that passes
    Given a step that passes

  @spec-2.1 @case-plain-failing
  Scenario: a plain scenario that fails
    Given a step that fails

  @spec-2.3 @case-outline
  Scenario Outline: an outline row <n>
    Given a step that passes

    Examples:
      | n |
      | 1 |
      | 2 |

  @spec-1.1 @case-leaky
  Scenario: a scenario whose step titles and failure name a secret
    Given a step that names the secret

  @spec-2.2 @case-over-the-task-api @api-task
  Scenario: over the task API
    Given a step that passes

  @spec-2.2 @case-over-the-job-api @api-job
  Scenario: over the job API
    Given a step that passes

  @spec-1.1 @case-hook-before @hook-before
  Scenario: a before_scenario hook raising BrokerUnreachable
    Given a step that passes

  @spec-1.1 @case-hook-after @hook-after
  Scenario: an after_scenario hook raising KeyError after passing steps
    Given a step that passes

  @spec-1.1 @case-cleanup-error @cleanup-error
  Scenario: a scenario cleanup raising KeyError after passing steps
    Given a step that passes
"""

RULE_FEATURE = """\
Feature: fixture for a rule

  Rule: a rule of the feature

    @spec-1.2 @case-in-rule-passing
    Scenario: inside the rule, passing
      Given a step that passes
"""

STEPS = """\
import os

import allure
from behave import given


@given("a step that passes")
def step_passes(context):
    pass


@given("a step that fails")
def step_fails(context):
    raise AssertionError("as planned")


@given("a step that names the secret")
def step_names_the_secret(context):
    url = os.environ["FOCUS_AMQP_URL"]
    with allure.step(f"measured: connected to {url}"):
        with allure.step(f"inner: {url}"):
            pass
    raise AssertionError(f"the broker at {url} said no")
"""

ENVIRONMENT = """\
from support import evidence
from support.amqp_probe import BrokerUnreachable
from support.preflight import ApiTags, TargetShape
from support.settings import load_settings
from support.world import file_cleanup_error


def _cleanup_raising():
    raise KeyError("planned")


def before_all(context):
    evidence.use_secrets(load_settings().secrets())
    context.on_cleanup_error = file_cleanup_error


def before_scenario(context, scenario):
    reason = ApiTags(TargetShape.JOB).skip_reason_of(list(scenario.effective_tags))
    if reason is not None:
        scenario.not_offered = reason
        scenario.skip(reason=reason)
    if "hook-before" in scenario.tags:
        raise BrokerUnreachable("127.0.0.1:9", "planned")
    if "cleanup-error" in scenario.tags:
        context.add_cleanup(_cleanup_raising)


def after_scenario(context, scenario):
    if "hook-after" in scenario.tags:
        raise KeyError("planned")
"""

EXPECTED = {
    "a plain scenario that passes": ("1.1", "passed"),
    "a plain scenario that fails": ("2.1", "failed"),
    "an outline row 1": ("2.3", "passed"),
    "an outline row 2": ("2.3", "passed"),
    "a scenario whose step titles and failure name a secret": ("1.1", "failed"),
    "over the task API": ("2.2", "skipped"),
    "over the job API": ("2.2", "passed"),
    "a before_scenario hook raising BrokerUnreachable": ("1.1", "broken"),
    "an after_scenario hook raising KeyError after passing steps": ("1.1", "broken"),
    "a scenario cleanup raising KeyError after passing steps": ("1.1", "broken"),
}
# A hook's error is filed by its type, like a step's (allure-behave alone files a before_scenario error as skipped).
OUTCOMES = {
    "a plain scenario that fails": "product defect",
    "a scenario whose step titles and failure name a secret": "product defect",
    "a before_scenario hook raising BrokerUnreachable": "broken environment",
    "an after_scenario hook raising KeyError after passing steps": "suite defect",
    "a scenario cleanup raising KeyError after passing steps": "suite defect",
}


def run_fixture(base: Path, feature: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """behave with the project's `allure` formatter on one fixture feature, from the project root (behave.ini
    registers the formatter there): the run, and each result file's text."""
    (base / "features" / "steps").mkdir(parents=True)
    (base / "features" / "fixture.feature").write_text(feature, encoding="utf-8")
    (base / "features" / "steps" / "fixture_steps.py").write_text(STEPS, encoding="utf-8")
    (base / "features" / "environment.py").write_text(ENVIRONMENT, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FOCUS_")}
    env["FOCUS_AMQP_URL"] = f"amqp://focus:{PASSWORD}@127.0.0.1:9/%2F"
    run = subprocess.run(
        [sys.executable, "-m", "behave", "-f", "allure", "-o", str(base / "results"), str(base / "features")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run, [path.read_text(encoding="utf-8") for path in (base / "results").glob("*-result.json")]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    run, written = run_fixture(tmp_path_factory.mktemp("formatter"), FEATURE)
    assert run.returncode == 1, run.stdout + run.stderr  # two scenarios fail on purpose
    assert written and not [text for text in written if PASSWORD in text]  # every text masked
    return {result["name"]: result for result in map(json.loads, written)}


def labels(result: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for label in result["labels"]:
        found.setdefault(label["name"], []).append(label["value"])
    return found


def test_every_scenario_has_one_result_with_its_clause_labels_link_and_outcome(results: dict[str, dict]) -> None:
    assert set(results) == set(EXPECTED)
    for name, (clause, status) in EXPECTED.items():
        result, named = results[name], labels(results[name])
        assert result["status"] == status, name
        assert (named["spec"], named["clause"][0].split()[0]) == ([clause], clause), name
        assert named["host"] and named["thread"][0].startswith("behave "), name
        assert named.get("outcome") == ([OUTCOMES[name]] if name in OUTCOMES else None), name
        links = [link for link in result["links"] if link["name"] == f"Clarifications {clause}"]
        assert len(links) == 1 and links[0]["url"].endswith("#clause-" + clause.replace(".", "-")), name
    assert len({result["historyId"] for result in results.values()}) == len(results)  # outline rows told apart
    assert labels(results["a plain scenario that fails"])["exception"][0] == "builtins.AssertionError"


def test_every_text_of_a_result_is_masked_step_titles_included(results: dict[str, dict]) -> None:
    """`allure.step` titles and failure messages reach the report without going through the evidence: the formatter
    masks each result as a whole before it is written."""
    result = results["a scenario whose step titles and failure name a secret"]
    step = result["steps"][0]
    assert step["steps"][0]["name"] == "measured: connected to amqp://focus:***@127.0.0.1:9/%2F"
    assert step["steps"][0]["steps"][0]["name"] == "inner: amqp://focus:***@127.0.0.1:9/%2F"
    assert result["statusDetails"]["message"].startswith("AssertionError: the broker at amqp://focus:***@")


def test_a_scenario_whose_api_is_not_offered_is_kept_as_skipped_with_its_reason(results: dict[str, dict]) -> None:
    task, job = results["over the task API"], results["over the job API"]
    # behave.ini leaves skipped scenarios out of the report; a not-offered one must stay, visibly
    assert task["statusDetails"]["message"] == "the target offers no task API" and labels(task)["offered"] == ["no"]
    assert "offered" not in labels(job)


def test_a_scenario_inside_a_rule_has_its_result(tmp_path: Path) -> None:
    run, written = run_fixture(tmp_path, RULE_FEATURE)
    assert run.returncode == 0, run.stdout + run.stderr
    assert [json.loads(text)["name"] for text in written] == ["inside the rule, passing"]
