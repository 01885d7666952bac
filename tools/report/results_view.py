"""The copy of allure-results that Allure reads (the run's results stay as written: the verdicts read those). In it a
skip says why in its description, not in Allure's "Error" box, and its label `skipped_as` files it (allurerc.mjs); a
scenario quotes its clause's quote; an Xray key is a `tms` link; a lane per behave process (timeline_lanes.py); a
known defect carries its Jira issue and is one of Allure's own resolutions. Attachments are linked, not copied.
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
    if any(x.get("name") == "offered" and x.get("value") == "no" for x in data.get("labels", [])):
        return "not offered"
    return "process ended" if NEVER_REACHED in ((data.get("statusDetails") or {}).get("message") or "") else "not run"


def _paragraph(title: str, text: str, colour: str) -> str:
    return (
        f'<p style="margin:.1rem 0 .6rem;padding:.3rem .6rem;border-left:4px solid {colour};background:#f9fafb;'
        f'color:#1f2937"><b>{escape(title)}</b>: {escape(text)}</p>'
    )


def _shown(data: dict, planned: PlannedScenario | None, quotes: dict[str, list[str]], defect, browse: str) -> dict:
    """The result as shown; returns the known defect's resolution rule, if any."""
    tags = [x.get("value", "") for x in data.get("labels", []) if x.get("name") == "tag"]
    if planned is not None and planned.spec in BY_ID and split_description(planned.description)[0]:
        lines = [f"> {line}" for line in quotes[planned.spec]] + split_description(planned.description)[1]
        html = description_html(BY_ID[planned.spec], lines, planned.feature_description)
        data["descriptionHtml"] = html or data.get("descriptionHtml")
    if skip := skipped_as(data):
        message = ((data.get("statusDetails") or {}).get("message") or "").strip()
        data["statusDetails"] = {}
        for step in data.get("steps") or []:
            step.pop("statusDetails", None)
        why, meaning = SAID[skip]
        head = _paragraph(skip.capitalize(), f"{message or why}; {meaning}.", "#9ca3af")
        data["descriptionHtml"] = head + (data.get("descriptionHtml") or "")
        data.setdefault("labels", []).append({"name": "skipped_as", "value": skip})
    if key := xray_key(case_of_tags(tags)):
        data.setdefault("links", []).append({"type": "tms", "name": f"Xray {key}", "url": browse + key})
    if defect is None:
        return {}
    data.setdefault("links", []).append({"type": "issue", "name": defect.label, "url": defect.url})
    data.setdefault("labels", []).append({"name": "known_defect", "value": defect.key})
    said = f"{defect.reason} (registered in docs/known-defects.yaml until {defect.expires.isoformat()}). Still a "
    data["descriptionHtml"] = _paragraph(defect.label, said + "product defect: the clause stays failed.", "#dc2626") + (
        data.get("descriptionHtml") or ""
    )
    # Allure's test case id: the result's testCaseId, else the md5 of its full name (@allurereport/core convert.js).
    return {defect.key: data.get("testCaseId") or md5((data.get("fullName") or "").encode()).hexdigest()}


def stage(results: Path, out: Path, planned: Sequence[PlannedScenario], sheet: Sheet) -> Path | None:
    """Write the copy into `out` (emptied first). Returns the file of the known defects' resolutions, if any."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    by_key = {(p.case, p.name.strip()): p for p in planned}
    quotes = {row.id: quotes_of(row.id, list(planned)) for row in sheet.rows}
    known = {s.result.uuid: s.known_defect for r in sheet.rows for s in r.scenarios if s.known_defect and s.result}
    browse = sheet.register.browse_url
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
        scenario = by_key.get((case, str(data.get("name", "")).strip()))
        for issue, case_id in _shown(data, scenario, quotes, known.get(data.get("uuid", "")), browse).items():
            cases.setdefault(issue, []).extend([case_id] if case_id not in cases.get(issue, []) else [])
        (out / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    if not cases:
        return None
    rules = [{"resolution": "issue", "issue": {"id": k, "type": "jira"}, "testCaseId": v} for k, v in cases.items()]
    resolutions = out.parent / ".allure-resolutions.json"
    template = {"urlTemplate": f"{browse}%s", "nameTemplate": "known defect %s"}
    resolutions.write_text(json.dumps({"links": {"jira": template}, "rules": rules}), encoding="utf-8")
    return resolutions
