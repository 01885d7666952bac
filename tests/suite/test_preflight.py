"""Preflight: one clear line naming the part that does not answer and its address, secrets masked."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from httpfake import closed_port, fake_http, focus_server_whose_streams_take_no_connection, serve
from pydantic import SecretStr

from support import preflight
from support.preflight import Part, check_target
from support.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_env")

ROOT = Path(__file__).resolve().parents[2]


def _settings(base_url: str, amqp: str, api: str) -> Settings:
    return Settings(base_url=base_url, amqp_url=SecretStr(amqp), rabbitmq_api_url=api)


def test_rest_down_is_named_first() -> None:
    port = closed_port()
    found = check_target(_settings(f"http://127.0.0.1:{port}/focus-server", "amqp://u:p@127.0.0.1:1/", "http://x"))
    assert found is not None and found.part is Part.REST
    assert (
        found.line
        == f"Target unreachable: Focus Server REST at http://127.0.0.1:{port}/focus-server (connection refused)"
    )


def test_rest_answering_wrong_is_named_with_its_status() -> None:
    with fake_http() as fake:
        fake.answer("GET", "/focus-server/ack", 503, "")
        found = check_target(_settings(fake.url + "/focus-server", "amqp://u:p@127.0.0.1:1/", "http://x"))
    assert found is not None and found.part is Part.REST
    assert found.reason == "GET /ack answered 503 Service Unavailable"


def test_broker_down_is_named_with_its_address_masked() -> None:
    port = closed_port()
    with fake_http() as fake:
        fake.answer("GET", "/focus-server/ack", 200, "{}")
        found = check_target(
            _settings(fake.url + "/focus-server", f"amqp://focus:s3cret@127.0.0.1:{port}/%2F", "http://x")
        )
    assert found is not None and found.part is Part.AMQP
    assert found.line.startswith(f"Target unreachable: RabbitMQ AMQP at amqp://focus:***@127.0.0.1:{port}/%2F (")
    assert "s3cret" not in found.line


def test_management_with_wrong_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight, "_amqp", lambda settings, timeout_s: None)
    with fake_http() as fake:
        fake.answer("GET", "/focus-server/ack", 200, "{}")
        fake.answer("GET", "/api/overview", 401, '{"error": "not_authorised"}')
        found = check_target(_settings(fake.url + "/focus-server", "amqp://u:p@127.0.0.1:1/", fake.url))
    assert found is not None and found.part is Part.MANAGEMENT
    assert found.line == f"Target unreachable: RabbitMQ management API at {fake.url} (401 Unauthorized)"


def test_a_stream_address_that_takes_no_connection_waits_as_long_as_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real job's pod needs seconds before its stream takes connections: the wait is FOCUS_GRPC_READY_S."""
    for part in ("_amqp", "_management"):
        monkeypatch.setattr(preflight, part, lambda settings, timeout_s: None)
    with serve(focus_server_whose_streams_take_no_connection()[0]) as fake:
        settings = _settings(fake.url, "amqp://u:p@127.0.0.1:1/", "http://x")
        started = time.monotonic()
        found = check_target(settings.with_timeouts(grpc_ready_s=1.5))
        waited = time.monotonic() - started
    assert found is not None and found.part is Part.GRPC
    assert found.reason == "no connection within 1.5 s; address from POST /configure of job 7-37"
    assert 1.5 <= waited < 5
    assert Settings().timeouts.grpc_ready_s == 30  # the default: as long as the real server's own tests allow


def test_unset_parts_say_which_variable() -> None:
    found = check_target(Settings(base_url="", amqp_url=SecretStr(""), rabbitmq_api_url=""))
    assert found is not None
    assert found.line == "Target unreachable: Focus Server REST at <unset: FOCUS_BASE_URL> (not configured)"


def test_a_whole_target_that_answers(stand_settings: Settings) -> None:
    assert check_target(stand_settings) is None


def test_a_run_against_a_dead_target_stops_with_one_line_and_the_part_exit_code() -> None:
    """The wiring in environment.py: behave ends at once, one line on stderr, no traceback, a telling exit code."""
    port = closed_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("FOCUS_")}
    env.update(TARGET="external", FOCUS_BASE_URL=f"http://127.0.0.1:{port}/focus-server")
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "behave", "-f", "plain", "features/3_smart_recorder.feature"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - started < 15
    assert run.returncode == Part.REST.exit_code
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines == [
        f"Target unreachable: Focus Server REST at http://127.0.0.1:{port}/focus-server (connection refused)"
    ]
    assert "Traceback" not in run.stdout + run.stderr
