"""What every route family of the REST API shares: where it lives, how it answers an error, the ids it accepts, and
the one fault switch both configure routes read (degrade-seen-body)."""

from __future__ import annotations

import re

from fastapi.responses import JSONResponse
from pydantic import BaseModel

PREFIX = "/focus-server"
JOB_ID = re.compile(r"^\d+-\d+$")
TASK_ID_PATTERN = r"^[A-Za-z0-9_-]{1,200}$"  # also a valid AMQP queue name once `_results` is appended


def error(status: int, text: str) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status)


class SeenBodies:
    """Fault degrade-seen-body: every configure body answered so far (task id aside), for the stand's whole life."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def seen_before(self, body: BaseModel) -> bool:
        key = body.model_dump_json()
        seen = key in self.seen
        self.seen.add(key)
        return seen
