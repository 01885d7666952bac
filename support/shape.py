"""Which APIs the target offers: the task API, the job API, or both (contract, "Target shapes").

Found once before the first scenario, or said outright with `FOCUS_API=task|job|both` (`auto`, the default, asks).
Asked with the preflight's short timeout (`preflight_s`, support/timeouts.py): a REST that answers slowly is the
preflight's to say, in seconds, not a 30 s wait here before it speaks.
A route the target does not have answers FastAPI's own 404 `{"detail": "Not Found"}`: that API is not offered.
Any other answer (200, or a 404 about an unknown id, `{"error": ...}`) means the route is there.
Scenarios say which API they need with `@api-task` / `@api-job`; one whose API is not offered is skipped, visibly.
Those tags are behave active tags (`ApiTags`, behave's `ActiveTagMatcher` read with the project's tag spelling).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum

from behave.tag_matcher import ActiveTagMatcher, ValueObject

from support.errors import BrokenEnvironment, MalformedAnswer
from support.focus_api import Answer, FocusServer

NOT_FOUND = {"detail": "Not Found"}  # FastAPI's answer for a path it has no route for
TAG_PREFIX = "api-"


class Api(StrEnum):
    TASK = "task"
    JOB = "job"


class TargetShape(StrEnum):
    TASK = "task"
    JOB = "job"
    BOTH = "both"

    @property
    def apis(self) -> tuple[Api, ...]:
        return (Api.TASK, Api.JOB) if self is TargetShape.BOTH else (Api(self.value),)

    def offers(self, api: Api) -> bool:
        return api in self.apis

    def describe(self) -> str:
        """`job API only`, `task API only`, `task API and job API`."""
        if self is TargetShape.BOTH:
            return "task API and job API"
        return f"{self.value} API only"


class NoApiOffered(BrokenEnvironment):
    """Neither API answers: the target is no Focus Server (or its base URL is wrong)."""


def route_missing(answer: Answer) -> bool:
    """True when the answer is FastAPI's "no such route" (404 `{"detail": "Not Found"}`), not an unknown id."""
    if answer.status != 404:
        return False
    try:
        return json.loads(answer.text) == NOT_FOUND
    except ValueError:
        return False


def _offered(call: Callable[[], Answer]) -> bool:
    try:
        return not route_missing(call())
    except MalformedAnswer:
        return True  # the route is there; what it answers is for the scenarios to judge


def detect(focus: FocusServer, timeout_s: float | None = None) -> TargetShape:
    """Ask one route of each API that needs no id: `GET /sensors` (task API) and `GET /channels` (job API), each
    within `timeout_s` (TargetUnreachable past it). Nothing of it is kept as a scenario's evidence."""
    timeout_s = timeout_s or focus.settings.timeouts.preflight_s
    quick = replace(
        focus,
        settings=focus.settings.with_timeouts(http_timeout_s=min(timeout_s, focus.settings.timeouts.http_timeout_s)),
        exchanges=[],
    )
    task, job = _offered(quick.sensors), _offered(quick.channels)
    if task and job:
        return TargetShape.BOTH
    if task or job:
        return TargetShape.TASK if task else TargetShape.JOB
    raise NoApiOffered("GET /sensors (task API) and GET /channels (job API) both answer 404 Not Found")


def resolve(setting: str, focus: FocusServer) -> tuple[TargetShape, str]:
    """The shape and how it was found: `FOCUS_API` when it names one, else detected (`auto`)."""
    if setting != "auto":
        return TargetShape(setting), "set by FOCUS_API"
    return detect(focus), "detected"


def shape_unknown_line(error: BrokenEnvironment) -> str:
    """The one line of a run that could not find the target's shape: no API offered, or REST not answering."""
    if isinstance(error, NoApiOffered):
        return f"Target unreachable: Focus Server REST offers no API ({error})"
    return f"Target unreachable: {error}"


def api_of_tags(tags: list[str]) -> Api | None:
    """The API a scenario needs from its `@api-task` / `@api-job` tag; None when it needs neither or adapts."""
    for tag in tags:
        if tag.startswith(TAG_PREFIX) and tag[len(TAG_PREFIX) :] in Api.__members__.values():
            return Api(tag[len(TAG_PREFIX) :])
    return None


def not_offered_reason(api: Api) -> str:
    """The status message of a scenario skipped because its API is not offered (tools read the label, not this)."""
    return f"the target offers no {api.value} API"


class _Offered(ValueObject):
    """The value of the active-tag category `api`: it matches each API the target offers (both, on a BOTH shape)."""

    def __init__(self, shape: TargetShape) -> None:
        super().__init__(shape)

    def matches(self, tag_value: str) -> bool:
        return self.value.offers(Api(tag_value))


class ApiTags(ActiveTagMatcher):
    """behave's active-tag matcher for `@api-task` / `@api-job`: category `api`, value the API named.

    behave spells active tags `@use.with_api=task`; the schema below reads the project's spelling instead, so that
    the tags, the report's labels and the tools stay as they are. Several of them on a scenario: any offered runs it.
    """

    value_separator = "-"
    tag_schema = r"^(?P<category>(?P<prefix>%s))%s(?P<value>task|job)$"

    def __init__(self, shape: TargetShape) -> None:
        super().__init__({"api": _Offered(shape)}, tag_prefixes=["api"])

    def skip_reason_of(self, tags: list[str]) -> str | None:
        """Why a scenario with these tags is skipped on this target ("the target offers no task API"), or None."""
        if not self.should_skip_with_tags(tags):
            return None
        needed = api_of_tags(tags)
        return not_offered_reason(needed) if needed else "the target offers none of its APIs"
