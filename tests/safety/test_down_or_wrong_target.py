"""A down or wrong part (a closed port, a wrong password, a certificate nobody trusts, a `POST /configure` whose gRPC
port takes no connection: the preflight configures one small live job and connects where it points): one clear
line naming the part and its address (secrets masked) within 15 s, one result marked broken (broken environment) in
Allure and JUnit, no traceback; exit 2 from `python -m support.preflight` (what the nightly runner asks once, and
stops on), the part's own from behave alone (11 REST, 12 AMQP, 13 management, 14 gRPC).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import safety_parts as parts
from httpfake import closed_port, focus_server_whose_streams_take_no_connection, serve
from safety_parts import FIGURES, PREFIX, Certificates, Production, Run, StandHandle, label, scan, target_env

RUN_LIMIT_S = 15.0


@dataclass(frozen=True)
class Wrong:
    """A target with one part wrong: its FOCUS_* variables, what the one line says of it, behave's exit code."""

    focus: dict[str, str]
    part: str
    exit_code: int

    @property
    def line(self) -> str:
        return f"Target unreachable: {self.part}"


CASES = [
    "REST down", "broker down", "management API down", "management API wrong credentials", "gRPC port closed",
    "REST TLS certificate untrusted", "AMQP TLS certificate untrusted", "management TLS certificate untrusted",
]  # fmt: skip
ONE_PER_PART = ["REST down", "broker down", "management API wrong credentials", "gRPC port closed"]
UNTRUSTED = "TLS certificate not trusted: self-signed certificate"


def wrong_target(case: str, production: Production, stand: StandHandle, certs: Certificates, stack: ExitStack) -> Wrong:
    """The real parts with the one of `case` wrong; `stack` holds the servers it starts."""
    broker = production.broker
    target = parts.on_production(production, stand.env["FOCUS_BASE_URL"])
    down = f"127.0.0.1:{closed_port()}"
    match case:
        case "REST down":
            url = f"http://{down}{PREFIX}"
            return Wrong(target | {"FOCUS_BASE_URL": url}, f"Focus Server REST at {url} (connection refused)", 11)
        case "broker down":
            target |= {"FOCUS_RABBITMQ_API_USER": "focus", "FOCUS_RABBITMQ_API_PASSWORD": broker.password}
            target["FOCUS_AMQP_URL"] = f"amqp://focus:{broker.url_password}@{down}/%2F"
            return Wrong(target, f"RabbitMQ AMQP at amqp://focus:***@{down}/%2F (connection refused)", 12)
        case "management API down":
            line = f"RabbitMQ management API at http://{down} (connection refused)"
            return Wrong(target | {"FOCUS_RABBITMQ_API_URL": f"http://{down}"}, line, 13)
        case "management API wrong credentials":
            line = f"RabbitMQ management API at {broker.api_url} (401 Unauthorized)"
            return Wrong(target | {"FOCUS_RABBITMQ_API_PASSWORD": "Not-The-Password-4711"}, line, 13)
        case "gRPC port closed":
            # A fake REST target, healthy, whose POST /configure names a gRPC port that takes no connection; 8 s
            # instead of the 30 s a real job's pod may need: the wait is the setting's, not fixed.
            fake, port = focus_server_whose_streams_take_no_connection(PREFIX)
            target |= {"FOCUS_BASE_URL": stack.enter_context(serve(fake)).url, "FOCUS_GRPC_READY_S": "8"}
            line = f"Focus Server gRPC stream at 127.0.0.1:{port} (no connection within 8 s; "
            return Wrong(target, line + "address from POST /configure of job 7-37)", 14)
        case "REST TLS certificate untrusted":
            # HTTPS with a self-signed certificate, verification on, a CA bundle that does not hold it.
            url = stack.enter_context(serve(parts.tls_in_front(stand.port), certs.server_context(rogue=True))).url
            target |= {"FOCUS_BASE_URL": url, "FOCUS_CA_BUNDLE": str(certs.ca)}
            return Wrong(target, f"Focus Server REST at {url} ({UNTRUSTED})", 11)
        case "AMQP TLS certificate untrusted":
            # Signed by a CA the suite was not told about.
            masked = broker.amqps_url.replace(broker.url_password, "***")
            line = f"RabbitMQ AMQP at {masked} ({UNTRUSTED} in certificate chain)"
            return Wrong(target | {"FOCUS_AMQP_URL": broker.amqps_url}, line, 12)
        case "management TLS certificate untrusted":
            line = f"RabbitMQ management API at {broker.api_tls_url} ({UNTRUSTED} in certificate chain)"
            return Wrong(target | {"FOCUS_RABBITMQ_API_URL": broker.api_tls_url}, line, 13)
    raise AssertionError(case)


def _assert_stopped_cleanly(run: Run, line: str, production: Production) -> None:
    """No traceback, within the limit, one broken result (Allure and JUnit) saying the line, no secret anywhere."""
    assert "Traceback" not in run.stdout + run.stderr
    assert run.seconds < RUN_LIMIT_S
    results = run.results()
    assert [(r["status"], r["statusDetails"]["message"]) for r in results] == [("broken", f"TargetUnreachable: {line}")]
    assert label(results[0], "outcome") == "broken environment"  # what the report and a nightly's exit code say
    cases = run.junit_cases()
    assert len(cases) == 1 and not cases[0].findall("failure")
    assert [(e.get("type"), e.get("message")) for e in cases[0].findall("error")] == [
        ("TargetUnreachable", f"TargetUnreachable: {line}")
    ]
    assert scan(run.base, parts.forms("focus", production.broker.password)) == {}


@pytest.mark.parametrize("case", CASES)
def test_the_preflight_stops_on_a_wrong_part_with_one_clear_line_and_exit_2(
    case: str, production: Production, stand: StandHandle, certs: Certificates, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        wrong = wrong_target(case, production, stand, certs, stack)
        run, answer = parts.run_preflight(target_env(wrong.focus), tmp_path)
    FIGURES[f"time to the clear error (preflight): {case}"] = f"{run.seconds:.1f} s"
    assert run.lines("stdout") == [wrong.line], run.stdout + run.stderr
    assert run.returncode == 2
    assert (answer["line"], answer["exit_code"]) == (wrong.line, wrong.exit_code)
    _assert_stopped_cleanly(run, wrong.line, production)


@pytest.mark.parametrize("case", ONE_PER_PART)
def test_behave_alone_stops_on_a_wrong_part_with_the_same_line_and_the_parts_exit_code(
    case: str, production: Production, stand: StandHandle, certs: Certificates, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        wrong = wrong_target(case, production, stand, certs, stack)
        run = parts.run_behave(target_env(wrong.focus), tmp_path, "features", timeout_s=120)
    assert run.lines("stderr") == [wrong.line], run.stderr
    assert run.returncode == wrong.exit_code
    _assert_stopped_cleanly(run, wrong.line, production)
