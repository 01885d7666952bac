"""allure-behave, taught the project's conventions (behave.ini names it `allure`): each result carries its clause
(labels `spec`, `clause`, `parentSuite`, `suite`, and a link to the clarifications), a history id from the clause,
`@case-<slug>` and an outline row (trends survive a renamed title), `host` and `thread` for the timeline, and when
red the labels `exception` and `outcome` (support/errors.py decides its status; a failed hook counts as a failed
step); a scenario whose API is not offered stays, skipped, with `offered` = `no`; scenarios inside a Gherkin `Rule:`
are wrapped too; every text is masked before it is written."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from typing import Any

import allure_commons
from allure_behave.formatter import AllureFormatter
from allure_behave.listener import AllureListener, GroupContext
from allure_commons.model2 import Label, Link, Status, StatusDetails, TestResult
from allure_commons.reporter import AllureReporter
from allure_commons.utils import format_exception, format_traceback, now

from support.clauses import case_of_tags, clause_of_tags
from support.errors import category_of, outcome_labels
from support.evidence import mask_result

JOB_ENV = "BEHAVE_JOB"  # set by the runner for each behave process it starts


def first_error(scenario: Any) -> BaseException | None:
    """What made the scenario red: the first step that raised, else a hook of the scenario (before or after it)."""
    for step in scenario.all_steps:
        if getattr(step, "exception", None) is not None:
            return step.exception
    return getattr(scenario, "exception", None)


class _SettlingReporter(AllureReporter):
    """Hands each scenario's result to `settle` after allure-behave has set its status, just before it is written."""

    def __init__(self, settle: Callable[[TestResult], None]) -> None:
        super().__init__()
        self._settle = settle

    def close_test(self, uuid: str) -> None:
        self._settle(self.get_test(uuid))
        super().close_test(uuid)


class SpecListener(AllureListener):
    def __init__(self, behave_config: Any) -> None:
        super().__init__(behave_config)
        self.logger = _SettlingReporter(self._settle)
        self.group_context = GroupContext(self.logger)
        self.group_context.enter()
        self._stopping: Any = None

    def _settle(self, result: TestResult) -> None:
        if not isinstance(result, TestResult):
            return
        error = first_error(self._stopping) if self._stopping is not None else None
        if error is not None:
            result.labels.extend(Label(name=name, value=value) for name, value in outcome_labels(type(error)))
            result.status = category_of(type(error)).allure_status
            if result.statusDetails is None:  # a hook's error: allure-behave only looks at the steps
                trace = format_traceback(getattr(self._stopping, "exc_traceback", None))
                result.statusDetails = StatusDetails(message=format_exception(type(error), error), trace=trace)
        mask_result(result)  # last: the hook error's message set above is masked too

    def start_scenario(self, scenario: Any) -> None:
        super().start_scenario(scenario)
        result = self.logger.get_test(self.current_scenario_uuid)
        tags = list(scenario.effective_tags)
        kind = os.environ.get(JOB_ENV, "behave").split("-", 1)[0]  # short: the report cuts lanes after a dozen
        labels = [("host", platform.node()), ("thread", f"{kind} {os.getpid()}")]
        clause, case = clause_of_tags(tags), case_of_tags(tags)
        if clause is not None:
            labels += clause.labels
            result.links.append(Link(type="link", url=clause.report_link, name=clause.link_name))
            if case is not None:
                row = getattr(scenario, "_row", None)
                values = [f"{name}={value}" for name, value in zip(row.headings, row.cells, strict=True)] if row else []
                result.historyId, result.testCaseId = clause.history_ids(case, values)
        result.labels.extend(Label(name=name, value=value) for name, value in labels)

    def stop_scenario(self, scenario: Any) -> None:
        self._stopping = scenario  # for `_settle`, which files the result by what it raised
        try:
            if getattr(scenario, "not_offered", None) is None:
                super().stop_scenario(scenario)
            else:
                self._stop_not_offered(scenario)
        finally:
            self._stopping = None

    def _stop_not_offered(self, scenario: Any) -> None:
        self.flush_steps()
        result = self.logger.get_test(self.current_scenario_uuid)
        result.labels.append(Label(name="offered", value="no"))
        result.stop, result.status = now(), Status.SKIPPED
        result.statusDetails = StatusDetails(message=scenario.not_offered)
        self.logger.close_test(self.current_scenario_uuid)
        self.current_step_uuid = None
        self.group_context.append_test(self.current_scenario_uuid)
        self.group_context.exit()
        self.current_scenario_uuid = None


class SpecAllureFormatter(AllureFormatter):
    def __init__(self, stream_opener: Any, config: Any) -> None:
        super().__init__(stream_opener, config)
        allure_commons.plugin_manager.unregister(self.listener)
        self.listener = SpecListener(config)
        allure_commons.plugin_manager.register(self.listener)

    def feature(self, feature: Any) -> None:
        super().feature(feature)
        for rule in getattr(feature, "rules", []):
            self._wrap_scenario(rule.scenarios)
