"""allure-behave, taught the project's conventions.

- every scenario result carries the label `spec` (its clause id, from the `@spec-<id>` tag) and a link to that
  section of the clarifications;
- the history id comes from the clause and the `@case-<slug>` tag, so that trends survive a scenario rename;
- the description is the clause's quote rendered as a quote (support/quote_html.py), apart from the suite's own
  explanation; a scenario without quote lines of its own carries its feature's;
- labels `host` and `thread` (the behave process, named by the runner's `BEHAVE_JOB`) fill the report's timeline;
- scenarios inside a Gherkin `Rule:` are reported too (allure-behave 2.16.2 only wraps a feature's direct
  scenarios and silently drops the others; see tests/suite/test_allure_formatter.py);
- a red scenario carries the type of what it raised and its category (labels `exception`, one per class of the
  MRO, and `outcome`; `support.errors.OUTCOMES` decides), and its status follows the category. A hook that failed
  counts like a step that failed: allure-behave reports an error of `before_scenario` as "skipped" and one of
  `after_scenario` as "passed";
- every text of a result is masked (`support.evidence.mask_result`) just before it is written: step titles
  (`allure.step` ones included) and status messages reach the report without going through the `attach_*`.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable

import allure_commons
from allure_behave.formatter import AllureFormatter
from allure_behave.listener import AllureListener, GroupContext
from allure_commons.model2 import Label, Link, Status, StatusDetails, TestResult
from allure_commons.reporter import AllureReporter
from allure_commons.utils import format_exception, format_traceback, md5, now

from support.clauses import Clause, clause_of_tags
from support.errors import category_of, outcome_labels
from support.evidence import mask_result
from support.quote_html import description_html

JOB_ENV = "BEHAVE_JOB"  # set by tools/run/behave_runs.py for each behave process it starts

CASE_PREFIX = "case-"


def case_of_tags(tags: list[str]) -> str | None:
    return next((tag[len(CASE_PREFIX) :] for tag in tags if tag.startswith(CASE_PREFIX)), None)


def first_error(scenario) -> BaseException | None:
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

    def close_test(self, uuid) -> None:
        self._settle(self.get_test(uuid))
        super().close_test(uuid)


def clause_labels(clause: Clause) -> list[tuple[str, str]]:
    """The labels that place a result under its clause (tools/run/not_run.py writes the same for scenarios not run)."""
    return [
        ("spec", clause.id),
        # The report groups by this one: the clause id (spec order) followed by its heading.
        ("clause", f"{clause.id} {clause.title}"),
        ("parentSuite", f"§{clause.id[0]}"),
        ("suite", f"{clause.id} {clause.title}"),
    ]


def clause_link_name(clause: Clause) -> str:
    """The link's name: the report's start page script (tools/report/report_page.py) makes it clickable by it."""
    return f"Clarifications {clause.id}"


def history_ids(clause: Clause, case: str, row: tuple[tuple[str, str], ...] = ()) -> tuple[str, str]:
    """(historyId, testCaseId): from the clause, the `@case-` slug and an outline row's values, not the title."""
    parts = [clause.id, case, *(f"{name}={value}" for name, value in row)]
    return md5(*parts), md5(clause.id, case)


def process_name() -> str:
    """The behave process, as the timeline's lane shows it: the kind of the runner's job (`main`, `slow`) or
    `behave`, and its pid; short, as the report cuts lane names after a dozen characters."""
    kind = os.environ.get(JOB_ENV, "behave").split("-", 1)[0]
    return f"{kind} {os.getpid()}"


class SpecListener(AllureListener):
    def __init__(self, behave_config) -> None:
        super().__init__(behave_config)
        self.logger = _SettlingReporter(self._settle)
        self.group_context = GroupContext(self.logger)
        self.group_context.enter()
        self._stopping = None

    def _settle(self, result: TestResult) -> None:
        if not isinstance(result, TestResult):
            return
        try:
            self._file(result)
        finally:
            mask_result(result)  # last: the hook error's message set above is masked too

    def _file(self, result: TestResult) -> None:
        error = first_error(self._stopping) if self._stopping is not None else None
        if error is None:
            return
        result.labels.extend(Label(name=name, value=value) for name, value in outcome_labels(type(error)))
        result.status = category_of(type(error)).allure_status
        if result.statusDetails is None:  # a hook's error: allure-behave only looks at the steps
            trace = getattr(self._stopping, "exc_traceback", None)
            result.statusDetails = StatusDetails(
                message=format_exception(type(error), error), trace=format_traceback(trace)
            )

    def start_scenario(self, scenario) -> None:
        super().start_scenario(scenario)
        result = self.logger.get_test(self.current_scenario_uuid)
        tags = list(scenario.effective_tags)
        clause = clause_of_tags(tags)
        if clause is not None:
            result.labels.extend(Label(name=name, value=value) for name, value in clause_labels(clause))
            result.links.append(Link(type="link", url=clause.report_link, name=clause_link_name(clause)))
        feature = getattr(scenario, "feature", None)
        html = description_html(clause, scenario.description, feature.description if feature else ())
        if html:
            result.descriptionHtml = html
        result.labels.append(Label(name="host", value=platform.node()))
        result.labels.append(Label(name="thread", value=process_name()))
        case = case_of_tags(tags)
        if clause is not None and case is not None:
            row = getattr(scenario, "_row", None)
            values = tuple(zip(row.headings, row.cells, strict=True)) if row else ()
            result.historyId, result.testCaseId = history_ids(clause, case, values)

    def stop_scenario(self, scenario) -> None:
        self._stopping = scenario  # for `_file`, which files the result by what it raised
        try:
            self._stop_scenario(scenario)
        finally:
            self._stopping = None

    def _stop_scenario(self, scenario) -> None:
        """A scenario whose API the target does not offer (environment.py sets `not_offered`) is kept as skipped
        with its reason and the label `offered` = `no`, although skipped scenarios are otherwise left out."""
        reason = getattr(scenario, "not_offered", None)
        if reason is None:
            super().stop_scenario(scenario)
            return
        self.flush_steps()
        result = self.logger.get_test(self.current_scenario_uuid)
        result.labels.append(Label(name="offered", value="no"))
        result.stop = now()
        result.status = Status.SKIPPED
        result.statusDetails = StatusDetails(message=reason)
        self.logger.close_test(self.current_scenario_uuid)
        self.current_step_uuid = None
        self.group_context.append_test(self.current_scenario_uuid)
        self.group_context.exit()
        self.current_scenario_uuid = None


class SpecAllureFormatter(AllureFormatter):
    def __init__(self, stream_opener, config) -> None:
        super().__init__(stream_opener, config)
        allure_commons.plugin_manager.unregister(self.listener)
        self.listener = SpecListener(config)
        allure_commons.plugin_manager.register(self.listener)

    def feature(self, feature) -> None:
        super().feature(feature)
        for rule in getattr(feature, "rules", []):
            self._wrap_scenario(rule.scenarios)
