"""Jira Xray: the run's results as one Test Execution in Xray's JSON import format (`build`, `make xray`: one test per
key of features/clauses.yaml, an outline's rows its iterations; nothing-to-upload.txt for a stand run without
--include-stand), and its upload to Xray Cloud (`upload`).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import requests
from tenacity import retry, retry_if_exception_type, retry_if_result, stop_after_attempt, wait_exponential

from support.clauses import xray_key
from tools.ci.ci_run import RunFacts, exit_meaning
from tools.common.catalogue import scenarios
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, ROOT, RunLayout
from tools.common.results import Kind, ScenarioResult, read_results

PASSED, FAILED, TODO, ABORTED = "PASSED", "FAILED", "TODO", "ABORTED"  # Xray Cloud's own statuses
COMMENT_MAX, EVIDENCE_MAX = 1000, 4000  # a one-line assertion message once made a 70,041-character comment
NOTHING = "nothing-to-upload.txt"
DEFAULT_BASE_URL = "https://xray.cloud.getxray.app"
BUSY, DROPPED = {429, *range(500, 600)}, (requests.ConnectionError, requests.Timeout)


def cap(text: str, limit: int) -> str:
    """The text, at most `limit` characters and a marker that says how much was cut."""
    cut = f" … [cut: {len(text) - limit} more characters; the full text is in the run's report]"
    return text if len(text) <= limit else text[:limit] + cut


class Scenario(NamedTuple):
    """A scenario of the feature files (or of the results only), with its result if it ran."""

    name: str
    spec: str | None
    case: str | None
    location: str
    result: ScenarioResult | None
    row: tuple[tuple[str, str], ...] = ()  # an outline row's Examples values (heading, value)

    def status(self, no_verdict: str) -> str:
        kind = self.result.kind if self.result is not None else Kind.SKIPPED
        return {Kind.PASSED: PASSED, Kind.PRODUCT: FAILED, Kind.SKIPPED: TODO}.get(kind, no_verdict)

    def comment(self) -> str:
        """One line: why it is not green (the failure's first line, with its category), or why it did not run."""
        if self.result is None:
            return "not run"
        kind, first = self.result.kind, (self.result.message.splitlines() or [""])[0].strip()
        said = {Kind.PASSED: "passed", Kind.SKIPPED: first or "skipped"}.get(kind) or f"{kind.value}: {first}"
        return cap(said.removesuffix(": "), COMMENT_MAX)

    def evidence(self, row: int | None) -> dict | None:
        """A red scenario's failure message as one small text file (the report holds the rest)."""
        result = self.result
        if result is None or not result.red or not result.message:
            return None
        text = f"{self.spec} {self.name}\n{result.kind.value}\n\n{cap(result.message, EVIDENCE_MAX)}\n"
        name = f"{self.case or 'scenario'}{'' if row is None else f'-row{row}'}-failure.txt"
        return {"data": base64.b64encode(text.encode()).decode(), "filename": name, "contentType": "text/plain"}


def pair(features: Path, results: Sequence[ScenarioResult]) -> list[Scenario]:
    """Every scenario of the feature files with its result (None: not run), then results no feature file holds."""
    by_key = {(r.spec, r.case, r.name.strip()): r for r in reversed(results)}  # the first result of a name wins
    planned = scenarios(features, ROOT) if features.is_dir() else []
    found = [
        Scenario(p.name, p.spec, p.case, p.location, by_key.pop((p.spec, p.case, p.name), None), p.row) for p in planned
    ]
    return found + [Scenario(r.name.strip(), r.spec, r.case, "", r) for r in by_key.values()]


def span(results: Sequence[ScenarioResult | None]) -> dict[str, str]:
    """`start` and `finish` of the results that ran, as ISO 8601 with their zone (UTC), as Xray wants them."""
    ran = [r for r in results if r is not None and r.start_ms > 0]
    ends = {"start": min((r.start_ms for r in ran), default=0), "finish": max((r.stop_ms for r in ran), default=0)}
    return {k: datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds") for k, ms in ends.items() if ran}


def xray_test(key: str, group: Sequence[Scenario], no_verdict: str = ABORTED) -> dict:
    """One Xray test: a scenario, or the rows of one outline as its iterations."""
    statuses, comments = [s.status(no_verdict) for s in group], [s.comment() for s in group]
    entry: dict = {"testKey": key, "status": next((s for s in (FAILED, no_verdict, TODO) if s in statuses), PASSED)}
    entry |= span([s.result for s in group])
    rows = [None] if len(group) == 1 else range(1, len(group) + 1)
    if evidence := [e for s, row in zip(group, rows, strict=True) if (e := s.evidence(row))]:
        entry["evidence"] = evidence
    if len(group) == 1:
        return entry | {"comment": comments[0]}
    red = "; ".join(f"{s.name}: {c}" for s, c, st in zip(group, comments, statuses, strict=True) if st != PASSED)
    entry["comment"] = cap(red, COMMENT_MAX) or "every row passed"
    values = [[{"name": h, "value": v} for h, v in s.row] or [{"name": "scenario", "value": s.name}] for s in group]
    entry["iterations"] = [
        {"name": s.name, "parameters": p, "status": st, "log": c}
        for s, p, st, c in zip(group, values, statuses, comments, strict=True)
    ]
    return entry


def info(facts: RunFacts, found: Sequence[Scenario], project: str, test_plan: str | None) -> dict:
    """The Test Execution: which run, product version, suite commit and clarifications, the deployment's name."""
    header, code, now = facts.header, facts.exit_code, datetime.now(UTC).isoformat(timespec="seconds")
    when = span([s.result for s in found])
    description = [
        f"Focus Server acceptance suite: {facts.describe()}.",
        f"Product version (sw_version): {header.sw_version}",
        f"Suite commit: {header.commit}",
        f"Clarifications judged: {header.spec.date} (sha256 {header.spec.sha256})",
    ]
    description += [f"Run outcome: exit {code}: {exit_meaning(code)}"] if code is not None else []
    if header.profile == "quick":
        description.append("Not a sign-off run: the quick profile leaves the @slow scenarios out (TODO here).")
    server, repo, run = (os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    if server and repo and run:
        description.append(f"CI run (report and traceability as artifacts): {server}/{repo}/actions/runs/{run}")
    finish = when.get("finish", now)
    return {
        "project": project,
        "summary": f"Focus Server acceptance: {facts.describe()}, {finish[:16].replace('T', ' ')} UTC",
        "description": "\n".join(description),
        "startDate": when.get("start", now),
        "finishDate": finish,
        "revision": header.commit,
        # The deployment only: Xray keeps one latest status per test and environment, and the shape is no place.
        "testEnvironments": [facts.target_name],
    } | ({"testPlanKey": test_plan} if test_plan else {})


def build(args: argparse.Namespace) -> int:
    layout = RunLayout(args.base.resolve())
    out = layout.base / "xray"
    shutil.rmtree(out, ignore_errors=True)  # no stale file of an earlier run
    out.mkdir(parents=True)
    path, note, listing = out / "execution.json", out / NOTHING, out / "unmapped.txt"
    facts, found = RunFacts.of(layout), pair(args.features.resolve(), read_results(layout.results))
    # The stand is the suite's own fake server (its PASSED say nothing of the product); a run without a scenario of
    # the features that ran (only the preflight's record, or the runner's "not run" ones) is no execution either.
    code = f" (exit {facts.exit_code}: {exit_meaning(facts.exit_code)})" if facts.exit_code is not None else ""
    why = ""
    if "stand" in (facts.header.target, facts.target_name) and not args.include_stand:
        why = "the run was on the embedded stand (the suite's own fake server): --include-stand builds the file anyway"
    elif not any(s.spec and s.result and not s.result.message.startswith("not run") for s in found):
        why = f"the run left no scenario result{code}: nothing to upload"
    if why:
        note.write_text(why + "\n", encoding="utf-8")
        print(f"xray: {why} (no {path})")
        return 0
    groups: dict[str, list[Scenario]] = {}
    for scenario in found:  # the rows of an outline share their case: one test, with or without a key
        groups.setdefault(xray_key(scenario.case) or f"?{scenario.case or scenario.name}", []).append(scenario)
    no_verdict = os.environ.get("XRAY_NO_VERDICT_STATUS", "").strip().upper() or ABORTED  # of no verdict on the product
    tests = [xray_test(key, group, no_verdict) for key, group in groups.items() if key[0] != "?"]
    document = {"info": info(facts, found, os.environ.get("XRAY_PROJECT") or "PZ", args.test_plan), "tests": tests}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    unmapped = [
        f"{f'@case-{g[0].case}' if g[0].case else '(no @case tag)'}\t{g[0].spec}\t{' | '.join(s.name for s in g)}"
        f"\t{g[0].location}\n"
        for key, g in groups.items()
        if key[0] == "?"
    ]
    listing.write_text("".join(unmapped), encoding="utf-8")
    print(f"xray: {path} ({len(tests)} tests); {len(unmapped)} case(s) without a test key in features/clauses.yaml")
    if unmapped:
        print("".join(f"  {line}" for line in unmapped) + f"  (listed in {listing}, not imported)")
    return 0


class UploadFailed(RuntimeError):
    """What went wrong and what to do, in one line without the secret or the token."""


@retry(
    retry=retry_if_exception_type(DROPPED) | retry_if_result(lambda answer: answer.status_code in BUSY),
    stop=stop_after_attempt(4),
    wait=wait_exponential(multiplier=2, max=30),  # 2 s, 4 s, 8 s between the tries
    retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
)
def _post(url: str, **kwargs: object) -> requests.Response:
    return requests.post(url, timeout=60.0, **kwargs)  # type: ignore[arg-type]


def _answer(url: str, secrets: Sequence[str], **kwargs: object) -> object:
    """The JSON of Xray's 200 answer to a POST, else UploadFailed with one line, the secrets masked."""
    answer, what = _post(url, **kwargs), "/api/v2" + url.split("/api/v2", 1)[-1]
    if answer.status_code == 200:
        with contextlib.suppress(ValueError):
            return answer.json()
    line = {
        200: f"Xray answered {what} with something that is not JSON: check XRAY_BASE_URL (a proxy or login page?)",
        401: f"Xray refused the credentials (401 on {what}): check XRAY_CLIENT_ID and XRAY_CLIENT_SECRET",
        404: f"Xray has no {what} here (404): check XRAY_BASE_URL (e.g. {DEFAULT_BASE_URL})",
    }.get(answer.status_code) or (
        f"Xray failed ({answer.status_code} on {what}, after retries): the service is in trouble; upload again later"
        if answer.status_code in BUSY
        else f"Xray rejected the import ({answer.status_code} on {what}): {' '.join(answer.text.split())[:200]}"
    )
    for secret in filter(None, secrets):
        line = line.replace(secret, "***")
    raise UploadFailed(line)


def send(path: Path, skip_without_credentials: bool) -> int:
    """Authenticate with Xray Cloud, then import the execution; one line says what happened."""
    if not path.is_file() and (note := path.parent / NOTHING).is_file():
        print(f"xray upload: nothing to upload: {note.read_text(encoding='utf-8').strip()}")
        return 0
    client_id, secret = os.environ.get("XRAY_CLIENT_ID", ""), os.environ.get("XRAY_CLIENT_SECRET", "")
    if not client_id or not secret:
        print("xray upload skipped: XRAY_CLIENT_ID and XRAY_CLIENT_SECRET are not set")
        return 0 if skip_without_credentials else 2
    document = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if not document.get("tests"):
        print(f"xray upload: no test in {path} (`make xray` writes it; the test keys: features/clauses.yaml)")
        return 1
    base = re.sub(r"(/api(/v\d)?)?/*$", "", os.environ.get("XRAY_BASE_URL") or DEFAULT_BASE_URL)  # with its /api/v2
    try:
        credentials = {"client_id": client_id, "client_secret": secret}
        token = str(_answer(f"{base}/api/v2/authenticate", [secret, client_id], json=credentials))
        headers = {"Authorization": f"Bearer {token}"}
        done = _answer(f"{base}/api/v2/import/execution", [secret, client_id, token], json=document, headers=headers)
    except UploadFailed as exc:
        print(f"xray upload failed: {exc}")
        return 1
    except requests.RequestException as exc:
        print(f"xray upload failed: could not reach Xray at {base}: {type(exc).__name__}")
        return 1
    done = done if isinstance(done, dict) else {}
    print(f"xray: imported as Test Execution {done.get('key', '?')} ({done.get('self', base)})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The run's results for Jira Xray: build the file, or upload it.")
    parser.add_argument("step", choices=["build", "upload"])
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base)
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--test-plan", default=os.environ.get("XRAY_TEST_PLAN") or None, help="build: e.g. PZ-100")
    stand = os.environ.get("XRAY_INCLUDE_STAND", "") in ("1", "true", "yes")
    parser.add_argument("--include-stand", action="store_true", default=stand, help="build: a stand run too")
    parser.add_argument("--file", type=Path, default=DEFAULT_LAYOUT.base / "xray" / "execution.json")
    parser.add_argument("--skip-without-credentials", action="store_true", help="upload: say so and succeed")
    args = parser.parse_args(argv)
    return send(args.file, args.skip_without_credentials) if args.step == "upload" else build(args)


if __name__ == "__main__":
    sys.exit(main())
