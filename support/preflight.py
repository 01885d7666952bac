"""Before a run: does every part of the target answer, and which APIs does it offer? One line, not forty tracebacks.
`check_target` asks each part once with short timeouts: REST `GET /ack`, AMQP, the management API, then the gRPC
stream at the address a small live job's `POST /configure` names (its first frame read, its stream closed). The shape
(`FOCUS_API=auto`): a route the target lacks answers FastAPI's 404 `{"detail": "Not Found"}`; scenarios tagged
`@api-task` / `@api-job` whose API is not offered are skipped, visibly (`ApiTags`). The nightly runner runs `python
-m support.preflight` once for its behave processes (`DONE_VARIABLE`); a stopped run leaves a result
(`record_stopped_run`)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from http import HTTPStatus
from pathlib import Path
from xml.etree import ElementTree

import allure_commons
import requests
from allure_commons.logger import AllureFileLogger
from allure_commons.model2 import Label, Status, StatusDetails, TestResult
from allure_commons.utils import md5, now, uuid4
from behave.tag_matcher import ActiveTagMatcher, ValueObject

from support.amqp_probe import BrokerUnreachable, connect
from support.errors import BrokenEnvironment, MalformedAnswer, TargetUnreachable, http_reason, outcome_labels
from support.focus_api import Answer, FocusServer
from support.grpc_stream import first_frame_refused
from support.jobs import Jobs, JobSlots
from support.models import JobConfig, JobConfigured, Range
from support.rabbit_admin import RabbitAdmin
from support.settings import Settings, SettingsError, load_settings, mask_url
from support.times import Times

PREFLIGHT_NAME = "Preflight: every part of the target answers"
DONE_VARIABLE = "ACCEPTANCE_PREFLIGHT_DONE"  # set by the nightly runner for its behave processes
NOT_FOUND = {"detail": "Not Found"}  # FastAPI's answer for a path it has no route for


def done_by_the_runner(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(DONE_VARIABLE) == "1"


class Part(Enum):
    """A part of the target, and the exit code of a behave run that it stopped (so that a caller can tell which)."""

    REST = ("Focus Server REST", 11)
    AMQP = ("RabbitMQ AMQP", 12)
    MANAGEMENT = ("RabbitMQ management API", 13)
    GRPC = ("Focus Server gRPC stream", 14)

    def __init__(self, title: str, exit_code: int) -> None:
        self.title = title
        self.exit_code = exit_code


@dataclass(frozen=True)
class Unreachable:
    part: Part
    address: str
    reason: str

    @property
    def line(self) -> str:
        return f"Target unreachable: {self.part.title} at {self.address} ({self.reason})"


def check_target(settings: Settings, slots: JobSlots) -> Unreachable | None:
    """The first part that does not answer as it should, or None."""
    quick = settings.timeouts.preflight_s
    focus = FocusServer(settings, timeout_s=quick)
    checks: list[tuple[Part, str, Callable[[], str | None]]] = [
        (Part.REST, settings.base_url, lambda: _rest(focus) if settings.base_url else "not configured"),
        (Part.AMQP, settings.amqp_url.get_secret_value(), lambda: _amqp(settings, quick)),
        (Part.MANAGEMENT, settings.rabbitmq_api_url, lambda: _management(settings, quick)),
    ]
    for part, address, check in checks:
        if (reason := check()) is not None:
            variable = {Part.REST: "FOCUS_BASE_URL", Part.AMQP: "FOCUS_AMQP_URL"}.get(part, "FOCUS_RABBITMQ_API_URL")
            return Unreachable(part, mask_url(address) or f"<unset: {variable}>", reason)
    jobs = Jobs(focus, slots, connect_s=quick, first_frame_s=quick)
    try:
        return _grpc(jobs, quick, settings.timeouts.grpc_ready_s)
    finally:
        jobs.close()  # the job's slot back, and the job ended if it is not yet


def _rest(focus: FocusServer) -> str | None:
    try:
        answer = focus.ack()
    except TargetUnreachable as error:
        cause = error.__cause__
        return http_reason(cause) if isinstance(cause, requests.RequestException) else str(error)
    if answer.status == 200:
        return None
    with contextlib.suppress(ValueError):
        return f"GET /ack answered {answer.status} {HTTPStatus(answer.status).phrase}"
    return f"GET /ack answered {answer.status} "


def _amqp(settings: Settings, timeout_s: float) -> str | None:
    try:
        connect(settings, connection_name="focus-acceptance-preflight", timeout_s=timeout_s).close()
    except BrokerUnreachable as error:
        return error.reason
    return None


def _management(settings: Settings, timeout_s: float) -> str | None:
    if not settings.rabbitmq_api_url:
        return "not configured"
    admin = RabbitAdmin(settings, timeout_s=timeout_s)
    try:  # the raw answer, through the client's session and root: any status is a reason here, not an error
        response = admin.session.get(admin.root + "/overview", timeout=timeout_s, verify=settings.tls_verify)
    except requests.RequestException as error:
        return http_reason(error)
    return None if response.status_code == 200 else f"{response.status_code} {response.reason}"


def _grpc(jobs: Jobs, timeout_s: float, connect_timeout_s: float) -> Unreachable | None:
    """Configure a one-channel live job, connect to the stream its answer names, read a frame, close."""
    try:
        channels = jobs.focus.channels().body
        if channels is None:
            return None
        first = channels.lowest_channel
        configured = jobs.configure(JobConfig(channels=Range(min=first, max=first))).body
    except (TargetUnreachable, AssertionError):
        return None  # REST answered its health check; what it answers otherwise is for the scenarios to judge
    if not isinstance(configured, JobConfigured) or not configured.channel_to_stream_index:
        return None
    address, stream_id = configured.grpc_address, next(iter(configured.channel_to_stream_index.values()))
    reason = first_frame_refused(address, stream_id, connect_timeout_s, timeout_s)
    if reason is None:
        return None
    return Unreachable(Part.GRPC, address, f"{reason}; address from POST /configure of job {configured.job_id}")


class Api(StrEnum):
    TASK = "task"
    JOB = "job"


class TargetShape(StrEnum):
    TASK = "task"
    JOB = "job"
    BOTH = "both"

    def offers(self, api: Api) -> bool:
        return self is TargetShape.BOTH or self.value == api.value

    def describe(self) -> str:
        """`job API only`, `task API only`, `task API and job API`."""
        return "task API and job API" if self is TargetShape.BOTH else f"{self.value} API only"


class NoApiOffered(BrokenEnvironment):
    """Neither API answers: the target is no Focus Server (or its base URL is wrong)."""


def _offered(call: Callable[[], Answer]) -> bool:
    try:
        answer = call()
    except MalformedAnswer:
        return True  # the route is there; what it answers is for the scenarios to judge
    if answer.status != 404:
        return True
    try:
        return json.loads(answer.text) != NOT_FOUND
    except ValueError:
        return True


def resolve(settings: Settings) -> tuple[TargetShape, str]:
    """The shape and how it was found: `FOCUS_API`, else `GET /sensors` and `GET /channels` asked."""
    if settings.api != "auto":
        return TargetShape(settings.api), "set by FOCUS_API"
    focus = FocusServer(settings, timeout_s=min(settings.timeouts.preflight_s, settings.timeouts.http_timeout_s))
    task, job = _offered(focus.sensors), _offered(focus.channels)
    if not (task or job):
        raise NoApiOffered("GET /sensors (task API) and GET /channels (job API) both answer 404 Not Found")
    return (TargetShape.BOTH if task and job else TargetShape.TASK if task else TargetShape.JOB), "detected"


def shape_unknown_line(error: BrokenEnvironment) -> str:
    if isinstance(error, NoApiOffered):
        return f"Target unreachable: Focus Server REST offers no API ({error})"
    return f"Target unreachable: {error}"


class _Offered(ValueObject):
    """The value of the active-tag category `api`: it matches each API the target offers (both, on a BOTH shape)."""

    def matches(self, tag_value: str) -> bool:
        return self.value.offers(Api(tag_value))


class ApiTags(ActiveTagMatcher):
    """behave's active-tag matcher for `@api-task` / `@api-job` (behave's own spelling is `@use.with_api=task`)."""

    value_separator = "-"
    tag_schema = r"^(?P<category>(?P<prefix>%s))%s(?P<value>task|job)$"

    def __init__(self, shape: TargetShape) -> None:
        super().__init__({"api": _Offered(shape)}, tag_prefixes=["api"])

    def skip_reason_of(self, tags: list[str]) -> str | None:
        """Why a scenario with these tags is skipped on this target ("the target offers no task API"), or None."""
        if not self.should_skip_with_tags(tags):
            return None
        needed = next((tag[len("api-") :] for tag in tags if tag in ("api-task", "api-job")), None)
        return f"the target offers no {needed} API" if needed else "the target offers none of its APIs"


def record_stopped_run(line: str, junit_dir: Path | None, results_dir: Path | None = None) -> None:
    """One broken result for the run that `line` stopped, to Allure (where the run's go) and to JUnit."""
    message = f"{TargetUnreachable.__name__}: {line}"
    instant = now()
    labels = [("suite", "Preflight"), ("parentSuite", "Preflight"), ("framework", "behave"), ("language", "python")]
    result = TestResult(
        uuid=uuid4(),
        name=PREFLIGHT_NAME,
        fullName="preflight",
        historyId=md5("preflight"),
        testCaseId=md5("preflight"),
        status=Status.BROKEN,
        statusDetails=StatusDetails(message=message),
        description="The run stopped before its first scenario: a part of the target does not answer. "
        "No scenario ran, so no clause was judged.",
        start=instant,
        stop=instant,
        labels=[Label(name=n, value=v) for n, v in [*labels, *outcome_labels(TargetUnreachable)]],
    )
    with contextlib.suppress(Exception):  # a report that cannot be written must not hide the line itself
        if results_dir is not None:
            results_dir.mkdir(parents=True, exist_ok=True)
            AllureFileLogger(str(results_dir), clean=False).report_result(result)
        else:
            allure_commons.plugin_manager.hook.report_result(result=result)
    if junit_dir is not None:
        suite = ElementTree.Element("testsuite", name="preflight", tests="1", errors="1", failures="0", skipped="0")
        case = ElementTree.SubElement(suite, "testcase", classname="preflight", name=PREFLIGHT_NAME, status="broken")
        ElementTree.SubElement(case, "error", type=TargetUnreachable.__name__, message=message).text = message
        with contextlib.suppress(OSError):
            junit_dir.mkdir(parents=True, exist_ok=True)
            ElementTree.ElementTree(suite).write(
                junit_dir / "TESTS-preflight.xml", encoding="utf-8", xml_declaration=True
            )


def versions(settings: Settings) -> dict[str, str]:
    """The Focus Server software version and the broker's, asked of the target itself; "unknown" if it won't say."""
    quick = settings.timeouts.preflight_s
    found = {"focus_server_sw_version": "unknown", "broker": "unknown"}
    with contextlib.suppress(TargetUnreachable, AssertionError):
        if (metadata := FocusServer(settings, timeout_s=quick).live_metadata().body) is not None:
            found["focus_server_sw_version"] = metadata.sw_version
    with contextlib.suppress(BrokenEnvironment, AssertionError):
        if settings.rabbitmq_api_url:
            overview = RabbitAdmin(settings, timeout_s=quick).overview()
            found["broker"] = f"RabbitMQ {overview.rabbitmq_version or '?'} (Erlang {overview.erlang_version or '?'})"
    return found


def ask(settings: Settings, slots: JobSlots | None = None) -> dict[str, object]:
    """Every part, then the shape, then the versions: the answer the runner and environment.py act on."""
    slots = slots or JobSlots(settings.job_slots_dir, settings.max_jobs, Times.of(settings).job_slot_wait_s)
    unreachable = check_target(settings, slots)
    if unreachable is not None:
        return {"line": unreachable.line, "exit_code": unreachable.part.exit_code, "api": None, "api_how": ""}
    try:
        shape, how = resolve(settings)
    except (NoApiOffered, TargetUnreachable) as error:
        return {"line": shape_unknown_line(error), "exit_code": Part.REST.exit_code, "api": None, "api_how": ""}
    return {"line": None, "exit_code": 0, "api": shape.value, "api_how": how, **versions(settings)}


def main(argv: list[str] | None = None) -> int:
    """The answer as JSON (`--out`); a part that does not answer: its line, a broken result, exit 2."""
    parser = argparse.ArgumentParser(description="Does every part of the target answer? (once for a whole run)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--results", type=Path)
    parser.add_argument("--junit", type=Path)
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        answer = ask(load_settings())
    except SettingsError as error:
        answer = {"line": f"bad setting: {error}", "exit_code": 15, "api": None, "api_how": ""}
    answer["seconds"] = round(time.monotonic() - started, 3)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(answer, indent=2), encoding="utf-8")
    if answer["line"] is None:
        return 0
    print(answer["line"], flush=True)
    record_stopped_run(str(answer["line"]), args.junit, args.results)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
