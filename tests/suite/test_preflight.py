"""Preflight: one clear line naming the part that does not answer and its address, secrets masked; the target's
shape; and `python -m support.preflight`'s answer. Against httpfake, a real broker and a closed port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from httpfake import closed_port, fake_http, focus_server_whose_streams_take_no_connection, serve
from pydantic import SecretStr

from support.jobs import JobSlots
from support.preflight import NoApiOffered, Part, TargetShape, check_target, resolve
from support.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_env")

ROOT = Path(__file__).resolve().parents[2]
NOT_FOUND = {"detail": "Not Found"}


@pytest.fixture
def slots(tmp_path: Path) -> JobSlots:
    return JobSlots(tmp_path / "slots", 10, 5)


def _settings(base_url: str, amqp: str, api: str) -> Settings:
    return Settings(base_url=base_url, amqp_url=SecretStr(amqp), rabbitmq_api_url=api)


def _on(broker: Settings, base_url: str, api: str | None = None) -> Settings:
    """The real broker's settings with a REST (and a management API) of the test's."""
    return broker.model_copy(update={"base_url": base_url} | ({"rabbitmq_api_url": api} if api else {}))


def test_rest_down_is_named_first(slots: JobSlots) -> None:
    port = closed_port()
    settings = _settings(f"http://127.0.0.1:{port}/focus-server", "amqp://u:p@127.0.0.1:1/", "http://x")
    found = check_target(settings, slots)
    assert found is not None and found.part is Part.REST
    assert (
        found.line
        == f"Target unreachable: Focus Server REST at http://127.0.0.1:{port}/focus-server (connection refused)"
    )


def test_rest_answering_wrong_is_named_with_its_status(slots: JobSlots) -> None:
    with fake_http() as fake:
        fake.answer("GET", "/focus-server/ack", 503, "")
        found = check_target(_settings(fake.url + "/focus-server", "amqp://u:p@127.0.0.1:1/", "http://x"), slots)
    assert found is not None and found.part is Part.REST
    assert found.reason == "GET /ack answered 503 Service Unavailable"


def test_broker_down_is_named_with_its_address_masked(slots: JobSlots) -> None:
    port = closed_port()
    with fake_http() as fake:
        fake.answer("GET", "/focus-server/ack", 200, "{}")
        settings = _settings(fake.url + "/focus-server", f"amqp://focus:s3cret@127.0.0.1:{port}/%2F", "http://x")
        found = check_target(settings, slots)
    assert found is not None and found.part is Part.AMQP
    assert found.line.startswith(f"Target unreachable: RabbitMQ AMQP at amqp://focus:***@127.0.0.1:{port}/%2F (")
    assert "s3cret" not in found.line


def test_management_with_wrong_credentials(broker: Settings, slots: JobSlots) -> None:
    with fake_http() as fake:
        fake.answer("GET", "/focus-server/ack", 200, "{}")
        fake.answer("GET", "/api/overview", 401, '{"error": "not_authorised"}')
        found = check_target(_on(broker, fake.url + "/focus-server", fake.url), slots)
    assert found is not None and found.part is Part.MANAGEMENT
    assert found.line == f"Target unreachable: RabbitMQ management API at {fake.url} (401 Unauthorized)"


def test_a_stream_address_that_takes_no_connection_waits_as_long_as_the_setting(
    broker: Settings, slots: JobSlots
) -> None:
    """A real job's pod needs seconds before its stream takes connections: the wait is FOCUS_GRPC_READY_S."""
    with serve(focus_server_whose_streams_take_no_connection()[0]) as fake:
        started = time.monotonic()
        found = check_target(_on(broker, fake.url).with_timeouts(grpc_ready_s=1.5), slots)
        waited = time.monotonic() - started
    assert found is not None and found.part is Part.GRPC
    assert found.reason == "no connection within 1.5 s; address from POST /configure of job 7-37"
    assert 1.5 <= waited < 5
    assert Settings().timeouts.grpc_ready_s == 30  # the default: as long as the real server's own tests allow


def test_unset_parts_say_which_variable(slots: JobSlots) -> None:
    found = check_target(Settings(base_url="", amqp_url=SecretStr(""), rabbitmq_api_url=""), slots)
    assert found is not None
    assert found.line == "Target unreachable: Focus Server REST at <unset: FOCUS_BASE_URL> (not configured)"


@pytest.mark.parametrize(
    ("sensors", "channels", "shape"),
    [
        ((404, NOT_FOUND), (200, {"lowest_channel": 1, "highest_channel": 9}), TargetShape.JOB),
        ((200, {"sensors": [0]}), (404, NOT_FOUND), TargetShape.TASK),
        ((200, {"sensors": [0]}), (200, "garbled"), TargetShape.BOTH),  # a garbled answer: the route is there
        ((404, {"detail": "unknown id"}), (404, NOT_FOUND), TargetShape.TASK),  # not FastAPI's missing route
    ],
)
def test_the_shape_is_told_by_fastapis_not_found(sensors: tuple, channels: tuple, shape: TargetShape) -> None:
    with fake_http() as fake:
        fake.answer("GET", "/sensors", *sensors)
        fake.answer("GET", "/channels", *channels)
        assert resolve(Settings(base_url=fake.url)) == (shape, "detected")
        assert resolve(Settings(base_url=fake.url, api="job")) == (TargetShape.JOB, "set by FOCUS_API")


def test_no_api_at_all_says_so() -> None:
    with fake_http() as fake, pytest.raises(NoApiOffered, match="both answer 404 Not Found"):
        fake.answer("GET", "/sensors", 404, NOT_FOUND).answer("GET", "/channels", 404, NOT_FOUND)
        resolve(Settings(base_url=fake.url))


def test_the_command_writes_its_answer_one_line_and_a_broken_result(tmp_path: Path) -> None:
    port = closed_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("FOCUS_")}
    env.update(TARGET="external", FOCUS_BASE_URL=f"http://127.0.0.1:{port}", FOCUS_AMQP_URL="amqp://u:s3cret@x/")
    out, results = tmp_path / "preflight.json", tmp_path / "allure-results"
    run = subprocess.run(
        [sys.executable, "-m", "support.preflight", "--out", str(out), "--results", str(results)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = f"Target unreachable: Focus Server REST at http://127.0.0.1:{port} (connection refused)"
    assert (run.returncode, run.stdout.strip()) == (2, line)
    answer = json.loads(out.read_text(encoding="utf-8"))
    assert answer["line"] == line and answer["exit_code"] == Part.REST.exit_code and answer["api"] is None
    [result] = [json.loads(p.read_text(encoding="utf-8")) for p in results.glob("*-result.json")]
    assert result["status"] == "broken" and line in result["statusDetails"]["message"]
    assert "s3cret" not in run.stdout + run.stderr + out.read_text(encoding="utf-8")


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
