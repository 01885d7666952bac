"""The run's results for Jira Xray: a Test Execution in Xray's JSON import format, and its upload to Xray Cloud.

    python -m tools.xray build  [--base reports] [--keys docs/xray-keys.yaml] [--project PZ] [--create-missing]
    python -m tools.xray upload [--file reports/xray/execution.json] [--skip-without-credentials]

`build` (`make xray`) writes reports/xray/execution.json: the execution's info (summary, start and finish, test
environments = target and shape, the suite commit as revision, the product version in the description) and one
test per Xray test key: PASSED, FAILED (a product defect; a broken scenario too, its category in the comment) or
TODO (not run, skipped). The rows of a scenario outline share their `@case-<slug>`, so they are one Xray test whose
rows are its iterations. Keys come from the scenario's own tag (`@PZ-1234`) or else from the mapping file by its
`@case-<slug>`; scenarios without a key are listed in reports/xray/unmapped.txt and on the terminal (with
`--create-missing` they go into the import with a `testInfo`, and Xray creates their Test issues).

`upload` posts the file to Xray Cloud: POST /api/v2/authenticate with XRAY_CLIENT_ID and XRAY_CLIENT_SECRET from the
environment (never printed) for a token, then POST /api/v2/import/execution. XRAY_BASE_URL overrides the service's
address (https://xray.cloud.getxray.app).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import requests
import yaml

from tools import run_facts
from tools.catalogue import PlannedScenario, scenarios
from tools.layout import DEFAULT_LAYOUT, FEATURES, ROOT, RunLayout
from tools.results import Kind, ScenarioResult, read_results
from tools.run_facts import RunFacts, exit_meaning

DEFAULT_KEYS = ROOT / "docs" / "xray-keys.yaml"
DEFAULT_BASE_URL = "https://xray.cloud.getxray.app"
DEFAULT_PROJECT = "PZ"
KEY_TAG = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")  # a Jira issue key as a scenario tag: @PZ-1234
EVIDENCE_MAX_CHARS = 4000  # the failure message only: the report holds the rest
TIMEOUT_S = 60.0


class Status(StrEnum):
    """Xray Cloud's statuses of a test run."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    TODO = "TODO"


def xray_dir(layout: RunLayout) -> Path:
    return layout.base / "xray"


# --- which scenario is which Xray test -------------------------------------------------------------------------


def read_keys(path: Path) -> dict[str, str]:
    """`case slug → test key` from the mapping file; a slug whose key is empty is left out (not mapped yet)."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    return {str(case): str(key).strip() for case, key in data.items() if key and str(key).strip()}


def xray_key(tags: Sequence[str], case: str | None, keys: dict[str, str]) -> str | None:
    """The scenario's own `@PZ-1234` tag, else its case's key in the mapping file."""
    tagged = next((tag for tag in tags if KEY_TAG.match(tag)), None)
    return tagged or (keys.get(case) if case else None)


@dataclass(frozen=True)
class Scenario:
    """A scenario of the feature files (or of the results only), with its result if it ran."""

    name: str
    spec: str | None
    case: str | None
    tags: tuple[str, ...]
    location: str
    result: ScenarioResult | None

    @property
    def status(self) -> Status:
        if self.result is None or self.result.kind is Kind.SKIPPED:
            return Status.TODO
        return Status.PASSED if self.result.kind is Kind.PASSED else Status.FAILED

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
            return f"skipped: {first}" if first else "skipped"
        return f"{result.kind.value}: {first}" if first else result.kind.value


def pair(planned: Sequence[PlannedScenario], results: Sequence[ScenarioResult]) -> list[Scenario]:
    """Every scenario of the feature files with its result (None: not run), then results no feature file holds."""
    by_key: dict[tuple[str | None, str | None, str], ScenarioResult] = {}
    for result in results:
        by_key.setdefault((result.spec, result.case, result.name.strip()), result)
    found = []
    for p in planned:
        result = by_key.pop((p.spec, p.case, p.name), None)
        found.append(Scenario(p.name, p.spec, p.case, p.tags, p.location, result))
    for result in by_key.values():
        found.append(Scenario(result.name.strip(), result.spec, result.case, (), "", result))
    return found


# --- the import file --------------------------------------------------------------------------------------------


def iso(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 with its zone (UTC), as Xray wants start and finish."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def _worst(statuses: Sequence[Status]) -> Status:
    for status in (Status.FAILED, Status.TODO):
        if status in statuses:
            return status
    return Status.PASSED


def _evidence(scenario: Scenario, row: int | None = None) -> list[dict[str, str]]:
    """For a red scenario, its failure message as one small text file; nothing else (the report has the rest).
    `row`: its row in an outline, so that two rows' files do not share a name."""
    result = scenario.result
    if result is None or not result.red or not result.message:
        return []
    text = f"{scenario.spec} {scenario.name}\n{result.kind.value}\n\n{result.message[:EVIDENCE_MAX_CHARS]}\n"
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


