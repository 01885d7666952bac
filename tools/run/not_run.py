"""A skipped result, with its reason and the register's labels, for every planned scenario that left none (left out by
the profile, or its behave process ended early): the report shows what did not run too.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from support.clauses import clause_of_tags
from tools.common.catalogue import PlannedScenario
from tools.common.quote_html import description_html
from tools.common.results import ScenarioResult
from tools.verdicts.clause_verdict import result_key

LEFT_OUT_SLOW = "not run: left out by the {profile} profile (@slow, minutes long); the nightly profile runs it"
LEFT_OUT = "not run: not selected by the {profile} profile"
NEVER_REACHED = "not run: its behave process ended before this scenario (see reports/logs/)"


def result_json(scenario: PlannedScenario, message: str, at_ms: int, *, left_out: bool) -> dict:
    clause = clause_of_tags(list(scenario.tags))
    labels = [("tag", tag) for tag in scenario.tags] + [("feature", scenario.feature)]
    # For tools/verdicts/clause_verdict.py: left out by the profile, not the target's or the suite's doing.
    labels.append(("left_out", "profile" if left_out else "no"))
    data: dict = {
        "uuid": str(uuid.uuid4()),
        "name": scenario.name,
        "fullName": f"{scenario.feature}: {scenario.name}",
        "status": "skipped",
        "statusDetails": {"message": message},
        "stage": "finished",
        "start": at_ms,
        "stop": at_ms,
        "links": [],
        "parameters": [{"name": name, "value": value} for name, value in scenario.row],
    }
    if clause is not None:
        labels += clause.labels
        data["links"].append({"type": "link", "url": clause.report_link, "name": clause.link_name})
        if scenario.case:
            values = [f"{name}={value}" for name, value in scenario.row]
            data["historyId"], data["testCaseId"] = clause.history_ids(scenario.case, values)
    data["labels"] = [{"name": name, "value": value} for name, value in labels]
    if html := description_html(clause, scenario.description, scenario.feature_description):
        data["descriptionHtml"] = html
    return data


def write_not_run(
    folder: Path,
    planned: Sequence[PlannedScenario],
    results: Sequence[ScenarioResult],
    profile: str,
    selected: Sequence[PlannedScenario],
) -> None:
    """A skipped result for each planned scenario without one."""
    chosen = {s.location for s in selected}
    ran = {result_key(r.spec, r.case, r.name) for r in results}
    at_ms = int(time.time() * 1000)
    for scenario in (s for s in planned if result_key(s.spec, s.case, s.name) not in ran):
        left_out = scenario.location not in chosen
        why = (LEFT_OUT_SLOW if scenario.slow else LEFT_OUT).format(profile=profile) if left_out else NEVER_REACHED
        data = result_json(scenario, why, at_ms, left_out=left_out)
        (folder / f"{data['uuid']}-result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
