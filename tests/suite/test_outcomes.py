"""Outcomes by type: every exception class of the suite, its category and the run's exit code, in one table.

`support.errors.OUTCOMES` decides over the type's whole MRO; the Allure formatter records the hierarchy and the
category on each result (tests/suite/test_allure_formatter.py runs it, hooks included); tools/common/results.py files
the result from those labels. Each class is fed through the table, its labels, the results reader and the exit code.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
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
    "support.preflight.NoApiOffered": ENVIRONMENT,  # neither API answers: no Focus Server at that base URL
    "support.settings.SettingsError": ENVIRONMENT,  # a setting (or the deployment FOCUS_ENV names) cannot be taken
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
    """A subclass is filed with its base (whole MRO), whatever its name or message."""

    class Unforeseen(_class("support.amqp_probe.BrokerUnreachable")):
        pass

    assert category_of(Unforeseen) is ENVIRONMENT
