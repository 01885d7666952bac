"""Talking to a stand over the wire only (REST, gRPC, AMQP, management API), as the suite would."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import grpc
import numpy as np
import pika
import requests

from pandadatastream import pandadatastream_pb2 as pb
from pandadatastream import pandadatastream_pb2_grpc as pb_grpc
from support.ids import new_task_id

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def utc(text: str) -> int:
    """'2025-10-09 10:00:00' (UTC) → epoch seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def task_time(text: str) -> str:
    """'2025-10-09 10:00:00' → '251009100000'."""
    return datetime.fromisoformat(text).strftime("%y%m%d%H%M%S")


def stand_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "stand", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def read_env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@dataclass
class StandHandle:
    """A running stand as its env file names it."""

    env_file: Path
    env: dict[str, str]
    up_seconds: float = 0.0
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def base(self) -> str:
        return self.env["FOCUS_BASE_URL"]

    @property
    def vhost(self) -> str:
        path = urlsplit(self.env["FOCUS_AMQP_URL"]).path
        return requests.utils.unquote(path[1:]) if len(path) > 1 else "/"

    # -- REST ----------------------------------------------------------------------------------------------------

    def get(self, path: str, **kw: object) -> requests.Response:
        return self.session.get(self.base + path, timeout=30, **kw)

    def post(self, path: str, body: object) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=30)

    def drain_task(self, task_id: str, row_count: int = 500, timeout_s: float = 60) -> tuple[list[dict], int]:
        """Poll the waterfall until 208 (or timeout); all rows and the final status."""
        rows: list[dict] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            answer = self.get(f"/waterfall/{task_id}/{row_count}")
            if answer.status_code == 201:
                for block in answer.json():
                    rows.extend(block["rows"])
            elif answer.status_code == 208:
                return rows, 208
            elif answer.status_code == 200:
                time.sleep(0.1)
            else:
                return rows, answer.status_code
        return rows, 0

    # -- management API ------------------------------------------------------------------------------------------

    def api(self, path: str) -> object:
        answer = requests.get(
            f"{self.env['FOCUS_RABBITMQ_API_URL']}/api/{path}",
            auth=(self.env["FOCUS_RABBITMQ_API_USER"], self.env["FOCUS_RABBITMQ_API_PASSWORD"]),
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json()

    def vhost_api(self, kind: str) -> list[dict]:
        return self.api(f"{kind}/{quote(self.vhost, safe='')}")

    def exchanges(self) -> dict[str, dict]:
        return {e["name"]: e for e in self.vhost_api("exchanges")}

    def queues(self) -> dict[str, dict]:
        return {q["name"]: q for q in self.vhost_api("queues")}

    def connections(self) -> list[dict]:
        return [c for c in self.api("connections") if c.get("vhost") == self.vhost]

    def consumers_by_connection(self, settle_s: float = 3.0) -> dict[str, list[str]]:
        """connection_name → names of the queues it consumes. The management view lags and may briefly
        list nothing at all: an empty view is asked again for up to `settle_s`."""
        deadline = time.monotonic() + settle_s
        found = self._consumers_by_connection()
        while not found and time.monotonic() < deadline:
            time.sleep(0.3)
            found = self._consumers_by_connection()
        return found

    def _consumers_by_connection(self) -> dict[str, list[str]]:
        names = {c["name"]: (c.get("client_properties") or {}).get("connection_name") for c in self.connections()}
        found: dict[str, list[str]] = {}
        for consumer in self.vhost_api("consumers"):
            conn = names.get(consumer["channel_details"]["connection_name"], "?")
            found.setdefault(conn, []).append(consumer["queue"]["name"])
        return found

    def exclusive_queues_of(self, connection_name: str) -> list[str]:
        """Queues exclusive to the connections of that client-provided name (their owner)."""
        names = {
            c["name"]
            for c in self.connections()
            if (c.get("client_properties") or {}).get("connection_name") == connection_name
        }
        exclusive = [name for name, q in self.queues().items() if q.get("exclusive")]
        # RabbitMQ 3.10 lists queues without their owner; each queue's own page has it.
        owners = {name: self.api(f"queues/{quote(self.vhost, safe='')}/{quote(name, safe='')}") for name in exclusive}
        return sorted(name for name, q in owners.items() if (q.get("owner_pid_details") or {}).get("name") in names)

    def bindings_of(self, queue: str) -> list[dict]:
        return self.api(f"queues/{quote(self.vhost, safe='')}/{quote(queue, safe='')}/bindings")


class Probe:
    """An exclusive AMQP queue bound to (exchange, key) pairs, collecting (routing key, body, arrival) on a thread."""

    def __init__(self, amqp_url: str, bindings: list[tuple[str, str]]) -> None:
        self.messages: list[tuple[str, bytes, float]] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(amqp_url, bindings), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("probe did not connect")

    def _run(self, amqp_url: str, bindings: list[tuple[str, str]]) -> None:
        params = pika.URLParameters(amqp_url)
        params.client_properties = {"connection_name": "test-probe"}
        connection = pika.BlockingConnection(params)
        channel = connection.channel()
        queue = channel.queue_declare("", exclusive=True).method.queue
        for exchange, key in bindings:
            channel.queue_bind(queue, exchange, routing_key=key)

        def collect(_ch, method, _props, body: bytes) -> None:
            self.messages.append((method.routing_key, body, time.monotonic()))

        channel.basic_consume(queue, collect, auto_ack=True)
        self._ready.set()
        while not self._stop.is_set():
            connection.process_data_events(time_limit=0.1)
        connection.close()

    def json_of(self, key: str) -> list[dict]:
        return [json.loads(body) for k, body, _ in self.messages if k == key]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass
class StreamOutcome:
    code: grpc.StatusCode
    seconds: float
    frames: list[pb.DataStream]

    @property
    def rows(self) -> int:
        return sum(f.data_shape_x for f in self.frames)

    @property
    def timestamps(self) -> list[int]:
        return [t for f in self.frames for t in f.timestamp_in_milis]

    @property
    def data_seconds(self) -> float:
        """How much time the rows received span (a live stream's rows are due by the clock)."""
        stamps = self.timestamps
        return (max(stamps) - min(stamps)) / 1000 if stamps else 0.0


def read_stream(
    answer: dict, stream_id: int = 0, keep_frames: int = 10_000, client_timeout: float = 400
) -> StreamOutcome:
    """Read one stream of a `/configure` answer to its end; the status code and when it came."""
    host = answer["stream_url"].split("://", 1)[-1]
    channel = grpc.insecure_channel(
        f"{host}:{int(answer['stream_port'])}", options=[("grpc.max_receive_message_length", 64 << 20)]
    )
    stub = pb_grpc.DataStreamServiceStub(channel)
    frames: list[pb.DataStream] = []
    started = time.monotonic()
    code = grpc.StatusCode.OK
    try:
        for frame in stub.StreamData(pb.StreamDataRequest(stream_id=stream_id), timeout=client_timeout):
            if len(frames) < keep_frames:
                frames.append(frame)
    except grpc.RpcError as exc:
        code = exc.code()
    finally:
        channel.close()
    return StreamOutcome(code, time.monotonic() - started, frames)


def decode(frame: pb.DataStream) -> np.ndarray:
    """The documented layout: (rows, channels, bins) little-endian float32, channel-major rows."""
    z = frame.data_shape_z if frame.HasField("data_shape_z") else 1
    return np.stack([np.frombuffer(row, dtype="<f4") for row in frame.main_data]).reshape(
        frame.data_shape_x, frame.data_shape_y, z
    )


def live_task_body(**over: object) -> dict:
    body = {
        "displayTimeAxisDuration": 10,
        "nfftSelection": 1024,
        "canvasInfo": {"height": 100},
        "sensors": {"min": 0, "max": 7},
        "frequencyRange": {"min": 0, "max": 500},
        "start_time": None,
        "end_time": None,
    }
    body.update(over)
    return body


def history_task_body(start: str, end: str, **over: object) -> dict:
    return live_task_body(start_time=task_time(start), end_time=task_time(end), **over)


def job_body(**over: object) -> dict:
    body = {
        "displayInfo": {"height": 200},
        "channels": {"min": 1, "max": 50},
        "view_type": "0",
        "displayTimeAxisDuration": 10,
        "nfftSelection": 1024,
        "frequencyRange": {"min": 0, "max": 500},
        "start_time": None,
        "end_time": None,
    }
    body.update(over)
    return body


def gaps_ms(timestamps: list[int], threshold_ms: int) -> list[tuple[int, int]]:
    ordered = sorted(timestamps)
    return [(a, b) for a, b in itertools.pairwise(ordered) if b - a > threshold_ms]


def unique_id(prefix: str) -> str:
    return new_task_id(prefix)  # the suite's one id scheme (support/ids.py)
