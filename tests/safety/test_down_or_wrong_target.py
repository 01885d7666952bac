"""A down or wrong target: one clear line naming the part and its address (secrets masked), the run over within
15 s, one result marked broken (environment) in Allure and in JUnit, and an exit code that says which part.

Each case is a real behave run of the whole suite (`features/`) against real parts with one part wrong: a closed
port, the production broker with a wrong password, a TLS listener whose certificate nobody trusts, or a fake REST
target whose `POST /configure` names a gRPC port that takes no connection (the gRPC address is never configured:
the preflight configures one small live job and connects where its answer points).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from httpfake import closed_port, focus_server_whose_streams_take_no_connection, serve
from safety_certs import Certificates
from safety_net import PREFIX, TlsTerminator
from safety_parts import Production, StandHandle
from safety_runs import Run, run_behave, run_nightly, target_env

from support.errors import TargetUnreachable
from support.grpc_stream import read_stream
from tools.common.results import Kind, parse_result

RUN_LIMIT_S = 15.0


@dataclass(frozen=True)
class Wrong:
    """A target with one part wrong: its FOCUS_* variables, and what the one line must say."""

    focus: dict[str, str]
    line: str
    exit_code: int
    never_shown: tuple[str, ...] = ()  # secrets of this target


Case = Callable[[Production, StandHandle, Certificates], contextlib.AbstractContextManager[Wrong]]


def _p(production: Production, **override: str) -> dict[str, str]:
    return {
        "FOCUS_AMQP_URL": production.broker.amqp_url,
        "FOCUS_RABBITMQ_API_URL": production.broker.api_url,
        **override,
    }


@contextlib.contextmanager
def rest_down(production: Production, stand: StandHandle, certs: Certificates) -> Iterator[Wrong]:
    port = closed_port()
    url = f"http://127.0.0.1:{port}/focus-server"
    yield Wrong(
        {**_p(production), "FOCUS_BASE_URL": url},
        f"Target unreachable: Focus Server REST at {url} (connection refused)",
        11,
    )


@contextlib.contextmanager
def broker_down(production: Production, stand: StandHandle, certs: Certificates) -> Iterator[Wrong]:
    port = closed_port()
    password = production.broker.url_password
    yield Wrong(
        _p(
            production,
            FOCUS_BASE_URL=stand.env["FOCUS_BASE_URL"],
            FOCUS_AMQP_URL=f"amqp://focus:{password}@127.0.0.1:{port}/%2F",
            FOCUS_RABBITMQ_API_USER="focus",
            FOCUS_RABBITMQ_API_PASSWORD=production.password,
        ),
        f"Target unreachable: RabbitMQ AMQP at amqp://focus:***@127.0.0.1:{port}/%2F (connection refused)",
        12,
        (production.password, password),
    )


@contextlib.contextmanager
def management_down(production: Production, stand: StandHandle, certs: Certificates) -> Iterator[Wrong]:
    port = closed_port()
    yield Wrong(
        _p(production, FOCUS_BASE_URL=stand.env["FOCUS_BASE_URL"], FOCUS_RABBITMQ_API_URL=f"http://127.0.0.1:{port}"),
        f"Target unreachable: RabbitMQ management API at http://127.0.0.1:{port} (connection refused)",
        13,
        (production.password,),
    )


@contextlib.contextmanager
def management_wrong_credentials(production: Production, stand: StandHandle, certs: Certificates) -> Iterator[Wrong]:
    wrong = "Not-The-Password-4711"
    yield Wrong(
        _p(production, FOCUS_BASE_URL=stand.env["FOCUS_BASE_URL"], FOCUS_RABBITMQ_API_PASSWORD=wrong),
        f"Target unreachable: RabbitMQ management API at {production.broker.api_url} (401 Unauthorized)",
        13,
        (production.password, wrong),
    )


@contextlib.contextmanager
def grpc_port_closed(production: Production, stand: StandHandle, certs: Certificates) -> Iterator[Wrong]:
    """A fake REST target: healthy, but the stream address of its jobs takes no connection."""
    fake, port = focus_server_whose_streams_take_no_connection(PREFIX)
    with serve(fake) as target:
        yield Wrong(
            # 8 s instead of the default 30 s that a real job's pod may need: the wait is the setting's, not fixed
            {**_p(production), "FOCUS_BASE_URL": target.url, "FOCUS_GRPC_READY_S": "8"},
            f"Target unreachable: Focus Server gRPC stream at 127.0.0.1:{port} "
            "(no connection within 8 s; address from POST /configure of job 7-37)",
            14,
        )


@contextlib.contextmanager
def rest_certificate_untrusted(production: Production, stand: StandHandle, certs: Certificates) -> Iterator[Wrong]:
    """HTTPS with a self-signed certificate, verification on, no CA bundle that holds it."""
    upstream = int(stand.env["FOCUS_BASE_URL"].split(":")[2].split("/")[0])
    with TlsTerminator(upstream, certs.server_context(rogue=True)) as tls:
        yield Wrong(
            {**_p(production), "FOCUS_BASE_URL": tls.url(), "FOCUS_CA_BUNDLE": str(certs.ca)},
            f"Target unreachable: Focus Server REST at {tls.url()} "
            "(TLS certificate not trusted: self-signed certificate)",
            11,
        )


@contextlib.contextmanager
def amqp_certificate_untrusted(production: Production, stand: StandHandle, certs: Certificates) -> Iterator[Wrong]:
    """AMQP over TLS signed by a CA the suite was not told about."""
    url = production.broker.amqps_url
    masked = url.replace(production.broker.url_password, "***")
    yield Wrong(
        _p(production, FOCUS_BASE_URL=stand.env["FOCUS_BASE_URL"], FOCUS_AMQP_URL=url),
        f"Target unreachable: RabbitMQ AMQP at {masked} "
        "(TLS certificate not trusted: self-signed certificate in certificate chain)",
        12,
        (production.password,),
    )


@contextlib.contextmanager
def management_certificate_untrusted(
    production: Production, stand: StandHandle, certs: Certificates
) -> Iterator[Wrong]:
    api = production.broker.api_tls_url
    yield Wrong(
        _p(production, FOCUS_BASE_URL=stand.env["FOCUS_BASE_URL"], FOCUS_RABBITMQ_API_URL=api),
        f"Target unreachable: RabbitMQ management API at {api} "
        "(TLS certificate not trusted: self-signed certificate in certificate chain)",
        13,
        (production.password,),
    )


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


@pytest.mark.parametrize("case", list(CASES))
def test_a_wrong_part_stops_the_run_with_one_clear_line_and_a_broken_result(
    case: str,
    production: Production,
    stand: StandHandle,
    certs: Certificates,
    tmp_path: Path,
    figures: dict,
) -> None:
    with CASES[case](production, stand, certs) as wrong:
        run = run_behave(target_env(wrong.focus), tmp_path, ["features"], timeout_s=120)
    figures[f"time to the clear error: {case}"] = f"{run.seconds:.1f} s (exit {run.returncode})"

    assert run.lines("stderr") == [wrong.line], run.stderr
    assert run.returncode == wrong.exit_code
    assert run.seconds < RUN_LIMIT_S
    everything = run.stdout + run.stderr
    assert "Traceback" not in everything
    _assert_one_broken_result(run, wrong.line)
    for secret in (*wrong.never_shown, production.password, stand.password):
        for path in [*run.base.rglob("*")]:
            if path.is_file():
                assert secret not in path.read_text(errors="replace"), f"{secret!r} in {path}"
        assert secret not in everything


def _assert_one_broken_result(run: Run, line: str) -> None:
    results = run.results()
    assert len(results) == 1, [r["name"] for r in results]
    result = results[0]
    assert result["status"] == "broken"
    assert result["statusDetails"]["message"] == f"TargetUnreachable: {line}"
    assert parse_result(result).kind is Kind.ENVIRONMENT  # what the report and the exit code of a nightly say
    cases = run.junit_cases()
    assert len(cases) == 1
    errors = cases[0].findall("error")
    assert [(e.get("type"), e.get("message")) for e in errors] == [("TargetUnreachable", f"TargetUnreachable: {line}")]
    assert not cases[0].findall("failure")


def test_a_stream_port_that_closes_after_the_preflight_breaks_its_scenario_naming_the_address() -> None:
    """Past the preflight, a job whose stream takes no connection ends its scenario broken (TargetUnreachable,
    the address named), after the scenarios' own connect timeout (30 s; 1 s here)."""
    port = closed_port()
    with pytest.raises(TargetUnreachable, match=rf"^gRPC stream at 127\.0\.0\.1:{port}: no connection within 1 s$"):
        read_stream(f"127.0.0.1:{port}", 0, deadline_s=5, connect_timeout_s=1)


