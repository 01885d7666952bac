"""Outcomes by type: every exception class of the suite, its category and the run's exit code, in one table.

`support.errors.OUTCOMES` decides over the type's whole MRO; the Allure formatter records the hierarchy and the
category on each result; tools/common/results.py and the report's categories (allurerc.mjs) file the result from them.
Each class is fed through all of it: the table, a real behave run with the project's formatter, the results reader,
the exit code and Allure's own category matcher with allurerc.mjs. No message text is involved: every scenario's
message is the same word.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import support
from support.errors import EXCEPTION_LABEL, OUTCOME_LABEL, Category, category_of, outcome_labels, type_names
from tools.common.results import Kind, parse_result
from tools.run.outcome import Exit, exit_code

ROOT = Path(__file__).resolve().parents[2]
PRODUCT, ENVIRONMENT, SUITE = Category.PRODUCT_DEFECT, Category.BROKEN_ENVIRONMENT, Category.SUITE_DEFECT

# Every exception class defined in support/ (the suite), with where it must be filed. A new class fails
# `test_every_exception_class_of_the_suite_is_listed` until it is added here.
SUITE_CLASSES: dict[str, Category] = {
    "support.errors.BrokenEnvironment": ENVIRONMENT,
    "support.errors.TargetUnreachable": ENVIRONMENT,
    "support.errors.PreconditionNotMet": ENVIRONMENT,
    "support.errors.MalformedAnswer": PRODUCT,
    "support.errors.SuiteDefect": SUITE,
    "support.amqp_probe.BrokerUnreachable": ENVIRONMENT,  # a broker that drops mid-run: exit 2, not 3
    "support.amqp_probe.NoSuchExchange": PRODUCT,
    "support.waiting.WaitTimeout": PRODUCT,
    "support.rabbit_admin.ManagementApiFailed": ENVIRONMENT,  # RabbitMQ's API failing is not the product's defect
    "support.stand_process.StandFailed": ENVIRONMENT,
    "support.shape.NoApiOffered": ENVIRONMENT,  # neither API answers: no Focus Server at that base URL
    "support.settings.SettingsError": ENVIRONMENT,  # a setting the suite cannot take: exit 2, one line
    "support.deployments.DeploymentError": ENVIRONMENT,  # the deployment named by --env cannot be read
}
# What else reaches a scenario: the builtins the table is built on, and errors of our own code.
FOREIGN_CLASSES: dict[str, Category] = {
    "builtins.AssertionError": PRODUCT,
    "builtins.KeyError": SUITE,
    "builtins.TypeError": SUITE,
    "builtins.RuntimeError": SUITE,
}
ALL_CLASSES = SUITE_CLASSES | FOREIGN_CLASSES
EXIT_OF = {PRODUCT: Exit.PRODUCT_DEFECT, ENVIRONMENT: Exit.BROKEN_ENVIRONMENT, SUITE: Exit.SUITE_DEFECT}
CATEGORY_NAME = {PRODUCT: "Product defect", ENVIRONMENT: "Broken environment", SUITE: "Suite defect"}


def _class(qualified: str) -> type[BaseException]:
    module, _, name = qualified.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _defined_in_support() -> set[str]:
    found = set()
    for module_info in pkgutil.iter_modules(support.__path__, prefix="support."):
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.__name__:
                found.add(f"{value.__module__}.{value.__qualname__}")
    return found


def test_every_exception_class_of_the_suite_is_listed() -> None:
    assert _defined_in_support() == set(SUITE_CLASSES)


@pytest.mark.parametrize("qualified", list(ALL_CLASSES))
def test_category_and_exit_code_of(qualified: str) -> None:
    kind, expected = _class(qualified), ALL_CLASSES[qualified]
    assert category_of(kind) is expected
    assert expected.exit_code == EXIT_OF[expected]
    labels = [{"name": name, "value": value} for name, value in outcome_labels(kind)]
    assert [label["value"] for label in labels if label["name"] == EXCEPTION_LABEL] == type_names(kind)
    assert [label["value"] for label in labels if label["name"] == OUTCOME_LABEL] == [expected.title]
    result = parse_result({"name": qualified, "status": expected.allure_status, "labels": labels})
    assert result.kind is Kind(expected.title)
    assert exit_code([result]) is EXIT_OF[expected]


def test_the_type_decides_not_the_text() -> None:
    """A message naming another type changes nothing; a subclass is filed with its base (whole MRO)."""
    labels = [{"name": name, "value": value} for name, value in outcome_labels(KeyError)]
    result = parse_result(
        {"name": "x", "status": "broken", "labels": labels, "statusDetails": {"message": "TargetUnreachable: no"}}
    )
    assert result.kind is Kind.SUITE

    class Unforeseen(_class("support.amqp_probe.BrokerUnreachable")):
        pass

    assert category_of(Unforeseen) is ENVIRONMENT


# -- through a real behave run, the project's formatter and Allure's category matcher --------------------------------

STEPS = """\
import importlib

