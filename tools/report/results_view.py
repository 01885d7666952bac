"""The run's results as the report shows them: a copy of allure-results that Allure reads instead of the results
themselves, which stay as the run wrote them (the verdicts, the Xray file and a rebuild read those).

In the copy:
- a skipped scenario says why in its description, in words ("Not offered: the target offers no task API"), and its
  reason no longer sits in Allure's "Error" box (nothing erred); the label `skipped_as` (not offered / not run /
  process ended) files it in a category of its own (allurerc.mjs);
- a scenario's quote is its clause's quote, every line the clause's scenarios quote (tools/common/catalogue.quotes_of),
  the same as on the traceability page, the sign-off sheet and the clarifications page, with its own explanation;
- a scenario with an Xray test key (docs/xray-keys.yaml) links to it (Allure's `tms` link);
- a failure the known-defects register names carries its Jira issue: a link, the label `known_defect`, a line in its
  description, and one of Allure's own resolutions (type `issue`), written to a file allurerc.mjs reads.

Everything else is linked, not copied (attachments are most of a run's bytes).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from enum import StrEnum
from hashlib import md5
from html import escape
from pathlib import Path

from support.clauses import BY_ID
from tools.common.catalogue import PlannedScenario, quotes_of
from tools.common.quote_html import description_html, split_description
from tools.verdicts.clause_verdict import ClauseVerdictRow
from tools.verdicts.known_defects import KnownDefect
from tools.verdicts.xray_keys import xray_key

SKIPPED_AS = "skipped_as"
KNOWN_DEFECT = "known_defect"
NEVER_REACHED = "its behave process ended"  # tools/run/not_run.py's words for a scenario never reached


class Skip(StrEnum):
    NOT_OFFERED = "not offered"
    NOT_RUN = "not run"
    PROCESS_ENDED = "process ended"


# (why, when the result does not say; what it means for the clause)
_SAID = {
    Skip.NOT_OFFERED: (
        "the target does not offer the API it needs",
        "skipped, never passed: the clause is judged by its scenarios the target offers",
    ),
    Skip.NOT_RUN: ("it did not run", "the clause is not verified by this run"),
    Skip.PROCESS_ENDED: ("its behave process ended before it", "the clause is not verified by this run"),
}


def _label(data: dict, name: str) -> str | None:
    return next((label.get("value") for label in data.get("labels", []) if label.get("name") == name), None)


def skipped_as(data: dict) -> Skip | None:
    """Why a result is skipped, in one of three words; None when it is not skipped."""
    if data.get("status") != "skipped":
        return None
    if _label(data, "offered") == "no":
        return Skip.NOT_OFFERED
    message = (data.get("statusDetails") or {}).get("message") or ""
    return Skip.PROCESS_ENDED if NEVER_REACHED in message else Skip.NOT_RUN


def _paragraph(title: str, text: str, colour: str) -> str:
    return (
        f'<p style="margin:.1rem 0 .6rem;padding:.3rem .6rem;border-left:4px solid {colour};background:#f9fafb;'
        f'color:#1f2937"><b>{escape(title)}</b>: {escape(text)}</p>'
    )


def _without_error_box(data: dict, skip: Skip) -> None:
    """The reason moves to the description: Allure titles a status message "Error", which a skip is not."""
    message = ((data.get("statusDetails") or {}).get("message") or "").strip()
    data["statusDetails"] = {}
    for step in data.get("steps") or []:
        step.pop("statusDetails", None)
    why, meaning = _SAID[skip]
    head = _paragraph(skip.value.capitalize(), f"{message or why}; {meaning}.", "#9ca3af")
    data["descriptionHtml"] = head + (data.get("descriptionHtml") or "")
    data.setdefault("labels", []).append({"name": SKIPPED_AS, "value": skip.value})


def _clause_quote(data: dict, planned: PlannedScenario | None, clause_quotes: dict[str, list[str]]) -> None:
    """The scenario's own quote lines replaced by its clause's quote (its explanation kept)."""
    if planned is None or planned.spec not in BY_ID:
        return
    own, prose = split_description(planned.description)
    if not own:  # it carries its feature's quote for the clause: the same for each of the clause's scenarios
        return
    lines = [f"> {line}" for line in clause_quotes[planned.spec]] + prose
    html = description_html(BY_ID[planned.spec], lines, planned.feature_description)
    if html:
        data["descriptionHtml"] = html


def _known(data: dict, defect: KnownDefect) -> dict:
    """The known defect on the result; returns its Allure resolution rule (matched by the result's test case id)."""
    data.setdefault("links", []).append({"type": "issue", "name": defect.label, "url": defect.url})
    data.setdefault("labels", []).append({"name": KNOWN_DEFECT, "value": defect.key})
    said = (
        f"{defect.reason} (registered in docs/known-defects.yaml until {defect.expires.isoformat()}). Still a "
        "product defect: the clause stays failed."
    )
    data["descriptionHtml"] = _paragraph(defect.label, said, "#dc2626") + (data.get("descriptionHtml") or "")
    # Allure's test case id: the result's testCaseId, else the md5 of its full name (@allurereport/core convert.js).
    case_id = data.get("testCaseId") or md5((data.get("fullName") or "").encode()).hexdigest()
    return {"issue": defect.key, "testCaseId": case_id, "comment": defect.reason}


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def stage(
    results: Path,
    out: Path,
    *,
    planned: Sequence[PlannedScenario],
    rows: Sequence[ClauseVerdictRow],
    keys: dict[str, str],
    browse_url: str,
) -> list[dict]:
    """Write the copy into `out` (emptied first). Returns the resolution rules of the known defects it found."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    by_key = {(p.case, p.name.strip()): p for p in planned}
    clause_quotes = {row.id: quotes_of(row.id, list(planned)) for row in rows}
    known = {s.result.uuid: s.known_defect for row in rows for s in row.scenarios if s.known_defect and s.result}
    rules = []
    for path in results.iterdir():
        if not path.is_file():
            continue
        if not path.name.endswith("-result.json"):
            _link(path, out / path.name)
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        tags = [label.get("value", "") for label in data.get("labels", []) if label.get("name") == "tag"]
        case = next((t[len("case-") :] for t in tags if t.startswith("case-")), None)
        _clause_quote(data, by_key.get((case, str(data.get("name", "")).strip())), clause_quotes)
        if skip := skipped_as(data):
            _without_error_box(data, skip)
        if key := xray_key(tags, case, keys):
            data.setdefault("links", []).append({"type": "tms", "name": f"Xray {key}", "url": browse_url + key})
        if defect := known.get(data.get("uuid", "")):
            rules.append(_known(data, defect))
        (out / path.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return rules


def resolutions(rules: Sequence[dict], browse_url: str) -> dict:
    """Allure 3's `resolutions` config for the known defects (allurerc.mjs reads it): each an `issue` with its link."""
    by_issue: dict[str, dict] = {}
    for rule in rules:
        entry = by_issue.setdefault(
            rule["issue"],
            {"resolution": "issue", "issue": {"id": rule["issue"], "type": "jira"}, "testCaseId": []},
        )
        if rule["testCaseId"] not in entry["testCaseId"]:
            entry["testCaseId"].append(rule["testCaseId"])
    template = {"urlTemplate": f"{browse_url}%s", "nameTemplate": "known defect %s"}
    return {"links": {"jira": template}, "rules": list(by_issue.values())}
