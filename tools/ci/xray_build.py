"""The run's results as a Jira Xray Test Execution, in Xray's JSON import format: reports/xray/execution.json.

The execution's info: summary, start and finish, the target's name as the test environment, the suite commit as
revision; its description names the product version, the API shape, the clarifications judged (their Date line
and sha256) and whether the run is fit for sign-off. One test per Xray test key: PASSED, FAILED (a product defect
only), ABORTED (no verdict on the product: a broken environment or a suite defect, its category in the comment;
XRAY_NO_VERDICT_STATUS names a custom status instead) or TODO (not run, skipped). The rows of a scenario outline
share their `@case-<slug>`, so they are one Xray test whose rows are its iterations, each with its Examples values
as parameters. A failure the known-defects register names says "known defect PZ-…" in its comment.

Nothing to upload (reports/xray/nothing-to-upload.txt says why, and no execution.json is written) when the run left
no scenario result, or ran on the embedded stand (the suite's own fake server: its PASSED say nothing about the
product) unless asked for.

Keys: tools/verdicts/xray_keys.py (the scenario's own `@PZ-1234` tag, or docs/xray-keys.yaml by its case).

Entry point: `build(layout, features, keys_file, …) -> (execution.json, unmapped)`; the command line is
tools/ci/xray.py, the upload tools/ci/xray_upload.py.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from tools.ci import run_facts
from tools.ci.run_facts import RunFacts, exit_meaning
from tools.common.catalogue import PlannedScenario, scenarios
from tools.common.layout import FEATURES, ROOT, RunLayout
from tools.common.results import Kind, ScenarioResult, read_results
from tools.verdicts.known_defects import KnownDefect
from tools.verdicts.sheet import Sheet
from tools.verdicts.sheet import build as build_sheet
from tools.verdicts.xray_keys import DEFAULT_KEYS, listed_cases, read_keys, xray_key

DEFAULT_PROJECT = "PZ"
EVIDENCE_MAX_CHARS = 4000  # the failure message only: the report holds the rest
COMMENT_MAX_CHARS = 1000  # a one-line assertion message once made a 70,041-character comment
CUT_MARK = " … [cut: {more} more characters; the full text is in the run's report]"
STAND = "stand"
NOTHING_FILE = "nothing-to-upload.txt"


class Status(StrEnum):
    """Xray Cloud's built-in statuses of a test run."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    TODO = "TODO"
    ABORTED = "ABORTED"


# A red result that is no verdict on the product (broken environment, suite defect): not FAILED, which would put a
# product failure into the test plan that is not one. Xray's built-in ABORTED, or a custom status of the project's
# (README, "In CI").
NO_VERDICT = Status.ABORTED.value


def cap(text: str, limit: int) -> str:
    """The text, at most `limit` characters plus a marker that says how much was cut."""
    return text if len(text) <= limit else text[:limit] + CUT_MARK.format(more=len(text) - limit)


def xray_dir(layout: RunLayout) -> Path:
    return layout.base / "xray"


@dataclass(frozen=True)
class Scenario:
    """A scenario of the feature files (or of the results only), with its result if it ran."""

    name: str
    spec: str | None
    case: str | None
    tags: tuple[str, ...]
    location: str
    result: ScenarioResult | None
    row: tuple[tuple[str, str], ...] = ()  # an outline row's Examples values (heading, value)
    known_defect: KnownDefect | None = None  # failed, and the known-defects register names it

    def status(self, no_verdict: str = NO_VERDICT) -> str:
        """PASSED, FAILED (a product defect only), `no_verdict` (broken environment, suite defect) or TODO."""
        if self.result is None or self.result.kind is Kind.SKIPPED:
            return Status.TODO.value
        if self.result.kind is Kind.PASSED:
            return Status.PASSED.value
        return Status.FAILED.value if self.result.kind is Kind.PRODUCT else no_verdict

    def comment(self, profile: str) -> str:
        """One line: why it is not green (the failure's first line, with its category), or why it did not run."""
        result = self.result
        if result is None:
            left_out = profile == "quick" and "slow" in self.tags
            return "not run: the quick profile leaves @slow scenarios out" if left_out else "not run"
        first = result.message.splitlines()[0].strip() if result.message else ""
        if result.kind is Kind.PASSED:
            return "passed"
        if result.kind is Kind.SKIPPED:
            said = first if first.startswith("not run") else f"skipped: {first}" if first else "skipped"
            return cap(said, COMMENT_MAX_CHARS)
        kind = result.kind.value
        if self.known_defect is not None:
            kind += f", {self.known_defect.label} ({self.known_defect.url})"
        return cap(f"{kind}: {first}" if first else kind, COMMENT_MAX_CHARS)

    @property
    def ran(self) -> bool:
        """A result the run itself left (not one written for a scenario that never ran: tools/run/not_run.py)."""
        result = self.result
        return result is not None and not (result.status == "skipped" and result.message.startswith("not run"))


