"""The copy of allure-results that Allure reads (the run's results stay as written: the verdicts read those). In it a
skip says why in its description, not in Allure's "Error" box, and its label `skipped_as` files it (allurerc.mjs); a
scenario quotes its clause's quote; its clause group names the verdict; an Xray key is a `tms` link; a lane per
process (timeline_lanes.py); a known defect carries its Jira issue, an Allure resolution. Attachments are linked.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from hashlib import md5
from html import escape
from pathlib import Path

from support.clauses import BY_ID, case_of_tags, xray_key
from tools.common.catalogue import PlannedScenario, quotes_of
from tools.common.quote_html import description_html, split_description
from tools.report.timeline_lanes import distinct_lanes
from tools.verdicts.signoff import Sheet

NEVER_REACHED = "its behave process ended"  # tools/run/not_run.py's words for a scenario never reached
# Why a result is skipped, when it does not say; and what that means for its clause.
SAID = {
    "not offered": (
        "the target does not offer the API it needs",
        "skipped, never passed: the clause is judged by its scenarios the target offers",
    ),
    "not run": ("it did not run", "the clause is not verified by this run"),
    "process ended": ("its behave process ended before it", "the clause is not verified by this run"),
}


def skipped_as(data: dict) -> str | None:
    """Why a result is skipped (a key of SAID); None when it is not skipped."""
    if data.get("status") != "skipped":
        return None
    if {"name": "offered", "value": "no"} in data.get("labels", []):
        return "not offered"
    return "process ended" if NEVER_REACHED in ((data.get("statusDetails") or {}).get("message") or "") else "not run"


def _say(data: dict, title: str, text: str, colour: str) -> None:
    """A paragraph at the top of the result's description."""
    said = f'<p style="margin:.1rem 0 .6rem;padding:.3rem .6rem;border-left:4px solid {colour};background:#f9fafb;'
    said += f'color:#1f2937"><b>{escape(title)}</b>: {escape(text)}</p>'
    data["descriptionHtml"] = said + (data.get("descriptionHtml") or "")


def _show(data: dict, planned: PlannedScenario | None, sheet: Sheet, quotes: dict[str, list[str]]) -> None:
    """The result as shown."""
    labels = data.setdefault("labels", [])
    if planned is not None and planned.spec in BY_ID and split_description(planned.description)[0]:
        lines = [f"> {line}" for line in quotes[planned.spec]] + split_description(planned.description)[1]
        html = description_html(BY_ID[planned.spec], lines, planned.feature_description)
        data["descriptionHtml"] = html or data.get("descriptionHtml")
    verdicts = {row.id: row.verdict_text for row in sheet.rows}
    for label in (x for x in labels if x.get("name") == "clause" and x.get("value", "").split(" ")[0] in verdicts):
        label["value"] += " · " + verdicts[label["value"].split(" ")[0]]  # the group "4.3 Scenario 3: … · verified"
    if skip := skipped_as(data):
        message = ((data.get("statusDetails") or {}).get("message") or "").strip()
        data["statusDetails"] = {}
        for step in data.get("steps") or []:
            step.pop("statusDetails", None)
        _say(data, skip.capitalize(), f"{message or SAID[skip][0]}; {SAID[skip][1]}.", "#9ca3af")
        labels.append({"name": "skipped_as", "value": skip})
    if key := xray_key(case_of_tags([x.get("value", "") for x in labels if x.get("name") == "tag"])):
        data.setdefault("links", []).append(
            {"type": "tms", "name": f"Xray {key}", "url": sheet.register.browse_url + key}
        )


def stage(results: Path, out: Path, planned: Sequence[PlannedScenario], sheet: Sheet) -> Path | None:
    """Write the copy into `out` (emptied first). Returns the file of the known defects' resolutions, if any."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    by_key = {(p.case, p.name.strip()): p for p in planned}
    quotes = {row.id: quotes_of(row.id, list(planned)) for row in sheet.rows}
    known = {s.result.uuid: s.known_defect for r in sheet.rows for s in r.scenarios if s.known_defect and s.result}
    cases: dict[str, list[str]] = {}
    for path in (p for p in results.iterdir() if p.is_file() and not p.name.endswith("-result.json")):
        try:
            os.link(path, out / path.name)
        except OSError:
            shutil.copy2(path, out / path.name)
    loaded = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in results.glob("*-result.json")}
    distinct_lanes(list(loaded.values()))
    for name, data in loaded.items():
        case = case_of_tags([x.get("value", "") for x in data.get("labels", []) if x.get("name") == "tag"])
        _show(data, by_key.get((case, str(data.get("name", "")).strip())), sheet, quotes)
        if defect := known.get(data.get("uuid", "")):
            data.setdefault("links", []).append({"type": "issue", "name": defect.label, "url": defect.url})
            data["labels"].append({"name": "known_defect", "value": defect.key})
            said = f"{defect.reason} (registered in docs/known-defects.yaml until {defect.expires.isoformat()}). "
            _say(data, defect.label, said + "Still a product defect: the clause stays failed.", "#dc2626")
            # Allure's test case id: the testCaseId, else the md5 of the full name (@allurereport/core convert.js).
            case_id = data.get("testCaseId") or md5((data.get("fullName") or "").encode()).hexdigest()
            cases.setdefault(defect.key, []).extend([case_id] if case_id not in cases.get(defect.key, []) else [])
        (out / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    if not cases:
        return None
    rules = [{"resolution": "issue", "issue": {"id": k, "type": "jira"}, "testCaseId": v} for k, v in cases.items()]
    resolutions = out.parent / ".allure-resolutions.json"
    template = {"urlTemplate": f"{sheet.register.browse_url}%s", "nameTemplate": "known defect %s"}
    resolutions.write_text(json.dumps({"links": {"jira": template}, "rules": rules}), encoding="utf-8")
    return resolutions
