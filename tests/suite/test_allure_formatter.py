"""The project's Allure formatter, run for real: one result per scenario (Rule: included), each with its clause."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

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

  Rule: a rule of the feature

    @spec-1.2 @case-in-rule-passing
    Scenario: inside the rule, passing
      Given a step that passes

    @spec-3.1 @case-in-rule-failing
    Scenario: inside the rule, failing
      Given a step that fails
"""

STEPS = """\
from behave import given


@given("a step that passes")
def step_passes(context):
    pass


@given("a step that fails")
def step_fails(context):
    raise AssertionError("as planned")
"""

EXPECTED = {
    "a plain scenario that passes": ("1.1", "passed"),
    "a plain scenario that fails": ("2.1", "failed"),
    "an outline row 1": ("2.3", "passed"),
    "an outline row 2": ("2.3", "passed"),
    "inside the rule, passing": ("1.2", "passed"),
    "inside the rule, failing": ("3.1", "failed"),
}


def behave_with_allure(features: Path, results: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """behave with the project's `allure` formatter, run from the project root so that behave.ini registers it."""
    return subprocess.run(
        [sys.executable, "-m", "behave", "-f", "allure", "-o", str(results), str(features)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_scenario_has_one_result_with_spec_label_and_link(tmp_path: Path) -> None:
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "fixture.feature").write_text(FEATURE, encoding="utf-8")
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "fixture_steps.py").write_text(STEPS, encoding="utf-8")
    results = tmp_path / "results"
    run = behave_with_allure(tmp_path / "features", results)
    assert run.returncode == 1, run.stdout + run.stderr  # two scenarios fail on purpose
    found = [json.loads(path.read_text()) for path in results.glob("*-result.json")]
    # behave names outline rows "<name> -- @<row>"
    by_name = {result["name"].split(" -- @")[0]: result for result in found}
    assert len(found) == len(EXPECTED), sorted(by_name)
    assert set(by_name) == set(EXPECTED)
    for name, (clause, status) in EXPECTED.items():
        result = by_name[name]
        assert result["status"] == status, name
        assert [label["value"] for label in result["labels"] if label["name"] == "spec"] == [clause], name
        links = [link for link in result["links"] if link["name"] == f"Clarifications {clause}"]
        assert len(links) == 1 and links[0]["url"].endswith("#clause-" + clause.replace(".", "-")), name
    assert len({result["historyId"] for result in found}) == len(found)  # outline rows are told apart


MASKING_FEATURE = """\
Feature: fixture for masking

  @spec-1.1 @case-leaky
  Scenario: a scenario whose step titles and failure name a secret
    Given a step that names the secret
"""

MASKING_STEPS = """\
import os

import allure
from behave import given


@given("a step that names the secret")
def step_names_the_secret(context):
    url = os.environ["FOCUS_AMQP_URL"]
    with allure.step(f"measured: connected to {url}"):
        with allure.step(f"inner: {url}"):
            pass
    raise AssertionError(f"the broker at {url} said no")
"""


def test_every_text_of_a_result_is_masked_step_titles_included(tmp_path: Path) -> None:
    """`allure.step` titles and failure messages reach the report without going through the attach_* functions:
    the formatter masks each result as a whole before it is written."""
    password = "Pw-in-a-title-9x"
    (tmp_path / "features" / "steps").mkdir(parents=True)
    (tmp_path / "features" / "masking.feature").write_text(MASKING_FEATURE, encoding="utf-8")
    (tmp_path / "features" / "steps" / "masking_steps.py").write_text(MASKING_STEPS, encoding="utf-8")
    results = tmp_path / "results"
    env = {key: value for key, value in os.environ.items() if not key.startswith("FOCUS_")}
    env["FOCUS_AMQP_URL"] = f"amqp://focus:{password}@127.0.0.1:9/%2F"
    run = behave_with_allure(tmp_path / "features", results, env)
    assert run.returncode == 1, run.stdout + run.stderr
    (written,) = [path.read_text() for path in results.glob("*-result.json")]
    assert password not in written
    result = json.loads(written)
    step = result["steps"][0]
    assert step["steps"][0]["name"] == "measured: connected to amqp://focus:***@127.0.0.1:9/%2F"
    assert step["steps"][0]["steps"][0]["name"] == "inner: amqp://focus:***@127.0.0.1:9/%2F"
    assert result["statusDetails"]["message"].startswith("AssertionError: the broker at amqp://focus:***@")


NOT_OFFERED_ENVIRONMENT = """\
from support.shape import TargetShape, api_of_tags, not_offered_reason


def before_scenario(context, scenario):
    # as the project's environment.py does, on a job-only target
    needed = api_of_tags(scenario.effective_tags)
    if needed is not None and not TargetShape.JOB.offers(needed):
        scenario.not_offered = not_offered_reason(needed)
        scenario.skip(reason=scenario.not_offered)
"""

NOT_OFFERED_FEATURE = """\
Feature: fixture for scenarios whose API is not offered

  @spec-2.2 @case-over-the-task-api @api-task
  Scenario: over the task API
    Given a step that passes

  @spec-2.2 @case-over-the-job-api @api-job
  Scenario: over the job API
    Given a step that passes
"""


def test_a_scenario_whose_api_is_not_offered_is_kept_as_skipped_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "fixture.feature").write_text(NOT_OFFERED_FEATURE, encoding="utf-8")
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "fixture_steps.py").write_text(STEPS, encoding="utf-8")
    (tmp_path / "environment.py").write_text(NOT_OFFERED_ENVIRONMENT, encoding="utf-8")
    results = tmp_path / "results"
    run = behave_with_allure(tmp_path / "features", results)
    assert run.returncode == 0, run.stdout + run.stderr
    found = {r["name"]: r for r in (json.loads(p.read_text()) for p in results.glob("*-result.json"))}
    # behave.ini leaves skipped scenarios out of the report; a not-offered one must stay, visibly
    assert set(found) == {"over the task API", "over the job API"}
    task, job = found["over the task API"], found["over the job API"]
    assert task["status"] == "skipped" and task["statusDetails"]["message"] == "the target offers no task API"
    assert {"name": "offered", "value": "no"} in task["labels"]
    assert job["status"] == "passed" and not [label for label in job["labels"] if label["name"] == "offered"]
