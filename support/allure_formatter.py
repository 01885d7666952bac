"""allure-behave, taught the project's conventions.

- every scenario result carries the label `spec` (its clause id, from the `@spec-<id>` tag) and a link to that
  section of the clarifications;
- the history id comes from the clause and the `@case-<slug>` tag, so that trends survive a scenario rename;
- the description is the clause's quote rendered as a quote (support/quote_html.py), apart from the suite's own
  explanation; a scenario without quote lines of its own carries its feature's;
- labels `host` and `thread` (the behave process, named by the runner's `BEHAVE_JOB`) fill the report's timeline;
- scenarios inside a Gherkin `Rule:` are reported too (allure-behave 2.16.2 only wraps a feature's direct
  scenarios and silently drops the others; see tests/suite/test_allure_formatter.py).
"""

from __future__ import annotations

import os
import platform

import allure_commons
from allure_behave.formatter import AllureFormatter
from allure_behave.listener import AllureListener
from allure_commons.model2 import Label, Link
from allure_commons.utils import md5

from support.clauses import Clause, clause_of_tags
from support.quote_html import description_html

JOB_ENV = "BEHAVE_JOB"  # set by tools/behave_runs.py for each behave process it starts

CASE_PREFIX = "case-"


def case_of_tags(tags: list[str]) -> str | None:
    return next((tag[len(CASE_PREFIX) :] for tag in tags if tag.startswith(CASE_PREFIX)), None)


def clause_labels(clause: Clause) -> list[tuple[str, str]]:
    """The labels that place a result under its clause (tools/not_run.py writes the same for scenarios not run)."""
    return [
        ("spec", clause.id),
        # The report groups by this one: the clause id (spec order) followed by its heading.
        ("clause", f"{clause.id} {clause.title}"),
        ("parentSuite", f"§{clause.id[0]}"),
        ("suite", f"{clause.id} {clause.title}"),
    ]


def clause_link_name(clause: Clause) -> str:
    """The link's name: the report's start page script (tools/report_page.py) makes it clickable by it."""
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