@pytest.mark.parametrize("case", ["REST down", "broker down", "management API wrong credentials", "gRPC port closed"])
def test_through_the_nightly_runner_the_line_is_said_once_at_the_start_and_no_scenario_runs(
    case: str, production: Production, stand: StandHandle, certs: Certificates, tmp_path: Path, figures: dict
) -> None:
    """The runner checks the target once for all its behave processes (a dozen in the nightly): the same line,
    once, at the start, exit 2 (a broken environment), and none of them runs a scenario."""
    with CASES[case](production, stand, certs) as wrong:
        run = run_nightly(target_env(wrong.focus), tmp_path, "--profile", "nightly", "--results-only", timeout_s=120)
    figures[f"time to the clear error, nightly runner: {case}"] = f"{run.seconds:.1f} s (exit {run.returncode})"
    assert run.returncode == 2, run.stdout[-2000:]
    assert run.stdout.count(wrong.line) == 1 and run.lines("stdout")[1] == wrong.line, run.stdout[:2000]
    assert run.seconds < RUN_LIMIT_S
    assert "Traceback" not in run.stdout + run.stderr
    # One broken result, the preflight's; every scenario a skipped one that says it did not run.
    results = run.results()
    broken = [r for r in results if r["status"] != "skipped"]
    assert [(r["status"], r["statusDetails"]["message"]) for r in broken] == [
        ("broken", f"TargetUnreachable: {wrong.line}")
    ]
    assert len(results) > 30
    assert not [p for p in (tmp_path / "logs").glob("*.events.jsonl") if p.read_text(encoding="utf-8").strip()]
    for secret in (*wrong.never_shown, production.password, stand.password):
        assert secret not in run.stdout + run.stderr
