"""The run's results for Jira Xray: a Test Execution in Xray's JSON import format, and its upload to Xray Cloud.

    python -m tools.ci.xray build  [--base reports] [--keys docs/xray-keys.yaml] [--project PZ] [--create-missing]
    python -m tools.ci.xray upload [--file reports/xray/execution.json] [--skip-without-credentials]

`build` (`make xray`) writes reports/xray/execution.json: the execution's info (summary, start and finish, the
target's name as the test environment, the suite commit as revision, the product version and the API shape in the
description) and one test per Xray test key: PASSED, FAILED (a product defect only), ABORTED (no verdict on the
product: a broken environment or a suite defect, its category in the comment; XRAY_NO_VERDICT_STATUS names a custom
status instead) or TODO (not run, skipped). The rows of a scenario outline share their `@case-<slug>`, so they are one
Xray test whose rows are its iterations, each with its Examples values as parameters.

Nothing to upload (reports/xray/nothing-to-upload.txt says why, and no execution.json is written) when the run left
no scenario result, or ran on the embedded stand (the suite's own fake server: its PASSED say nothing about the
product) unless `--include-stand` (or XRAY_INCLUDE_STAND=1) asks for it.

Keys come from the scenario's own tag (`@PZ-1234`) or else from the mapping file by its `@case-<slug>`; scenarios
without a key are listed in reports/xray/unmapped.txt and on the terminal (with `--create-missing` they go into the
import with a `testInfo`, and Xray creates their Test issues).

`upload` posts the file to Xray Cloud: POST /api/v2/authenticate with XRAY_CLIENT_ID and XRAY_CLIENT_SECRET from the
environment (never printed) for a token, then POST /api/v2/import/execution; 429 and 5xx answers and dropped
connections are retried with backoff. XRAY_BASE_URL overrides the service's address (https://xray.cloud.getxray.app;
with or without its `/api/v2`). With `--create-missing`, the keys of the tests Xray created (read back through its
GraphQL API) are written into docs/xray-keys.yaml.
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
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt, wait_exponential

from tools.ci import run_facts
from tools.ci.run_facts import RunFacts, exit_meaning
from tools.common.catalogue import PlannedScenario, scenarios
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, ROOT, RunLayout
from tools.common.results import Kind, ScenarioResult, read_results

DEFAULT_KEYS = ROOT / "docs" / "xray-keys.yaml"
DEFAULT_BASE_URL = "https://xray.cloud.getxray.app"
DEFAULT_PROJECT = "PZ"
KEY_TAG = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")  # a Jira issue key as a scenario tag: @PZ-1234
EVIDENCE_MAX_CHARS = 4000  # the failure message only: the report holds the rest
COMMENT_MAX_CHARS = 1000  # a one-line assertion message once made a 70,041-character comment
CUT_MARK = " … [cut: {more} more characters; the full text is in the run's report]"
TIMEOUT_S = 60.0
ATTEMPTS = 4  # one try and three retries of a 429/5xx or a dropped connection
BACKOFF_S = 2.0  # 2 s, 4 s, 8 s between them
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
    row: tuple[tuple[str, str], ...] = ()  # an outline row's Examples values (heading, value)

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
        return cap(f"{result.kind.value}: {first}" if first else result.kind.value, COMMENT_MAX_CHARS)

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
        entry = xray_test(key if mapped else None, group, facts.profile, no_verdict)
        if not mapped:
            entry = {"testInfo": _test_info(group, project), **entry}
        tests.append(entry)
    document: dict = {}
    if test_execution:
        document["testExecutionKey"] = test_execution
    document["info"] = info(facts, scenarios_, "" if test_execution else project, test_plan)
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
) -> tuple[Path, list[Unmapped]]:
    """Write reports/xray/execution.json (and unmapped.txt) from the results in `layout`. Raises NothingToUpload
    (and writes reports/xray/nothing-to-upload.txt instead, an older execution.json removed) when there is none."""
    planned = scenarios(features, ROOT) if features.is_dir() else []
    found = pair(planned, read_results(layout.results))
    facts = run_facts.read(layout)
    out = xray_dir(layout)
    out.mkdir(parents=True, exist_ok=True)
    path, note, listing = out / "execution.json", out / NOTHING_FILE, out / "unmapped.txt"
    for stale in (path, note, listing):
        stale.unlink(missing_ok=True)
    if why := nothing_to_upload(facts, found, include_stand):
        note.write_text(why + "\n")
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
    )
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    listing.write_text("".join(f"{u.line()}\n" for u in unmapped))
    return path, unmapped


# --- the mapping file in step with the features -----------------------------------------------------------------


def listed_cases(path: Path) -> list[str]:
    """Every case the mapping file lists, keyed or not."""
    data = yaml.safe_load(path.read_text()) if path.is_file() else None
    return [str(case) for case in (data or {})]


def keys_out_of_step(features: Path = FEATURES, keys_file: Path = DEFAULT_KEYS) -> tuple[list[str], list[str]]:
    """(cases of the features missing from the mapping file, cases it lists that no feature has)."""
    tagged = {s.case for s in scenarios(features, ROOT) if s.case}
    listed = set(listed_cases(keys_file))
    return sorted(tagged - listed), sorted(listed - tagged)


def write_keys(path: Path, created: dict[str, str]) -> list[str]:
    """Fill in `case: KEY` for the created tests: an empty line of the case gets the key, a case not listed is
    added at the end; comments and order stay. Returns the cases written."""
    lines = path.read_text().splitlines() if path.is_file() else []
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
    path.write_text("\n".join(lines) + "\n")
    return written


# --- upload -----------------------------------------------------------------------------------------------------


class UploadFailed(RuntimeError):
    """One line that says what went wrong and what to do; never holds the secret or the token."""


class _Retryable(RuntimeError):
    """A 429 or 5xx answer: worth another try after a while."""

    def __init__(self, answer: requests.Response) -> None:
        super().__init__(answer.status_code)
        self.answer = answer


def api_base(base_url: str) -> str:
    """The service's address without a trailing `/api/v2` (the team's config has it; the paths here add it)."""
    base = base_url.strip().rstrip("/")
    for suffix in ("/api/v2", "/api/v1", "/api"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def _reason(answer: requests.Response) -> str:
    try:
        data = answer.json()
    except ValueError:
        return answer.text.strip().splitlines()[0][:200] if answer.text.strip() else ""
    if isinstance(data, dict):
        return str(data.get("error") or data.get("message") or "")[:200]
    return ""


def _masked(line: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        line = line.replace(secret, "***") if secret else line
    return line


def _fail(answer: requests.Response, what: str, secrets: Sequence[str]) -> UploadFailed:
    status = answer.status_code
    if status == 401:
        line = f"Xray refused the credentials ({status} on {what}): check XRAY_CLIENT_ID and XRAY_CLIENT_SECRET"
    elif status == 429 or status >= 500:
        line = f"Xray failed ({status} on {what}, after retries): the service is in trouble; upload again later"
    elif status == 404:
        line = f"Xray has no {what} here (404): check XRAY_BASE_URL (e.g. https://xray.cloud.getxray.app)"
    else:
        reason = _reason(answer)
        line = f"Xray rejected the import ({status} on {what})" + (f": {reason}" if reason else "")
    return UploadFailed(_masked(line, secrets))


def _json(answer: requests.Response, what: str, secrets: Sequence[str]) -> object:
    try:
        return answer.json()
    except ValueError:
        kind = answer.headers.get("Content-Type", "no content type") or "no content type"
        start = " ".join(answer.text.split())[:80]
        line = f"Xray answered {answer.status_code} on {what} with something that is not JSON ({kind}): {start!r}"
        raise UploadFailed(_masked(line, secrets) + "; check XRAY_BASE_URL (a proxy or login page?)") from None


def _retryable(error: BaseException) -> bool:
    return isinstance(error, _Retryable | requests.ConnectionError | requests.Timeout)


def _post(url: str, *, attempts: int, backoff_s: float, **kwargs: object) -> requests.Response:
    """POST, retried on a 429/5xx answer or a dropped connection, waiting longer each time (tenacity)."""

    def _last(state: RetryCallState) -> requests.Response:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable):
            return error.answer
        raise error  # type: ignore[misc]  # a connection error: the caller says so in one line

    @retry(
        retry=retry_if_exception(_retryable),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff_s, max=30),
        retry_error_callback=_last,
        reraise=True,
    )
    def once() -> requests.Response:
        answer = requests.post(url, **kwargs)  # type: ignore[arg-type]
        if answer.status_code == 429 or answer.status_code >= 500:
            raise _Retryable(answer)
        return answer

    return once()


CREATED_TESTS = """query ($id: String!) { getTestExecution(issueId: $id) {
  tests(limit: 100) { results { unstructured jira(fields: ["key", "labels"]) } } } }"""


def created_keys(document: dict, tests: Sequence[dict]) -> dict[str, str]:
    """`case → key` of the tests imported with a `testInfo`, found among the execution's tests by their
    `case-<slug>` label (or their definition, `features: @case-<slug>`)."""
    wanted = {
        label[len("case-") :]
        for test in document.get("tests", [])
        for label in test.get("testInfo", {}).get("labels", [])
        if label.startswith("case-")
    }
    found = {}
    for test in tests:
        jira = test.get("jira") or {}
        cases = [label[len("case-") :] for label in jira.get("labels") or [] if label.startswith("case-")]
        definition = str(test.get("unstructured") or "")
        cases += [definition.removeprefix("features: @case-")] if definition.startswith("features: @case-") else []
        for case in cases:
            if case in wanted and jira.get("key"):
                found[case] = str(jira["key"])
    return found


@dataclass(frozen=True)
class Uploaded:
    answer: dict  # Xray's `{"id", "key", "self"}`
    created: dict[str, str]  # case → key of the tests Xray created (asked for with `created=True` only)


def upload(
    path: Path,
    base_url: str,
    client_id: str,
    client_secret: str,
    *,
    timeout_s: float = TIMEOUT_S,
    attempts: int | None = None,
    backoff_s: float | None = None,
    created: bool = False,
) -> Uploaded:
    """Authenticate, then import the execution; with `created`, read back the keys of the tests Xray created."""
    base = api_base(base_url)
    document = json.loads(path.read_text())
    secrets = [client_secret, client_id]
    tries = {"attempts": attempts or ATTEMPTS, "backoff_s": BACKOFF_S if backoff_s is None else backoff_s}
    try:
        auth = _post(
            f"{base}/api/v2/authenticate",
            json={"client_id": client_id, "client_secret": client_secret},
            timeout=timeout_s,
            **tries,
        )
        if auth.status_code != 200:
            raise _fail(auth, "/api/v2/authenticate", secrets)
        token = _json(auth, "/api/v2/authenticate", secrets)
        if not isinstance(token, str) or not token:
            raise UploadFailed("Xray's /api/v2/authenticate answered no token")
        secrets.append(token)
        headers = {"Authorization": f"Bearer {token}"}
        answer = _post(f"{base}/api/v2/import/execution", json=document, headers=headers, timeout=timeout_s, **tries)
        if answer.status_code != 200:
            raise _fail(answer, "/api/v2/import/execution", secrets)
        imported = _json(answer, "/api/v2/import/execution", secrets)
        if not isinstance(imported, dict):
            raise UploadFailed("Xray's /api/v2/import/execution answered no execution")
        keys: dict[str, str] = {}
        if created and imported.get("id"):
            query = {"query": CREATED_TESTS, "variables": {"id": str(imported["id"])}}
            found = _post(f"{base}/api/v2/graphql", json=query, headers=headers, timeout=timeout_s, **tries)
            if found.status_code != 200:
                raise _fail(found, "/api/v2/graphql", secrets)
            data = _json(found, "/api/v2/graphql", secrets)
            execution_ = ((data or {}).get("data") or {}).get("getTestExecution") or {}  # type: ignore[union-attr]
            keys = created_keys(document, (execution_.get("tests") or {}).get("results") or [])
        return Uploaded(imported, keys)
    except requests.RequestException as exc:
        raise UploadFailed(f"could not reach Xray at {base}: {type(exc).__name__}") from None


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
    make.add_argument(
        "--include-stand",
        action="store_true",
        default=os.environ.get("XRAY_INCLUDE_STAND", "") in ("1", "true", "yes"),
        help="build the file for a run on the embedded stand too (XRAY_INCLUDE_STAND=1)",
    )
    make.add_argument(
        "--no-verdict-status",
        default=os.environ.get("XRAY_NO_VERDICT_STATUS") or NO_VERDICT,
        help="Xray status of a broken environment or suite defect (default ABORTED; a custom one of the project)",
    )
    send = steps.add_parser("upload", help="post the file to Xray Cloud (XRAY_CLIENT_ID, XRAY_CLIENT_SECRET)")
    send.add_argument("--file", type=Path, default=xray_dir(DEFAULT_LAYOUT) / "execution.json")
    send.add_argument(
        "--skip-without-credentials", action="store_true", help="say so and succeed when the credentials are not set"
    )
    send.add_argument(
        "--create-missing", action="store_true", help="write the keys of the tests Xray created into --keys"
    )
    send.add_argument("--keys", type=Path, default=DEFAULT_KEYS, help="the mapping file to complete")
    args = parser.parse_args(argv)
    if args.step == "build":
        return _build(args)
    return _upload(args)


def _build(args: argparse.Namespace) -> int:
    layout = RunLayout(args.base.resolve())
    try:
        path, unmapped = build(
            layout,
            args.features.resolve(),
            args.keys,
            project=args.project,
            test_plan=args.test_plan,
            test_execution=args.test_execution,
            create_missing=args.create_missing,
            include_stand=args.include_stand,
            no_verdict=args.no_verdict_status.strip().upper() or NO_VERDICT,
        )
    except NothingToUpload as why:
        print(f"xray: {why} (no {xray_dir(layout) / 'execution.json'})")
        return 0
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
    note = args.file.parent / NOTHING_FILE
    if not args.file.is_file() and note.is_file():
        print(f"xray upload: nothing to upload: {note.read_text().strip()}")
        return 0
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
        done = upload(args.file, base_url, client_id, secret, created=args.create_missing)
    except UploadFailed as exc:
        print(f"xray upload failed: {exc}")
        return 1
    answer = done.answer
    print(f"xray: imported as Test Execution {answer.get('key', '?')} ({answer.get('self', api_base(base_url))})")
    if args.create_missing:
        written = write_keys(args.keys, done.created) if done.created else []
        print(f"xray: {len(written)} created test key(s) written to {args.keys}" + (": commit it" if written else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
