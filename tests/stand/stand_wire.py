"""Talking to a stand over the wire only (REST, gRPC, AMQP, management API), with requests, grpc and pika directly:
the stand tests never import the suite (support/), so that the stand is judged by its wire alone."""

from __future__ import annotations

import itertools
import json
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import grpc
import numpy as np
import pika
import requests
from polls import WaitTimeout, until, watch_for

from pandadatastream import pandadatastream_pb2 as pb
from pandadatastream import pandadatastream_pb2_grpc as pb_grpc
from stand.control import run_stand

STAND_CLI_S = 90.0  # one `python -m stand` command, `up` and `down` included


def utc(text: str) -> int:
    """'2025-10-09 10:00:00' (UTC) → epoch seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def task_time(text: str) -> str:
    """'2025-10-09 10:00:00' → '251009100000'."""
    return datetime.fromisoformat(text).strftime("%y%m%d%H%M%S")


def stand_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m stand ARGS`, its output captured, as the tools run it."""
    return run_stand(*args, timeout_s=STAND_CLI_S)


@dataclass
class StandHandle:
    """A running stand as its env file names it."""

    env_file: Path
    env: dict[str, str]
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
        """Poll the waterfall until 208 (or timeout); all rows and the final status (0: no end before the timeout).
        Rows are asked for again at once, "nothing yet" (200) after a short pause."""
        rows: list[dict] = []

        def step() -> int | None:
            while (answer := self.get(f"/waterfall/{task_id}/{row_count}")).status_code == 201:
                rows.extend(row for block in answer.json() for row in block["rows"])  # asked again at once
            return None if answer.status_code == 200 else answer.status_code

        try:
            status = until(step, f"the waterfall of {task_id} to end", within_s=timeout_s)
        except WaitTimeout:
            status = 0
        return rows, status

    # -- management API ------------------------------------------------------------------------------------------

    def api(self, path: str) -> object:
        """One management API listing. RabbitMQ's own hiccups (a 5xx while a queue it lists is being deleted, which
        a busy node shows now and then) are asked again: the management API is the broker's, not the stand's."""

        def ask() -> requests.Response | None:
            answer = requests.get(
                f"{self.env['FOCUS_RABBITMQ_API_URL']}/api/{path}",
                auth=(self.env["FOCUS_RABBITMQ_API_USER"], self.env["FOCUS_RABBITMQ_API_PASSWORD"]),
                timeout=10,
            )
            return None if answer.status_code >= 500 else answer

        answer = until(ask, f"the management API to answer GET /api/{path} without a 5xx")
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
        return watch_for(lambda: self._consumers_by_connection() or None, settle_s) or {}

    def _consumers_by_connection(self) -> dict[str, list[str]]:
        names = {c["name"]: (c.get("client_properties") or {}).get("connection_name") for c in self.connections()}
        found: dict[str, list[str]] = {}
        for consumer in self.vhost_api("consumers"):
            # RabbitMQ lists `"channel_details": []` for a channel whose connection is going away (as the suite's
            # models know, support/rabbit_admin.py): a consumer of no known connection.
            channel = consumer.get("channel_details") or {}
            conn = names.get(channel.get("connection_name"), "?")
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

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)


def data(message: pb.DataStream) -> np.ndarray:
    """A frame's rows x channels x bins (docs/grpc-frame-layout.md)."""
    shape = (message.data_shape_x, message.data_shape_y, message.data_shape_z or 1)
    return np.frombuffer(b"".join(message.main_data), dtype="<f4").reshape(shape)


@dataclass
class StreamOutcome:
    """One read of a stream: how it ended, when, every row's timestamp and the first frames."""

    code: grpc.StatusCode | None
    seconds: float  # when the stream ended, from the start of the call
    by_server: bool  # the stand ended it (not our deadline, not our closing it)
    timestamps: list[int]
    frames: list[pb.DataStream]
    arrivals_s: list[float]  # when each frame came, from the start of the call
    details: str = ""

    @property
    def rows(self) -> int:
        return len(self.timestamps)

    @property
    def data_seconds(self) -> float:
        """How much time the rows received span (a live stream's rows are due by the clock)."""
        return (max(self.timestamps) - min(self.timestamps)) / 1000 if self.timestamps else 0.0

    def __str__(self) -> str:
        return f"{self.code} after {self.seconds:.1f} s ({self.rows} rows; {self.details})"


def read_stream(
    answer: dict,
    stream_id: int = 0,
    keep_frames: int = 10_000,
    deadline_s: float = 400,
    read_for_s: float | None = None,
) -> StreamOutcome:
    """Read one stream of a `/configure` answer: to the stand's end of it, our deadline, or `read_for_s` (we close
    it then); the first `keep_frames` frames kept."""
    address = f"{urlsplit(answer['stream_url']).hostname}:{answer['stream_port']}"
    frames: list[pb.DataStream] = []
    stamps: list[int] = []
    arrivals: list[float] = []
    started = time.monotonic()
    with grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", -1)]) as channel:
        call = pb_grpc.DataStreamServiceStub(channel).StreamData(
            pb.StreamDataRequest(stream_id=stream_id), timeout=deadline_s
        )
        closer = threading.Timer(read_for_s or deadline_s, call.cancel)  # our deadline, or when we close it
        closer.start()
        code, details = grpc.StatusCode.OK, ""
        try:
            for message in call:
                stamps.extend(message.timestamp_in_milis)
                arrivals.append(time.monotonic() - started)
                if len(frames) < keep_frames:
                    frames.append(message)
        except grpc.RpcError as exc:
            code, details = exc.code(), exc.details() or ""
        finally:
            closer.cancel()
    ours = code is grpc.StatusCode.CANCELLED or (code is grpc.StatusCode.DEADLINE_EXCEEDED and "limit" not in details)
    return StreamOutcome(code, time.monotonic() - started, not ours, stamps, frames, arrivals, details)


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
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
