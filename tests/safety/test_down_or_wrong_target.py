"""A down or wrong target: one clear line naming the part and its address (secrets masked), at the start, within
15 s, one result marked broken (broken environment) in Allure and in JUnit, no traceback, and an exit code: 2 from
`python -m support.preflight` (what the nightly runner asks once for a whole run, and stops on), the part's own
(11 REST, 12 AMQP, 13 management, 14 gRPC) from behave run alone.

Real parts with one part wrong: a closed port, the production node with a wrong password, a TLS listener whose
certificate nobody trusts, or a fake REST target whose `POST /configure` names a gRPC port that takes no connection
(the gRPC address is never configured: the preflight configures one small live job and connects where it points).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from httpfake import closed_port, focus_server_whose_streams_take_no_connection, serve
from safety_parts import PREFIX, Certificates, Production, StandHandle, TlsTerminator
from safety_runs import Run, forms, label, run_behave, run_preflight, scan, target_env

RUN_LIMIT_S = 15.0


@dataclass(frozen=True)
class Wrong:
    """A target with one part wrong: its FOCUS_* variables, the one line, behave's exit code."""

    focus: dict[str, str]
    line: str
    exit_code: int


@dataclass(frozen=True)
class On:
    """What a case makes its wrong target of; `stack` holds the servers it starts."""

    production: Production
    stand: StandHandle
    certs: Certificates
    stack: ExitStack


Case = Callable[[On], Wrong]


def _target(on: On, **override: str) -> dict[str, str]:
    return {
        "FOCUS_BASE_URL": on.stand.env["FOCUS_BASE_URL"],
        "FOCUS_AMQP_URL": on.production.broker.amqp_url,
        "FOCUS_RABBITMQ_API_URL": on.production.broker.api_url,
        **override,
    }


def rest_down(on: On) -> Wrong:
    url = f"http://127.0.0.1:{closed_port()}{PREFIX}"
    line = f"Target unreachable: Focus Server REST at {url} (connection refused)"
    return Wrong(_target(on, FOCUS_BASE_URL=url), line, 11)


def broker_down(on: On) -> Wrong:
    port, password = closed_port(), on.production.broker.url_password
    focus = _target(
        on,
        FOCUS_AMQP_URL=f"amqp://focus:{password}@127.0.0.1:{port}/%2F",
        FOCUS_RABBITMQ_API_USER="focus",
        FOCUS_RABBITMQ_API_PASSWORD=on.production.broker.password,
    )
    line = f"Target unreachable: RabbitMQ AMQP at amqp://focus:***@127.0.0.1:{port}/%2F (connection refused)"
    return Wrong(focus, line, 12)


def management_down(on: On) -> Wrong:
    api = f"http://127.0.0.1:{closed_port()}"
    line = f"Target unreachable: RabbitMQ management API at {api} (connection refused)"
    return Wrong(_target(on, FOCUS_RABBITMQ_API_URL=api), line, 13)


def management_wrong_credentials(on: On) -> Wrong:
    focus = _target(on, FOCUS_RABBITMQ_API_PASSWORD="Not-The-Password-4711")
    line = f"Target unreachable: RabbitMQ management API at {on.production.broker.api_url} (401 Unauthorized)"
    return Wrong(focus, line, 13)


def grpc_port_closed(on: On) -> Wrong:
    """A fake REST target: healthy, but the stream address of its jobs takes no connection."""
    fake, port = focus_server_whose_streams_take_no_connection(PREFIX)
    target = on.stack.enter_context(serve(fake))
    # 8 s instead of the 30 s a real job's pod may need: the wait is the setting's, not fixed
    focus = _target(on, FOCUS_BASE_URL=target.url, FOCUS_GRPC_READY_S="8")
    line = f"Target unreachable: Focus Server gRPC stream at 127.0.0.1:{port} (no connection within 8 s; "
    return Wrong(focus, line + "address from POST /configure of job 7-37)", 14)


def rest_certificate_untrusted(on: On) -> Wrong:
    """HTTPS with a self-signed certificate, verification on, a CA bundle that does not hold it."""
    tls = on.stack.enter_context(TlsTerminator(on.stand.port, on.certs.server_context(rogue=True)))
    focus = _target(on, FOCUS_BASE_URL=tls.url, FOCUS_CA_BUNDLE=str(on.certs.ca))
    reason = "TLS certificate not trusted: self-signed certificate"
    return Wrong(focus, f"Target unreachable: Focus Server REST at {tls.url} ({reason})", 11)


def amqp_certificate_untrusted(on: On) -> Wrong:
    """AMQP over TLS signed by a CA the suite was not told about."""
    url = on.production.broker.amqps_url
    masked = url.replace(on.production.broker.url_password, "***")
    reason = "TLS certificate not trusted: self-signed certificate in certificate chain"
    return Wrong(_target(on, FOCUS_AMQP_URL=url), f"Target unreachable: RabbitMQ AMQP at {masked} ({reason})", 12)


def management_certificate_untrusted(on: On) -> Wrong:
    api = on.production.broker.api_tls_url
    reason = "TLS certificate not trusted: self-signed certificate in certificate chain"
    line = f"Target unreachable: RabbitMQ management API at {api} ({reason})"
    return Wrong(_target(on, FOCUS_RABBITMQ_API_URL=api), line, 13)


CASES: dict[str, Case] = {
    "REST down": rest_down,
    "broker down": broker_down,
    "management API down": management_down,
    "management API wrong credentials": management_wrong_credentials,
    "gRPC port closed": grpc_port_closed,
    "REST TLS certificate untrusted": rest_certificate_untrusted,
    "AMQP TLS certificate untrusted": amqp_certificate_untrusted,
    "management TLS certificate untrusted": management_certificate_untrusted,
}
ONE_PER_PART = ["REST down", "broker down", "management API wrong credentials", "gRPC port closed"]


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
    assert scan(run.base, forms("focus", production.broker.password)) == {}


@pytest.mark.parametrize("case", list(CASES))
def test_the_preflight_stops_on_a_wrong_part_with_one_clear_line_and_exit_2(
    case: str, production: Production, stand: StandHandle, certs: Certificates, tmp_path: Path, figures: dict
) -> None:
    with ExitStack() as stack:
        wrong = CASES[case](On(production, stand, certs, stack))
        run, answer = run_preflight(target_env(wrong.focus), tmp_path)
    figures[f"time to the clear error (preflight): {case}"] = f"{run.seconds:.1f} s"
    assert run.lines("stdout") == [wrong.line], run.stdout + run.stderr
    assert run.returncode == 2
    assert (answer["line"], answer["exit_code"]) == (wrong.line, wrong.exit_code)
    _assert_stopped_cleanly(run, wrong.line, production)


@pytest.mark.parametrize("case", ONE_PER_PART)
def test_behave_alone_stops_on_a_wrong_part_with_the_same_line_and_the_parts_exit_code(
    case: str, production: Production, stand: StandHandle, certs: Certificates, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        wrong = CASES[case](On(production, stand, certs, stack))
        run = run_behave(target_env(wrong.focus), tmp_path, "features", timeout_s=120)
    assert run.lines("stderr") == [wrong.line], run.stderr
    assert run.returncode == wrong.exit_code
    _assert_stopped_cleanly(run, wrong.line, production)