def pair(planned: Sequence[PlannedScenario], results: Sequence[ScenarioResult]) -> list[Scenario]:
    """Every scenario of the feature files with its result (None: not run), then results no feature file holds."""
    by_key: dict[tuple[str | None, str | None, str], ScenarioResult] = {}
    for result in results:
        by_key.setdefault((result.spec, result.case, result.name.strip()), result)
    found = []
    for p in planned:
        result = by_key.pop((p.spec, p.case, p.name), None)
        found.append(Scenario(p.name, p.spec, p.case, p.tags, p.location, result, p.row))
    for result in by_key.values():
        found.append(Scenario(result.name.strip(), result.spec, result.case, (), "", result))
    return found


# --- the import file --------------------------------------------------------------------------------------------


def iso(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 with its zone (UTC), as Xray wants start and finish."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def _worst(statuses: Sequence[str], no_verdict: str) -> str:
    for status in (Status.FAILED.value, no_verdict, Status.TODO.value):
        if status in statuses:
            return status
    return Status.PASSED.value


def _evidence(scenario: Scenario, row: int | None = None) -> list[dict[str, str]]:
    """For a red scenario, its failure message as one small text file; nothing else (the report has the rest).
    `row`: its row in an outline, so that two rows' files do not share a name."""
    result = scenario.result
    if result is None or not result.red or not result.message:
        return []
    text = f"{scenario.spec} {scenario.name}\n{result.kind.value}\n\n{cap(result.message, EVIDENCE_MAX_CHARS)}\n"
    return [
        {
            "data": base64.b64encode(text.encode()).decode(),
            "filename": f"{scenario.case or 'scenario'}{'' if row is None else f'-row{row}'}-failure.txt",
            "contentType": "text/plain",
        }
    ]


def _times(group: Sequence[Scenario]) -> dict[str, str]:
    ran = [s.result for s in group if s.result is not None and s.result.start_ms > 0]
    if not ran:
        return {}
    return {"start": iso(min(r.start_ms for r in ran)), "finish": iso(max(r.stop_ms or r.start_ms for r in ran))}


def _parameters(scenario: Scenario) -> list[dict[str, str]]:
    """An iteration's parameters: its outline row's Examples values (the name only for a row no feature file holds)."""
    if scenario.row:
        return [{"name": heading, "value": value} for heading, value in scenario.row]
    return [{"name": "scenario", "value": scenario.name}]


def xray_test(key: str | None, group: Sequence[Scenario], profile: str, no_verdict: str = NO_VERDICT) -> dict:
    """One Xray test: a scenario, or the rows of one outline as iterations."""
    entry: dict = {"testKey": key} if key else {}
    entry["status"] = _worst([s.status(no_verdict) for s in group], no_verdict)
    entry.update(_times(group))
    if len(group) == 1:
        entry["comment"] = group[0].comment(profile)
    else:
        red = [s for s in group if s.status(no_verdict) != Status.PASSED.value]
        entry["comment"] = cap("; ".join(f"{s.name}: {s.comment(profile)}" for s in red), COMMENT_MAX_CHARS)
        entry["comment"] = entry["comment"] or "every row passed"
        entry["iterations"] = [
            {
                "name": s.name,
                "parameters": _parameters(s),
                "status": s.status(no_verdict),
                "log": s.comment(profile),
            }
            for s in group
        ]
    rows = [None] if len(group) == 1 else range(1, len(group) + 1)
    evidence = [item for s, row in zip(group, rows, strict=True) for item in _evidence(s, row)]
    if evidence:
        entry["evidence"] = evidence
    return entry


def _test_info(group: Sequence[Scenario], project: str) -> dict:
    first = group[0]
    return {
        "projectKey": project,
        "summary": f"{first.spec} {first.name}" if len(group) == 1 else f"{first.spec} {first.case}",
        "type": "Generic",
        "definition": f"features: @case-{first.case}" if first.case else f"features: {first.location}",
        # `case-<slug>` lets `upload --create-missing` find the created test's key for docs/xray-keys.yaml.
        "labels": ["focus-acceptance", f"spec-{first.spec}", *([f"case-{first.case}"] if first.case else [])],
    }


def ci_run_url() -> str:
    server, repo, run_id = (os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run_id}" if server and repo and run_id else ""


def _target(facts: RunFacts) -> str:
    """`staging (external, job API)`, `stand (both APIs)`."""
    said = [facts.target] if facts.target != facts.target_name else []
    said += [{"both": "both APIs"}.get(facts.api, f"{facts.api} API")] if facts.api else []
    return f"{facts.target_name} ({', '.join(said)})" if said else facts.target_name


def _signoff_lines(sheet: Sheet) -> list[str]:
    """What the sign-off sheet says of the run: the clarifications judged, whether it can be signed, the sheet."""
    verdict = "fit for sign-off" if sheet.valid else "NOT valid for sign-off (a clause failed or not verified)"
    known = sorted({d.key for row in sheet.rows for d in row.known_defects})
    lines = [
        f"Clarifications judged: {sheet.header.spec.text()}",
        f"Sign-off: {verdict}" + (f"; known defects: {', '.join(known)}" if known else ""),
        f"Sign-off sheet: {sheet.stem}.pdf and {sheet.stem}.json (attached to this Test Execution by the upload)",
    ]
    return lines


def info(
    facts: RunFacts,
    scenarios_: Sequence[Scenario],
    project: str,
    test_plan: str | None,
    sheet: Sheet | None = None,
) -> dict:
    ran = [s.result for s in scenarios_ if s.result is not None and s.result.start_ms > 0]
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    start = min((r.start_ms for r in ran), default=now_ms)
    finish = max((r.stop_ms or r.start_ms for r in ran), default=now_ms)
    outcome = f"exit {facts.exit_code}: {exit_meaning(facts.exit_code)}" if facts.exit_code is not None else ""
    description = [
        f"Focus Server acceptance suite, profile {facts.profile}, target {_target(facts)}.",
        f"Product version (sw_version): {facts.product_version}",
        f"Suite commit: {facts.suite_commit}",
    ]
    if sheet is not None:
        description += _signoff_lines(sheet)
    if outcome:
        description.append(f"Run outcome: {outcome}")
    if not facts.sign_off_profile:
        description.append("Not a sign-off run: the quick profile leaves the @slow scenarios out (TODO here).")
    if url := ci_run_url():
        description.append(f"CI run (report and traceability as artifacts): {url}")
    found = {
        "summary": f"Focus Server acceptance: {facts.describe()}, {iso(finish)[:16].replace('T', ' ')} UTC",
        "description": "\n".join(description),
        "startDate": iso(start),
        "finishDate": iso(finish),
        "revision": facts.suite_commit,
        # The deployment only: Xray keeps one latest status per test and environment, and the shape is no place.
        "testEnvironments": [facts.target_name],
    }
    if project:
        found = {"project": project, **found}
    if test_plan:
        found["testPlanKey"] = test_plan
    return found


@dataclass(frozen=True)
class Unmapped:
    case: str | None
    spec: str | None
    names: tuple[str, ...]
    location: str

    def line(self) -> str:
        case = f"@case-{self.case}" if self.case else "(no @case tag)"
        return f"{case}\t{self.spec}\t{' | '.join(self.names)}\t{self.location}"


def execution(
    scenarios_: Sequence[Scenario],
    facts: RunFacts,
    keys: dict[str, str],
    *,
    project: str = DEFAULT_PROJECT,
    test_plan: str | None = None,
    test_execution: str | None = None,
    create_missing: bool = False,
    no_verdict: str = NO_VERDICT,
    sheet: Sheet | None = None,
) -> tuple[dict, list[Unmapped]]:
    """The import document, and the scenarios that have no Xray test key; `sheet`: the run's sign-off sheet, which
    the execution's description sums up."""
    groups: dict[str, list[Scenario]] = {}
    for scenario in scenarios_:
        key = xray_key(scenario.tags, scenario.case, keys)
        # Without a key, the rows of an outline (one case) still stay together, as one test to create.
        groups.setdefault(key or f"?{scenario.case or scenario.name}", []).append(scenario)
    tests, unmapped = [], []
    for key, group in groups.items():
        mapped = not key.startswith("?")
        if not mapped:
            first = group[0]
            unmapped.append(Unmapped(first.case, first.spec, tuple(s.name for s in group), first.location))
            if not create_missing:
                continue
        entry = xray_test(key if mapped else None, group, facts.profile, no_verdict)
        if not mapped:
            entry = {"testInfo": _test_info(group, project), **entry}
        tests.append(entry)
    document: dict = {}
    if test_execution:
        document["testExecutionKey"] = test_execution
    document["info"] = info(facts, scenarios_, "" if test_execution else project, test_plan, sheet)
    document["tests"] = tests
    return document, unmapped


class NothingToUpload(RuntimeError):
    """The run gives Xray nothing to record; the message says why, in one line."""


def nothing_to_upload(facts: RunFacts, found: Sequence[Scenario], include_stand: bool) -> str | None:
    """Why this run must not reach Xray, or None. The stand is the suite's own fake server: its PASSED would say
    nothing of the product. A run that ended before any scenario (exit 2 at the start) is no execution either."""
    if STAND in (facts.target, facts.target_name) and not include_stand:
        return (
            "the run was on the embedded stand (the suite's own fake server): nothing to upload; "
            "--include-stand (XRAY_INCLUDE_STAND=1) builds the file anyway"
        )
    # A scenario of the features, not the runner's preflight record (which has no clause) nor a not-run one.
    if not any(s.ran and s.spec for s in found):
        code = f" (exit {facts.exit_code}: {exit_meaning(facts.exit_code)})" if facts.exit_code is not None else ""
        return f"the run left no scenario result{code}: nothing to upload"
    return None


def build(
    layout: RunLayout,
    features: Path = FEATURES,
    keys_file: Path = DEFAULT_KEYS,
    *,
    project: str = DEFAULT_PROJECT,
    test_plan: str | None = None,
    test_execution: str | None = None,
    create_missing: bool = False,
    include_stand: bool = False,
    no_verdict: str = NO_VERDICT,
    register: Path | None = None,
) -> tuple[Path, list[Unmapped]]:
    """Write reports/xray/execution.json (and unmapped.txt) from the results in `layout`. Raises NothingToUpload
    (and writes reports/xray/nothing-to-upload.txt instead, an older execution.json removed) when there is none."""
    planned = scenarios(features, ROOT) if features.is_dir() else []
    sheet = build_sheet(layout.results, features, register=register)
    known = {s.result.uuid: s.known_defect for row in sheet.rows for s in row.scenarios if s.result and s.known_defect}
    found = [
        replace(s, known_defect=known.get(s.result.uuid)) if s.result else s
        for s in pair(planned, read_results(layout.results))
    ]
    facts = run_facts.read(layout)
    out = xray_dir(layout)
    out.mkdir(parents=True, exist_ok=True)
    path, note, listing = out / "execution.json", out / NOTHING_FILE, out / "unmapped.txt"
    for stale in (path, note, listing):
        stale.unlink(missing_ok=True)
    if why := nothing_to_upload(facts, found, include_stand):
        note.write_text(why + "\n", encoding="utf-8")
        raise NothingToUpload(why)
    document, unmapped = execution(
        found,
        facts,
        read_keys(keys_file),
        project=project,
        test_plan=test_plan,
        test_execution=test_execution,
        create_missing=create_missing,
        no_verdict=no_verdict,
        sheet=sheet,
    )
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    listing.write_text("".join(f"{u.line()}\n" for u in unmapped), encoding="utf-8")
    return path, unmapped


# --- the mapping file in step with the features -----------------------------------------------------------------


def keys_out_of_step(features: Path = FEATURES, keys_file: Path = DEFAULT_KEYS) -> tuple[list[str], list[str]]:
    """(cases of the features missing from the mapping file, cases it lists that no feature has)."""
    tagged = {s.case for s in scenarios(features, ROOT) if s.case}
    listed = set(listed_cases(keys_file))
    return sorted(tagged - listed), sorted(listed - tagged)


def write_keys(path: Path, created: dict[str, str]) -> list[str]:
    """Fill in `case: KEY` for the created tests: an empty line of the case gets the key, a case not listed is
    added at the end; comments and order stay. Returns the cases written."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    written = []
    for n, line in enumerate(lines):
        case, colon, rest = line.partition(":")
        if colon and case.strip() in created and not line.startswith((" ", "#")) and not rest.strip():
            lines[n] = f"{case.strip()}: {created[case.strip()]}"
            written.append(case.strip())
    listed = set(listed_cases(path))
    for case in sorted(set(created) - listed):
        lines.append(f"{case}: {created[case]}")
        written.append(case)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written