def xray_test(key: str | None, group: Sequence[Scenario], profile: str) -> dict:
    """One Xray test: a scenario, or the rows of one outline as iterations."""
    entry: dict = {"testKey": key} if key else {}
    statuses = [s.status for s in group]
    entry["status"] = _worst(statuses)
    entry.update(_times(group))
    if len(group) == 1:
        entry["comment"] = group[0].comment(profile)
    else:
        entry["comment"] = "; ".join(f"{s.name}: {s.comment(profile)}" for s in group if s.status != Status.PASSED)
        entry["comment"] = entry["comment"] or "every row passed"
        entry["iterations"] = [
            {
                "name": s.name,
                "parameters": [{"name": "scenario", "value": s.name}],
                "status": s.status,
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
        "labels": ["focus-acceptance", f"spec-{first.spec}"],
    }


def ci_run_url() -> str:
    server, repo, run_id = (os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run_id}" if server and repo and run_id else ""


def _target(facts: RunFacts) -> str:
    """`staging (external, job API)`, `stand (both APIs)`."""
    said = [facts.target] if facts.target != facts.target_name else []
    said += [f"{facts.api} API"] if facts.api else []
    return f"{facts.target_name} ({', '.join(said)})" if said else facts.target_name


def info(facts: RunFacts, scenarios_: Sequence[Scenario], project: str, test_plan: str | None) -> dict:
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
        "testEnvironments": [facts.target_name, *([facts.api] if facts.api else [])],
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
) -> tuple[dict, list[Unmapped]]:
    """The import document, and the scenarios that have no Xray test key."""
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
        entry = xray_test(key if mapped else None, group, facts.profile)
        if not mapped:
            entry = {"testInfo": _test_info(group, project), **entry}
        tests.append(entry)
    document: dict = {}
    if test_execution:
        document["testExecutionKey"] = test_execution
    document["info"] = info(facts, scenarios_, "" if test_execution else project, test_plan)
    document["tests"] = tests
    return document, unmapped


def build(
    layout: RunLayout,
    features: Path = FEATURES,
    keys_file: Path = DEFAULT_KEYS,
    *,
    project: str = DEFAULT_PROJECT,
    test_plan: str | None = None,
    test_execution: str | None = None,
    create_missing: bool = False,
) -> tuple[Path, list[Unmapped]]:
    """Write reports/xray/execution.json (and unmapped.txt) from the results in `layout`."""
    planned = scenarios(features, ROOT) if features.is_dir() else []
    found = pair(planned, read_results(layout.results))
    document, unmapped = execution(
        found,
        run_facts.read(layout),
        read_keys(keys_file),
        project=project,
        test_plan=test_plan,
        test_execution=test_execution,
        create_missing=create_missing,
    )
    out = xray_dir(layout)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "execution.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    listing = out / "unmapped.txt"
    listing.write_text("".join(f"{u.line()}\n" for u in unmapped))
    return path, unmapped


# --- upload -----------------------------------------------------------------------------------------------------


class UploadFailed(RuntimeError):
    """One line that says what went wrong and what to do; never holds the secret or the token."""


def _reason(answer: requests.Response) -> str:
    try:
        data = answer.json()
    except ValueError:
        return answer.text.strip().splitlines()[0][:200] if answer.text.strip() else ""
    if isinstance(data, dict):
        return str(data.get("error") or data.get("message") or "")[:200]
    return ""


def _fail(answer: requests.Response, what: str, secrets: Sequence[str]) -> UploadFailed:
    status = answer.status_code
    if status == 401:
        line = f"Xray refused the credentials ({status} on {what}): check XRAY_CLIENT_ID and XRAY_CLIENT_SECRET"
    elif status >= 500:
        line = f"Xray failed ({status} on {what}): the service is in trouble; upload again later"
    else:
        reason = _reason(answer)
        line = f"Xray rejected the import ({status} on {what})" + (f": {reason}" if reason else "")
    for secret in secrets:
        line = line.replace(secret, "***") if secret else line
    return UploadFailed(line)


