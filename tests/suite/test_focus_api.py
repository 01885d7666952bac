"""The Focus Server REST client: a malformed answer fails naming the field; nothing is validated client-side."""

from __future__ import annotations

import json
import socket

import pytest
from httpfake import fake_http

from support.errors import MalformedAnswer, TargetUnreachable
from support.focus_api import FocusServer
from support.models import JobConfig
from support.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_env")

PREFIX = "/focus-server"
METADATA = {
    "prr": 2000.0,
    "dx": 1.0,
    "number_of_channels": 2222,
    "num_samples_per_trace": 1024,
    "dtype": "float32",
    "sw_version": "1.0",
    "fiber_description": "test",
    "fiber_start_meters": 0,
    "fiber_length_meters": 2222,
}
JOB = {
    "status": "ok",
    "job_id": "12-34",
    "stream_url": "http://127.0.0.1",
    "stream_port": "50051",
    "stream_amount": 1,
    "channel_to_stream_index": {"1": 0},
    "channel_amount": 32,
    "frequencies_list": [0.0, 1.0],
    "frequencies_amount": 2,
    "lines_dt": 0.1,
    "view_type": "0",
}
ROW = {"canvasId": "c", "sensors": [{"id": 0, "intensity": [1.0]}], "startTimestamp": 1, "endTimestamp": 2}


def _client(url: str) -> FocusServer:
    return FocusServer(Settings(base_url=url + PREFIX, http_timeout_s=5))


def test_a_wrong_type_names_the_field() -> None:
    with fake_http() as fake:
        fake.answer("GET", f"{PREFIX}/live_metadata", 200, json.dumps(dict(METADATA, prr="fast")))
        with pytest.raises(MalformedAnswer, match=r"GET /live_metadata answered 200 with a malformed body: prr: "):
            _client(fake.url).live_metadata()


def test_a_missing_field_names_the_field() -> None:
    with fake_http() as fake:
        fake.answer("POST", f"{PREFIX}/configure", 200, json.dumps({k: v for k, v in JOB.items() if k != "lines_dt"}))
        with pytest.raises(MalformedAnswer, match=r"lines_dt: Field required"):
            _client(fake.url).configure(JobConfig())


def test_a_wrong_shape_names_the_field() -> None:
    with fake_http() as fake:
        fake.answer("POST", f"{PREFIX}/configure", 200, json.dumps(dict(JOB, job_id="abc")))
        with pytest.raises(MalformedAnswer, match=r"job_id: String should match pattern"):
            _client(fake.url).configure(JobConfig())


def test_a_nested_field_is_named_by_its_path() -> None:
    block = {"rows": [{k: v for k, v in ROW.items() if k != "canvasId"}], "current_max_amp": 1, "current_min_amp": 0}
    with fake_http() as fake:
        fake.answer("GET", f"{PREFIX}/waterfall/t1/10", 201, json.dumps([block]))
        with pytest.raises(MalformedAnswer, match=r"0\.rows\.0\.canvasId: Field required"):
            _client(fake.url).waterfall("t1", 10)


def test_non_json_is_malformed() -> None:
    with fake_http() as fake:
        fake.answer("GET", f"{PREFIX}/sensors", 200, "<html>gateway</html>", "text/html")
        with pytest.raises(MalformedAnswer, match=r"GET /sensors answered 200 with a malformed body: \(body\)"):
            _client(fake.url).sensors()


def test_good_answers_parse_and_other_statuses_come_back_unparsed() -> None:
    block = {"rows": [ROW], "current_max_amp": 1, "current_min_amp": 0}
    with fake_http() as fake:
        fake.answer("GET", f"{PREFIX}/waterfall/t1/10", 201, json.dumps([block]))
        fake.answer("GET", f"{PREFIX}/waterfall/t2/10", 208, "")
        fake.answer("POST", f"{PREFIX}/configure", 200, json.dumps(JOB))
        client, seen = _client(fake.url), []
        client.record = seen.append
        rows = client.waterfall("t1", 10)
        assert rows.status == 201 and rows.body[0].rows[0].canvasId == "c"
        assert client.waterfall("t2", 10).body is None
        unknown = client.waterfall("nope", 10)  # the fake's 404 is not in the route's shape: left to the step
        assert unknown.status == 404 and unknown.body is None and "no route" in unknown.text
        job = client.configure(JobConfig()).body
        assert job.stream_port == 50051 and job.grpc_address == "127.0.0.1:50051"
        assert [e["request"].split()[0] for e in seen] == ["GET", "GET", "GET", "POST"]


def test_invalid_requests_reach_the_server() -> None:
    """No client-side validation: the server's validation is what is tested."""
    with fake_http() as fake:
        fake.answer("POST", f"{PREFIX}/config/t1", 422, '{"detail": [{"loc": ["body", "sensors"]}]}')
        answer = _client(fake.url).config_task("t1", {"sensors": {"min": 9, "max": 1}})
        assert answer.status == 422
        assert json.loads(fake.requests[0][3]) == {"sensors": {"min": 9, "max": 1}}


def test_down_is_unreachable_naming_the_base_url() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TargetUnreachable, match=rf"Focus Server REST at http://127.0.0.1:{port}/focus-server"):
        FocusServer(Settings(base_url=f"http://127.0.0.1:{port}/focus-server", http_timeout_s=2)).ack()
