"""The stand is honest about its own bugs: an unexpected error in a handler answers 500 with a log line, never a
4xx that would pass for the client's fault (and hide the bug from the fuzzing test, which counts 5xx)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from stand.catalogue import Catalogue
from stand.faults import ActiveFault
from stand.rest import PREFIX, build_app


class _BrokenTasks:
    """A task registry with a bug: every lookup raises."""

    def find(self, task_id: str) -> None:
        raise RuntimeError(f"planned bug while looking up {task_id}")


class _NoJobs:
    def get(self, job_id: str) -> None:
        return None


def _get(app: Any, path: str) -> tuple[int, dict]:
    """One GET through the ASGI app itself (no server, no HTTP client): its status and JSON body."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"stand")],
        "client": ("127.0.0.1", 1),
        "server": ("stand", 80),
    }
    # Starlette answers through the handler, then re-raises for the server to log as well.
    with pytest.raises(RuntimeError, match="planned bug"):
        asyncio.run(app(scope, receive, send))
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return start["status"], json.loads(body)


def test_an_unexpected_error_in_a_handler_answers_500_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    app = build_app(_BrokenTasks(), _NoJobs(), Catalogue([]), ActiveFault(None))  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="stand.rest"):
        status, body = _get(app, f"{PREFIX}/metadata/some-task")
    assert (status, body) == (500, {"error": "Internal Server Error: RuntimeError"})
    lines = [record.getMessage() for record in caplog.records if record.name == "stand.rest"]
    assert lines == [
        f"unexpected error on GET {PREFIX}/metadata/some-task: RuntimeError: planned bug while looking up some-task"
    ]