from behave import given


@given("a step raising {qualified}")
def step_raising(context, qualified):
    module, _, name = qualified.rpartition(".")
    kind = getattr(importlib.import_module(module), name)
    error = kind.__new__(kind)  # whatever its constructor asks: the same message for every type
    BaseException.__init__(error, "planned")
    raise error


@given("a step that passes")
def step_passes(context):
    pass
"""

ENVIRONMENT_PY = """\
from support.amqp_probe import BrokerUnreachable
from support.scenario_scope import file_cleanup_error


def _cleanup_raising():
    raise KeyError("planned")


def before_all(context):
    context.on_cleanup_error = file_cleanup_error  # as the project's environment.py


def before_scenario(context, scenario):
    if "hook-before" in scenario.tags:
        raise BrokerUnreachable("127.0.0.1:9", "planned")
    if "cleanup-error" in scenario.tags:
        context.add_cleanup(_cleanup_raising)


def after_scenario(context, scenario):
    if "hook-after" in scenario.tags:
        raise KeyError("planned")
"""

HOOK_CASES = {
    "a before_scenario hook raising BrokerUnreachable": ("hook-before", ENVIRONMENT),
    "an after_scenario hook raising KeyError after passing steps": ("hook-after", SUITE),
    # behave's own cleanup (context.add_cleanup) raising: filed by its type, as an after_scenario hook's error
    "a scenario cleanup raising KeyError after passing steps": ("cleanup-error", SUITE),
}


def _feature() -> str:
    scenarios = [
        f"  @spec-1.1 @case-raises-{n}\n  Scenario: {qualified}\n    Given a step raising {qualified}\n"
        for n, qualified in enumerate(ALL_CLASSES)
    ]
    scenarios += [
        f"  @spec-1.1 @case-{tag} @{tag}\n  Scenario: {name}\n    Given a step that passes\n"
        for name, (tag, _) in HOOK_CASES.items()
    ]
    return "Feature: every exception of the suite\n\n" + "\n".join(scenarios)


@pytest.fixture(scope="module")
def behave_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    base = tmp_path_factory.mktemp("outcomes")
    features = base / "features"
    (features / "steps").mkdir(parents=True)
    (features / "outcomes.feature").write_text(_feature(), encoding="utf-8")
    (features / "steps" / "raising_steps.py").write_text(STEPS, encoding="utf-8")
    (features / "environment.py").write_text(ENVIRONMENT_PY, encoding="utf-8")
    results = base / "results"
    # From the project root, so that behave.ini registers the `allure` formatter as the project does.
    subprocess.run(
        [sys.executable, "-m", "behave", "-f", "allure", "-o", str(results), str(features)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = [json.loads(path.read_text()) for path in results.glob("*-result.json")]
    return {data["name"]: data for data in found}


def _expected() -> dict[str, Category]:
    return ALL_CLASSES | {name: category for name, (_, category) in HOOK_CASES.items()}


def test_the_formatter_files_each_type_and_each_hook_error(behave_results: dict[str, dict]) -> None:
    assert set(behave_results) == set(_expected())
    for name, expected in _expected().items():
        data = behave_results[name]
        result = parse_result(data)
        assert (name, data["status"], result.kind) == (name, expected.allure_status, Kind(expected.title))
        outcome = [label["value"] for label in data["labels"] if label["name"] == OUTCOME_LABEL]
        assert outcome == [expected.title], name
        assert exit_code([result]) is EXIT_OF[expected]
        assert "planned" in data["statusDetails"]["message"], name


@pytest.mark.skipif(shutil.which("node") is None, reason="node absent: make setup")
def test_the_reports_categories_agree_with_the_table(behave_results: dict[str, dict]) -> None:
    """allurerc.mjs's rules, applied by Allure's own matcher, put each result where the table says."""
    script = """
import { extractErrorMatchingData, matchCategory, normalizeCategoriesConfig } from "@allurereport/core-api";
import config from "./allurerc.mjs";
const rules = normalizeCategoriesConfig(config.categories);
let input = "";
for await (const chunk of process.stdin) input += chunk;
const filed = {};
for (const result of JSON.parse(input)) {
  const error = { message: result.statusDetails?.message, trace: result.statusDetails?.trace };
  filed[result.name] = matchCategory(rules, extractErrorMatchingData({ ...result, error, flaky: false }))?.name;
}
console.log(JSON.stringify(filed));
"""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=ROOT,
        input=json.dumps(list(behave_results.values())),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    filed = json.loads(done.stdout)
    assert filed == {name: CATEGORY_NAME[category] for name, category in _expected().items()}