def upload(path: Path, base_url: str, client_id: str, client_secret: str, timeout_s: float = TIMEOUT_S) -> dict:
    """Authenticate, then import the execution; returns Xray's answer (`{"id", "key", "self"}`)."""
    base = base_url.rstrip("/")
    document = json.loads(path.read_text())
    secrets = [client_secret, client_id]
    try:
        auth = requests.post(
            f"{base}/api/v2/authenticate",
            json={"client_id": client_id, "client_secret": client_secret},
            timeout=timeout_s,
        )
        if auth.status_code != 200:
            raise _fail(auth, "/api/v2/authenticate", secrets)
        token = auth.json()
        if not isinstance(token, str) or not token:
            raise UploadFailed("Xray's /api/v2/authenticate answered no token")
        secrets.append(token)
        answer = requests.post(
            f"{base}/api/v2/import/execution",
            json=document,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
        )
        if answer.status_code != 200:
            raise _fail(answer, "/api/v2/import/execution", secrets)
        return answer.json()
    except requests.RequestException as exc:
        raise UploadFailed(f"could not reach Xray at {base}: {type(exc).__name__}") from None
    except ValueError:
        raise UploadFailed("Xray answered something that is not JSON") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The run's results for Jira Xray.")
    steps = parser.add_subparsers(dest="step", required=True)
    make = steps.add_parser("build", help="write reports/xray/execution.json from the results there")
    make.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base, help="the reports folder")
    make.add_argument("--features", type=Path, default=FEATURES)
    make.add_argument("--keys", type=Path, default=DEFAULT_KEYS, help="case slug → Xray test key (YAML)")
    make.add_argument("--project", default=os.environ.get("XRAY_PROJECT") or DEFAULT_PROJECT)
    make.add_argument("--test-plan", default=os.environ.get("XRAY_TEST_PLAN") or None, help="e.g. PZ-100")
    make.add_argument(
        "--test-execution", default=os.environ.get("XRAY_TEST_EXECUTION") or None, help="import into this one"
    )
    make.add_argument("--create-missing", action="store_true", help="import unmapped scenarios as new Xray tests")
    send = steps.add_parser("upload", help="post the file to Xray Cloud (XRAY_CLIENT_ID, XRAY_CLIENT_SECRET)")
    send.add_argument("--file", type=Path, default=xray_dir(DEFAULT_LAYOUT) / "execution.json")
    send.add_argument(
        "--skip-without-credentials", action="store_true", help="say so and succeed when the credentials are not set"
    )
    args = parser.parse_args(argv)
    if args.step == "build":
        return _build(args)
    return _upload(args)


def _build(args: argparse.Namespace) -> int:
    layout = RunLayout(args.base.resolve())
    path, unmapped = build(
        layout,
        args.features.resolve(),
        args.keys,
        project=args.project,
        test_plan=args.test_plan,
        test_execution=args.test_execution,
        create_missing=args.create_missing,
    )
    tests = json.loads(path.read_text())["tests"]
    print(f"xray: {path} ({len(tests)} tests)")
    if unmapped:
        what = "imported as new tests" if args.create_missing else "not in the import"
        count = sum(len(item.names) for item in unmapped)
        print(f"xray: {count} scenario(s) without an Xray test key ({what}); {args.keys} maps them by case:")
        for item in unmapped:
            print(f"  {item.line()}")
        print(f"  (listed in {path.parent / 'unmapped.txt'})")
    return 0


def _upload(args: argparse.Namespace) -> int:
    client_id, secret = os.environ.get("XRAY_CLIENT_ID", ""), os.environ.get("XRAY_CLIENT_SECRET", "")
    if not client_id or not secret:
        print("xray upload skipped: XRAY_CLIENT_ID and XRAY_CLIENT_SECRET are not set")
        return 0 if args.skip_without_credentials else 2
    if not args.file.is_file():
        print(f"xray upload: {args.file} does not exist; `make xray` writes it")
        return 1
    if not json.loads(args.file.read_text()).get("tests"):
        print(f"xray upload: {args.file} holds no test: no scenario has an Xray test key yet ({DEFAULT_KEYS.name})")
        return 1
    base_url = os.environ.get("XRAY_BASE_URL") or DEFAULT_BASE_URL
    try:
        answer = upload(args.file, base_url, client_id, secret)
    except UploadFailed as exc:
        print(f"xray upload failed: {exc}")
        return 1
    print(f"xray: imported as Test Execution {answer.get('key', '?')} ({answer.get('self', base_url)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
