"""Before a run: does every part of the target answer? If not, one clear line names the part and its address.

Forty scenarios failing with tracebacks say less than one line such as
`Target unreachable: RabbitMQ management API at http://127.0.0.1:15672 (401 Unauthorized)`.
Timeouts are short, so that a dead target ends the run within seconds. Secrets never appear (`mask_url`).

The gRPC stream is a part too, but its address is never configured: it comes from a `POST /configure` answer. So
the last check configures one small live job, connects to the stream address its answer gives and reads the first
frame, then closes the stream (which ends the job). A target whose REST refuses or garbles that job is not
"unreachable": the scenarios say what is wrong with it; only a stream address that takes no connection stops the run.

A stopped run still leaves a result (`record_stopped_run`): one broken Allure result ("broken environment": it
carries the labels of a `TargetUnreachable`) and one JUnit error, so that a report built from the run says why it
is empty.

Once per run: the nightly runner asks before it releases its behave processes, and tells them so (`DONE_VARIABLE`):
they skip their own, so that a run configures one preflight job, not one per process, and a down target is said
once. behave run on its own asks for itself (environment.py).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from http import HTTPStatus
from pathlib import Path
from xml.etree import ElementTree

import allure_commons
import requests
from allure_commons.logger import AllureFileLogger
from allure_commons.model2 import Label, Status, StatusDetails, TestResult
from allure_commons.utils import md5, now, uuid4

from support.amqp_probe import BrokerUnreachable, connect
from support.errors import TargetUnreachable, outcome_labels
from support.focus_api import FocusServer
from support.grpc_stream import first_frame_refused
from support.models import JobConfig, JobConfigured, Range
from support.rabbit_admin import RabbitAdmin, http_reason
from support.settings import Settings, mask_url

PREFLIGHT_NAME = "Preflight: every part of the target answers"
# Set by the nightly runner for its behave processes once its own preflight passed (tools/run/nightly.py).
DONE_VARIABLE = "ACCEPTANCE_PREFLIGHT_DONE"


def done_by_the_runner(environ: Mapping[str, str] = os.environ) -> bool:
    """True in a behave process of the nightly runner, which asked every part already (once for the whole run)."""
    return environ.get(DONE_VARIABLE) == "1"


class Part(Enum):
    """A part of the target, and the exit code of a run that it stopped (so that a caller can tell which)."""

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


def check_target(settings: Settings, timeout_s: float | None = None) -> Unreachable | None:
    """Ask each part once: REST `GET /ack`, an AMQP connection, management `GET /api/overview` with the credentials,
    then the gRPC stream of a small live job, which may take `grpc_ready_s` (support/timeouts.py) to accept it (a
    real job's pod needs a few seconds: its own tests wait 5 s, then retry 3 times at 1.5 s).

    Returns the first part that does not answer as it should, or None when all do.
    """
    timeout_s = timeout_s or settings.timeouts.preflight_s
    checks: list[tuple[Part, str, Callable[[], str | None]]] = [
        (Part.REST, mask_url(settings.base_url) or "<unset: FOCUS_BASE_URL>", lambda: _rest(settings, timeout_s)),
        (
            Part.AMQP,
            mask_url(settings.amqp_url.get_secret_value()) or "<unset: FOCUS_AMQP_URL>",
            lambda: _amqp(settings, timeout_s),
        ),
        (
            Part.MANAGEMENT,
            mask_url(settings.rabbitmq_api_url) or "<unset: FOCUS_RABBITMQ_API_URL>",
            lambda: _management(settings, timeout_s),
        ),
    ]
    for part, address, check in checks:
        reason = check()
        if reason is not None:
            return Unreachable(part, address, reason)
    return _grpc(settings, timeout_s, settings.timeouts.grpc_ready_s)


def _rest(settings: Settings, timeout_s: float) -> str | None:
    if not settings.base_url:
        return "not configured"
    focus = FocusServer(settings.with_timeouts(http_timeout_s=timeout_s))
    try:
        answer = focus.ack()
    except TargetUnreachable as error:
        cause = error.__cause__
        return http_reason(cause) if isinstance(cause, requests.RequestException) else str(error)
    if answer.status != 200:
        return f"GET /ack answered {answer.status} {_phrase(answer.status)}"
    return None


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _amqp(settings: Settings, timeout_s: float) -> str | None:
    try:
        connection = connect(settings, connection_name="focus-acceptance-preflight", timeout_s=timeout_s)
    except BrokerUnreachable as error:
        return error.reason
    connection.close()
    return None


def _management(settings: Settings, timeout_s: float) -> str | None:
    if not settings.rabbitmq_api_url:
        return "not configured"
    admin = RabbitAdmin(settings, timeout_s=timeout_s)
    try:  # the raw answer, through the client's session and root: any status is a reason here, not an error
        response = admin.session.get(admin.root + "/overview", timeout=timeout_s, verify=settings.tls_verify)
    except requests.RequestException as error:
        return http_reason(error)
    if response.status_code != 200:
        return f"{response.status_code} {response.reason}"
    return None


def _grpc(settings: Settings, timeout_s: float, connect_timeout_s: float) -> Unreachable | None:
    """Configure a one-channel live job, connect to the stream its answer names, read a frame, close."""
    focus = FocusServer(settings.with_timeouts(http_timeout_s=timeout_s))
    try:
        return _first_frame(focus, timeout_s, connect_timeout_s)
    finally:
        focus.close(connect_timeout_s=timeout_s)  # the job's slot back, and the job ended if it is not yet


def _first_frame(focus: FocusServer, timeout_s: float, connect_timeout_s: float) -> Unreachable | None:
    try:
        channels = focus.channels().body
        if channels is None:
            return None
        first = channels.lowest_channel
        configured = focus.configure(JobConfig(channels=Range(min=first, max=first))).body
    except (TargetUnreachable, AssertionError):
        return None  # REST answered its health check; what it answers otherwise is for the scenarios to judge
    if not isinstance(configured, JobConfigured) or not configured.channel_to_stream_index:
        return None
    address = configured.grpc_address
    stream_id = next(iter(configured.channel_to_stream_index.values()))
    # Our only stream of the job: the reader closes it after the first frame, which ends the job.
    reason = first_frame_refused(address, stream_id, timeout_s=timeout_s, connect_timeout_s=connect_timeout_s)
    if reason is None:
        return None
    return Unreachable(Part.GRPC, address, f"{reason}; address from POST /configure of job {configured.job_id}")


# -- a stopped run still leaves a result ------------------------------------------------------------------------


def record_stopped_run(line: str, junit_dir: Path | None, results_dir: Path | None = None) -> None:
    """One broken result for the run that `line` stopped: to Allure and to JUnit.

    In behave, the Allure formatter registers its file writer before `before_all` runs, so the result goes where the
    run's results go (without that formatter the hook has no listener and nothing is written); the nightly runner,
    which has no formatter, names the folder (`results_dir`).
    """
    message = f"{TargetUnreachable.__name__}: {line}"
    instant = now()
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
        labels=[
            Label(name="suite", value="Preflight"),
            Label(name="parentSuite", value="Preflight"),
            Label(name="framework", value="behave"),
            Label(name="language", value="python"),
            *(Label(name=name, value=value) for name, value in outcome_labels(TargetUnreachable)),
        ],
    )
    with contextlib.suppress(Exception):  # a report that cannot be written must not hide the line itself
        if results_dir is not None:
            results_dir.mkdir(parents=True, exist_ok=True)
            AllureFileLogger(str(results_dir), clean=False).report_result(result)
        else:
            allure_commons.plugin_manager.hook.report_result(result=result)
    if junit_dir is not None:
        with contextlib.suppress(OSError):
            _write_junit(junit_dir, message)


def _write_junit(junit_dir: Path, message: str) -> None:
    suite = ElementTree.Element(
        "testsuite", name="preflight", tests="1", errors="1", failures="0", skipped="0", time="0"
    )
    case = ElementTree.SubElement(
        suite, "testcase", classname="preflight", name=PREFLIGHT_NAME, status="broken", time="0"
    )
    error = ElementTree.SubElement(case, "error", type=TargetUnreachable.__name__, message=message)
    error.text = message
    junit_dir.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suite).write(junit_dir / "TESTS-preflight.xml", encoding="utf-8", xml_declaration=True)


# -- `python -m support.preflight`: the runner's one check of the whole run ---------------------------------------


def versions(settings: Settings, timeout_s: float) -> dict[str, str]:
    """The Focus Server software version and the broker's, asked of the target itself; "unknown" if it won't say."""
    found = {"focus_server_sw_version": "unknown", "broker": "unknown"}
    quick = settings.with_timeouts(http_timeout_s=timeout_s, probe_connect_s=timeout_s)
    with contextlib.suppress(TargetUnreachable, AssertionError):
        metadata = FocusServer(quick).live_metadata().body
        if metadata is not None:
            found["focus_server_sw_version"] = metadata.sw_version
    if settings.rabbitmq_api_url:
        with contextlib.suppress(TargetUnreachable, AssertionError, RuntimeError):
            overview = RabbitAdmin(quick, timeout_s=timeout_s).overview()
            found["broker"] = f"RabbitMQ {overview.rabbitmq_version or '?'} (Erlang {overview.erlang_version or '?'})"
    return found


def main(argv: list[str] | None = None) -> int:
    """Ask every part once, then the API shape and the versions; write the answer as JSON (`--out`). A part that does
    not answer: its line there and on stdout, one broken result (`--results`, `--junit`), exit 2; else 0."""
    import argparse
    import json
    import time

    from support.settings import SettingsError, load_settings
    from support.shape import NoApiOffered, resolve, shape_unknown_line

    parser = argparse.ArgumentParser(description="Does every part of the target answer? (once for a whole run)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--results", type=Path)
    parser.add_argument("--junit", type=Path)
    args = parser.parse_args(argv)
    started = time.monotonic()
    answer: dict[str, object] = {"line": None, "api": None, "api_how": ""}
    try:
        settings = load_settings()
    except SettingsError as error:
        answer["line"] = f"bad setting: {error}"
    else:
        unreachable = check_target(settings)
        answer["line"] = unreachable.line if unreachable is not None else None
        if unreachable is None:
            try:
                shape, how = resolve(settings.api, FocusServer(settings))
                answer |= {"api": shape.value, "api_how": how}
            except (NoApiOffered, TargetUnreachable) as error:
                answer["line"] = shape_unknown_line(error)
        if answer["line"] is None:
            answer |= versions(settings, settings.timeouts.preflight_s)
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
