"""A skipped result, with its reason, for every planned scenario that left none: left out by the profile (quick leaves
out `@slow`), or never reached because its behave process ended early. Without it the report would show a clause's
scenarios that ran and nothing of those that did not (2.1: two green, and nothing saying three were left out).

The result carries the labels, link, description and history id the formatter gives a scenario that ran
(support/allure_formatter.py), so it sits in its clause's group and keeps its history.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from support.allure_formatter import clause_labels, clause_link_name, history_ids
from support.clauses import clause_of_tags
from support.quote_html import description_html
from tools.common.catalogue import PlannedScenario
from tools.common.results import ScenarioResult
from tools.verdicts.clause_verdict import result_key

LEFT_OUT_SLOW = "not run: left out by the {profile} profile (@slow, minutes long); the nightly profile runs it"
LEFT_OUT = "not run: not selected by the {profile} profile"
NEVER_REACHED = "not run: its behave process ended before this scenario (see reports/logs/)"


def reason(scenario: PlannedScenario, profile: str, selected: bool) -> str:
    if not selected:
        return (LEFT_OUT_SLOW if scenario.slow else LEFT_OUT).format(profile=profile)
    return NEVER_REACHED


def result_json(scenario: PlannedScenario, message: str, at_ms: int, *, left_out: bool) -> dict:
    clause = clause_of_tags(list(scenario.tags))
    labels = [{"name": "tag", "value": tag} for tag in scenario.tags]
    labels.append({"name": "feature", "value": scenario.feature})
    # A marker for tools/verdicts/clause_verdict.py: left out by the profile (not the target's or the suite's doing).
    labels.append({"name": "left_out", "value": "profile" if left_out else "no"})
    data: dict = {
        "uuid": str(uuid.uuid4()),
        "name": scenario.name,
        "fullName": f"{scenario.feature}: {scenario.name}",
        "status": "skipped",
        "statusDetails": {"message": message},
        "stage": "finished",
        "start": at_ms,
        "stop": at_ms,
        "labels": labels,
        "links": [],
        "parameters": [{"name": name, "value": value} for name, value in scenario.row],
    }
    if clause is not None:
        data["labels"] += [{"name": name, "value": value} for name, value in clause_labels(clause)]
        data["links"].append({"type": "link", "url": clause.report_link, "name": clause_link_name(clause)})
        if scenario.case:
            data["historyId"], data["testCaseId"] = history_ids(clause, scenario.case, scenario.row)
    html = description_html(clause, scenario.description, scenario.feature_description)
    if html:
        data["descriptionHtml"] = html
    return data


def write_not_run(
    folder: Path,
    planned: Sequence[PlannedScenario],
    results: Sequence[ScenarioResult],
    profile: str,
    selected: Sequence[PlannedScenario],
) -> list[PlannedScenario]:
    """Write a skipped result for each planned scenario without one; returns those scenarios."""
    chosen = {s.location for s in selected}
    ran = {result_key(r.spec, r.case, r.name) for r in results}
    missing = [s for s in planned if result_key(s.spec, s.case, s.name) not in ran]
    at_ms = int(time.time() * 1000)
    for scenario in missing:
        selected_ = scenario.location in chosen
        data = result_json(scenario, reason(scenario, profile, selected_), at_ms, left_out=not selected_)
        (folder / f"{data['uuid']}-result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return missing
