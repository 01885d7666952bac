"""Talking to a stand over the wire only (REST, gRPC, AMQP, management API), as the suite would.

Where a test only talks to the stand, it uses the suite's own clients (one gRPC reader: support/grpc_stream.py; one
env-file reader: support/stand_process.py), so that the wire code lives once; what the tests judge stays here and in
the tests themselves.
"""

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
import pika
import requests
from polls import POLL_S, until

from stand.control import read_env_file
from support.grpc_stream import Ending, Frame, StreamTimeline
from support.grpc_stream import read_stream as read_grpc_stream
from support.ids import new_task_id
from support.models import JobConfigured
from support.waiting import Pace, WaitTimeout, poll_until, watch_for

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
    return read_env_file(path)  # the suite's one reader of a stand's env file


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
        """Poll the waterfall until 208 (or timeout); all rows and the final status (0: no end before the timeout).
        Rows are asked for again at once, "nothing yet" (200) after a short pause."""
        rows: list[dict] = []

        def step() -> int | Pace:
            answer = self.get(f"/waterfall/{task_id}/{row_count}")
            if answer.status_code == 201:
                for block in answer.json():
                    rows.extend(block["rows"])
                return Pace.AT_ONCE
            return Pace.LATER if answer.status_code == 200 else answer.status_code

        try:
            status = poll_until(
                step, reason=f"the waterfall of {task_id} to end", timeout_s=timeout_s, interval_s=POLL_S
            )
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
        return watch_for(lambda: self._consumers_by_connection() or None, seconds=settle_s, interval_s=POLL_S) or {}

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

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass
class StreamOutcome:
    """One read of a stream by the suite's reader, and the first frames it decoded (kept for layout checks)."""

    timeline: StreamTimeline
    frames: list[Frame]

    @property
    def code(self) -> grpc.StatusCode | None:
        return self.timeline.code

    @property
    def seconds(self) -> float:
        """When the stream ended, from the start of the call."""
        return self.timeline.ended_s or 0.0

    @property
    def by_server(self) -> bool:
        """The stand ended it (not our deadline, not our closing it)."""
        return self.timeline.ending is Ending.SERVER

    @property
    def rows(self) -> int:
        return self.timeline.rows

    @property
    def timestamps(self) -> list[int]:
        return self.timeline.row_timestamps_ms

    @property
    def data_seconds(self) -> float:
        """How much time the rows received span (a live stream's rows are due by the clock)."""
        stamps = self.timestamps
        return (max(stamps) - min(stamps)) / 1000 if stamps else 0.0

    def __str__(self) -> str:
        return self.timeline.ended_text()


def read_stream(
    answer: dict,
    stream_id: int = 0,
    keep_frames: int = 10_000,
    deadline_s: float = 400,
    read_for_s: float | None = None,
) -> StreamOutcome:
    """Read one stream of a `/configure` answer with the suite's reader: to the stand's end of it, our deadline, or
    `read_for_s` (we close it); the first `keep_frames` frames decoded."""
    address = JobConfigured.model_construct(**answer).grpc_address  # no validation: the tests judge the answer
    frames: list[Frame] = []

    def keep(frame: Frame) -> None:
        if len(frames) < keep_frames:
            frames.append(frame)

    timeline = read_grpc_stream(address, stream_id, deadline_s=deadline_s, read_for_s=read_for_s, on_frame=keep)
    return StreamOutcome(timeline, frames)


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
