"""The Xray execution file posted to Xray Cloud, and the sign-off sheet attached to the Test Execution it made.

POST /api/v2/authenticate with XRAY_CLIENT_ID and XRAY_CLIENT_SECRET (never printed) for a token, then POST
/api/v2/import/execution; 429 and 5xx answers and dropped connections are retried with backoff. The service's
address: XRAY_BASE_URL (https://xray.cloud.getxray.app; with or without its `/api/v2`). With `created`, the keys
of the tests Xray created are read back through its GraphQL API.

Xray's import carries no file for the execution itself: the sign-off sheet (its PDF and JSON) is attached to the
Test Execution issue through Jira's own REST API (`attach`: JIRA_BASE_URL, JIRA_USER, JIRA_API_TOKEN).

Entry points: `upload(path, base_url, client_id, client_secret) -> Uploaded`,
`attach(key, files, jira_url, user, token) -> list[str]`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import requests
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt, wait_exponential

DEFAULT_BASE_URL = "https://xray.cloud.getxray.app"
TIMEOUT_S = 60.0
ATTEMPTS = 4  # one try and three retries of a 429/5xx or a dropped connection
BACKOFF_S = 2.0  # 2 s, 4 s, 8 s between them


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


@dataclass(frozen=True)
class _Service:
    name: str
    credentials: str  # the variables that hold them
    address: str  # the variable that names the service, with an example
    sent: str  # what was sent to it


XRAY = _Service(
    "Xray", "XRAY_CLIENT_ID and XRAY_CLIENT_SECRET", "XRAY_BASE_URL (e.g. https://xray.cloud.getxray.app)", "import"
)
JIRA = _Service(
    "Jira", "JIRA_USER and JIRA_API_TOKEN", "JIRA_BASE_URL (e.g. https://your-site.atlassian.net)", "attachment"
)


def _fail(answer: requests.Response, what: str, secrets: Sequence[str], service: _Service = XRAY) -> UploadFailed:
    status, name = answer.status_code, service.name
    if status == 401:
        line = f"{name} refused the credentials ({status} on {what}): check {service.credentials}"
    elif status == 429 or status >= 500:
        line = f"{name} failed ({status} on {what}, after retries): the service is in trouble; upload again later"
    elif status == 404:
        line = f"{name} has no {what} here (404): check {service.address}"
    else:
        reason = _reason(answer)
        line = f"{name} rejected the {service.sent} ({status} on {what})" + (f": {reason}" if reason else "")
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
    document = json.loads(path.read_text(encoding="utf-8"))
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


def attach(
    key: str,
    files: Sequence[Path],
    jira_url: str,
    user: str,
    token: str,
    *,
    timeout_s: float = TIMEOUT_S,
    attempts: int | None = None,
    backoff_s: float | None = None,
) -> list[str]:
    """Attach `files` to the Jira issue `key` (the Test Execution): Jira's REST API, POST
    /rest/api/3/issue/{key}/attachments, as `user` with an API token. Returns the names Jira took."""
    base = jira_url.strip().rstrip("/")
    tries = {"attempts": attempts or ATTEMPTS, "backoff_s": BACKOFF_S if backoff_s is None else backoff_s}
    what = f"/rest/api/3/issue/{key}/attachments"
    taken = []
    try:
        for path in files:
            kind = "application/pdf" if path.suffix == ".pdf" else "application/json"
            answer = _post(
                f"{base}{what}",
                files={"file": (path.name, path.read_bytes(), kind)},
                headers={"X-Atlassian-Token": "no-check", "Accept": "application/json"},
                auth=(user, token),
                timeout=timeout_s,
                **tries,
            )
            if answer.status_code != 200:
                raise _fail(answer, what, [token, user], JIRA)
            listed = _json(answer, what, [token, user])
            names = (
                [str(item.get("filename")) for item in listed if isinstance(item, dict)]
                if isinstance(listed, list)
                else []
            )
            taken += names or [path.name]
    except requests.RequestException as exc:
        raise UploadFailed(f"could not reach Jira at {base}: {type(exc).__name__}") from None
    return taken
