"""allure-behave, taught the project's conventions.

- every scenario result carries the label `spec` (its clause id, from the `@spec-<id>` tag) and a link to that
  section of the clarifications;
- the history id comes from the clause and the `@case-<slug>` tag, so that trends survive a scenario rename;
- scenarios inside a Gherkin `Rule:` are reported too (allure-behave 2.16.2 only wraps a feature's direct
  scenarios and silently drops the others; see tests/suite/test_allure_formatter.py).
"""

from __future__ import annotations

import allure_commons
from allure_behave.formatter import AllureFormatter
from allure_behave.listener import AllureListener
from allure_commons.model2 import Label, Link, Status, StatusDetails
from allure_commons.utils import md5, now

from support.clauses import clause_of_tags

CASE_PREFIX = "case-"


def case_of_tags(tags: list[str]) -> str | None:
    return next((tag[len(CASE_PREFIX) :] for tag in tags if tag.startswith(CASE_PREFIX)), None)


class SpecListener(AllureListener):
    def start_scenario(self, scenario) -> None:
        super().start_scenario(scenario)
        result = self.logger.get_test(self.current_scenario_uuid)
        tags = list(scenario.effective_tags)
        clause = clause_of_tags(tags)
        if clause is not None:
            result.labels.append(Label(name="spec", value=clause.id))
            # The report groups by this one: the clause id (spec order) followed by its heading.
            result.labels.append(Label(name="clause", value=f"{clause.id} {clause.title}"))
            result.labels.append(Label(name="parentSuite", value=f"§{clause.id[0]}"))
            result.labels.append(Label(name="suite", value=f"{clause.id} {clause.title}"))
            result.links.append(Link(type="link", url=clause.link, name=f"Clarifications {clause.id}"))
        case = case_of_tags(tags)
        if clause is not None and case is not None:
            parts = [clause.id, case]
            row = getattr(scenario, "_row", None)
            if row:
                parts.extend(f"{name}={value}" for name, value in zip(row.headings, row.cells, strict=True))
            result.historyId = md5(*parts)
            result.testCaseId = md5(clause.id, case)

    def stop_scenario(self, scenario) -> None:
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
