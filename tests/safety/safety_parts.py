"""The real parts the safety tests run the suite against (started once per session by conftest.py):

- test certificates made with openssl: a CA, a server certificate it signs, a self-signed rogue one;
- a "production" RabbitMQ node: the stand's private node (never the machine's own broker), with TLS listeners
  beside the plain ones, the broker's default 5 s statistics (so the management API lags as a real one does), and
  the state of a live deployment with a consumer of its own; `snapshot` reads it all back, to compare;
- one stand (`python -m stand up`) for the Focus Server REST, and HTTPS to put in front of it.
"""

from __future__ import annotations

import contextlib
import json
import re
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pika
import requests
from httpfake import Canned, FakeHttp, Route

from stand.broker import PrivateBroker, _erlang_binary, free_ports
from stand.control import Stand, read_env_file

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "/focus-server"
JOB_QUEUE = "job_abc123_results"
CONSUMER = "production-analyzer"  # the production's own consumer's connection
STATS_INTERVAL_S = 5.0  # RabbitMQ's default collect_statistics_interval, which the production node keeps
STABLE_FOR_S = 2 * STATS_INTERVAL_S + 1  # every queue has emitted fresh statistics at least once in that time


# -- certificates ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    dir: Path

    @property
    def ca(self) -> Path:
        """The test CA: what FOCUS_CA_BUNDLE names."""
        return self.dir / "ca.pem"

    def server_context(self, *, rogue: bool = False) -> ssl.SSLContext:
        """The server's certificate signed by the CA, or the rogue one: self-signed, trusted by no one."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        name = "rogue" if rogue else "server"
        context.load_cert_chain(self.dir / f"{name}.pem", self.dir / f"{name}.key")
        return context


def make_certificates(folder: Path) -> Certificates:
    folder.mkdir(parents=True, exist_ok=True)
    san = "subjectAltName=IP:127.0.0.1,DNS:localhost"

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Focus safety test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=x")
    (folder / "server.ext").write_text(f"{san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
    )  # fmt: skip
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out", "rogue.pem", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", san,
    )  # fmt: skip
    return Certificates(folder)


# -- the production broker ---------------------------------------------------------------------------------------


def _erlang_path(path: Path) -> str:
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


class ProductionBroker(PrivateBroker):
    """A private node with TLS listeners (AMQP and management) signed by the test CA."""

    def __init__(self, base_dir: Path, user: str, password: str, certs: Certificates) -> None:
        super().__init__(base_dir, user, password)
        self.certs = certs
        self.amqps_port = self.api_tls_port = 0

    def _write_files(self) -> None:
        super()._write_files()  # folders, plugins, env file; the config is ours
        taken = {self.amqp_port, self.api_port, self.dist_port, self.epmd_port}
        while not taken.isdisjoint(ports := free_ports(2)):
            pass
        self.amqps_port, self.api_tls_port = ports
        d = self.certs.dir
        tls = (
            f"{{cacertfile, {_erlang_path(d / 'ca.pem')}}}, {{certfile, {_erlang_path(d / 'server.pem')}}}, "
            f"{{keyfile, {_erlang_path(d / 'server.key')}}}"
        )
        config = (
            f'[{{rabbit, [{{tcp_listeners, [{{"127.0.0.1", {self.amqp_port}}}]}},\n'
            f'            {{ssl_listeners, [{{"127.0.0.1", {self.amqps_port}}}]}},\n'
            f"            {{ssl_options, [{tls}, {{verify, verify_none}}, {{fail_if_no_peer_cert, false}}]}},\n"
            f"            {{default_user, {_erlang_binary(self.user)}}},\n"
            f"            {{default_pass, {_erlang_binary(self.password)}}},\n"
            "            {loopback_users, []}]},\n"
            f' {{rabbitmq_management, [{{tcp_config, [{{port, {self.api_port}}}, {{ip, "127.0.0.1"}}]}},\n'
            f'  {{ssl_config, [{{port, {self.api_tls_port}}}, {{ip, "127.0.0.1"}}, {tls}]}}]}}].\n'
        )
        config_file = self.dir / "rabbitmq.config"
        config_file.write_text(config)
        config_file.chmod(0o600)
        # Where it answers, the password as a URL carries it (percent-encoded).
        self.url_password = quote(self.password, safe="")
        self.amqp_url = f"amqp://{self.user}:{self.url_password}@127.0.0.1:{self.amqp_port}/%2F"
        self.amqps_url = f"amqps://{self.user}:{self.url_password}@127.0.0.1:{self.amqps_port}/%2F"
        self.api_url, self.api_tls_url = f"http://127.0.0.1:{self.api_port}", f"https://127.0.0.1:{self.api_tls_port}"

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = requests.request(
            method, f"{self.api_url}/api{path}", auth=(self.user, self.password), timeout=10, **kwargs
        )
        answer.raise_for_status()
        return answer.json() if answer.content else None


class ProductionConsumer:
    """The production's own consumer of the job queue, on a thread of its own with its own named connection."""

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="production-consumer", daemon=True)
        self.thread.start()
        if not self.ready.wait(20) or self.error is not None:
            raise RuntimeError(f"the production consumer did not start: {self.error!r}")

    def _run(self) -> None:
        params = pika.URLParameters(self.amqp_url)
        params.client_properties = {"connection_name": CONSUMER}
        try:
            connection = pika.BlockingConnection(params)
            channel = connection.channel()
            channel.basic_qos(prefetch_count=1)
            channel.basic_consume(JOB_QUEUE, lambda *_: None, auto_ack=False, consumer_tag=CONSUMER)
            self.ready.set()
            while not self.stop.is_set():
                connection.process_data_events(time_limit=0.2)
            connection.close()
        except BaseException as error:  # handed to the constructor
            self.error = error
            self.ready.set()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def preload(broker: ProductionBroker) -> None:
    """The state of a live deployment (the test's own doing: the suite never declares anything)."""
    params = pika.URLParameters(broker.amqp_url)
    params.client_properties = {"connection_name": "production-setup"}
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    channel.exchange_declare("prisma", exchange_type="topic", durable=True)
    for name, key in [
        ("recorder_input", "interrogator.frames.#"),
        ("interrogator_input", "baby_analyzer.commands.#"),
        (JOB_QUEUE, "baby_analyzer.results.job_abc123"),
    ]:
        channel.queue_declare(name, durable=True)
        channel.queue_bind(name, "prisma", routing_key=key)
    persistent = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    for queue, count in (("recorder_input", 7), ("interrogator_input", 4)):
        for number in range(count):
            channel.basic_publish("", queue, json.dumps({"sequence": number}).encode(), persistent)
    connection.close()
    policy = {"pattern": "^recorder_", "definition": {"max-length": 100000}, "apply-to": "queues", "priority": 1}
    broker.api("PUT", "/policies/%2F/recorder-cap", json=policy)


def preloaded(state: Snapshot) -> bool:
    data = state.data
    return (
        (data.get("queue / recorder_input") or {}).get("messages") == 7
        and (data.get("queue / interrogator_input") or {}).get("messages") == 4
        and (data.get("queue / job_abc123_results") or {}).get("consumers") == 1
        and data.get("connections") == [CONSUMER]
    )


@dataclass(frozen=True)
class Snapshot:
    """What the management API shows of the broker, reduced to what a run must not change."""

    data: dict[str, Any]

    def diff(self, other: Snapshot) -> list[str]:
        keys = sorted(set(self.data) | set(other.data))
        return [
            f"{k}:\n  before {self.data.get(k)}\n  after  {other.data.get(k)}"
            for k in keys
            if self.data.get(k) != other.data.get(k)
        ]


def _stats(item: dict[str, Any], *names: str) -> dict[str, int]:
    stats = item.get("message_stats") or {}
    return {name: int(stats.get(name, 0)) for name in names}


def snapshot(broker: ProductionBroker) -> Snapshot:
    """Exchanges, queues (message counts, consumers, message statistics: a peek with requeue keeps the count but
    not these), bindings, consumers, connections, vhosts, users, permissions and policies, all vhosts."""
    data: dict[str, Any] = {}
    for e in broker.api("GET", "/exchanges"):
        data[f"exchange {e['vhost']} {e['name'] or '(default)'}"] = {
            **{k: e.get(k) for k in ("type", "durable", "auto_delete", "internal", "arguments")},
            **_stats(e, "publish_in"),
        }
    for q in broker.api("GET", "/queues"):
        data[f"queue {q['vhost']} {q['name']}"] = {
            **{k: q.get(k) for k in ("durable", "auto_delete", "exclusive", "arguments", "policy", "consumers")},
            **{k: q.get(k) for k in ("messages", "messages_ready", "messages_unacknowledged")},
            **_stats(q, "publish", "deliver_get", "redeliver", "ack"),
        }
    data["bindings"] = sorted(
        f"{b['vhost']} {b['source'] or '(default)'} -> {b['destination_type']} {b['destination']} [{b['routing_key']}]"
        for b in broker.api("GET", "/bindings")
    )
    data["consumers"] = sorted(
        f"{c['queue']['name']} {c['consumer_tag']} ack={c.get('ack_required')}" for c in broker.api("GET", "/consumers")
    )
    data["connections"] = sorted(_connection_name(c) for c in broker.api("GET", "/connections"))
    data["channels"] = len(broker.api("GET", "/channels"))
    data["vhosts"] = sorted(v["name"] for v in broker.api("GET", "/vhosts"))
    data["users"] = sorted(f"{u['name']} {u.get('tags')}" for u in broker.api("GET", "/users"))
    for listing in ("permissions", "policies"):
        data[listing] = sorted(json.dumps(item, sort_keys=True) for item in broker.api("GET", f"/{listing}"))
    return Snapshot(data)


def _connection_name(connection: dict[str, Any]) -> str:
    return (connection.get("client_properties") or {}).get("connection_name") or "(unnamed)"


def settled(
    broker: ProductionBroker, wanted: Callable[[Snapshot], bool], timeout_s: float, hold_s: float = STABLE_FOR_S
) -> tuple[Snapshot, float]:
    """Poll the management API (never a fixed sleep) until `wanted` holds on an unchanged snapshot for `hold_s`
    (a count that changed late still shows its old value for up to one statistics round), or the timeout: the last
    snapshot, and the seconds until `wanted` first held (-1 if never)."""
    started = time.monotonic()
    held: Snapshot | None = None
    held_since = first = -1.0
    while True:
        current, now = snapshot(broker), time.monotonic()
        if not wanted(current):
            held = None
        elif held != current:
            held, held_since = current, now
            first = now - started if first < 0 else first
        if (held is not None and now - held_since >= hold_s) or now - started > timeout_s:
            return current, first
        time.sleep(0.5)


class Watcher:
    """Polls the management API while a run goes on, and keeps what the suite created there (so that "nothing
    remains" is not said of nothing): queues not in the baseline, their bindings, connections."""

    def __init__(self, broker: ProductionBroker, baseline: Snapshot) -> None:
        self.broker = broker
        self.known = {key.split(" ", 2)[2] for key in baseline.data if key.startswith("queue ")}
        self.queues: dict[str, dict[str, Any]] = {}
        self.bindings: set[str] = set()
        self.connections: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="production-watcher", daemon=True)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            with contextlib.suppress(requests.RequestException):
                for q in self.broker.api("GET", "/queues"):
                    if q["name"] not in self.known:
                        self.queues[q["name"]] = {k: q.get(k) for k in ("exclusive", "auto_delete", "durable")}
                for b in self.broker.api("GET", "/bindings"):
                    if b["destination"] not in self.known and b["source"]:
                        self.bindings.add(f"{b['source']} [{b['routing_key']}]")
                self.connections |= {_connection_name(c) for c in self.broker.api("GET", "/connections")} - {CONSUMER}


@dataclass
class Production:
    broker: ProductionBroker
    consumer: ProductionConsumer
    baseline: Snapshot  # taken again by a test that changed it on purpose

    def stop(self) -> None:
        self.consumer.close()
        self.broker.stop()


# -- the stand and TLS in front of it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StandHandle:
    env_file: Path
    env: dict[str, str]

    @property
    def port(self) -> int:
        return urlsplit(self.env["FOCUS_BASE_URL"]).port


def stand_up(env_file: Path, env: dict[str, str]) -> StandHandle:
    """`python -m stand up` with `env` (the shell's FOCUS_*/STAND_* left out by the caller)."""
    up = [sys.executable, "-m", "stand", "up", "--env-file", str(env_file)]
    done = subprocess.run(up, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        raise RuntimeError(f"stand up failed ({done.returncode}): {done.stderr[-2000:]}")
    return StandHandle(env_file, read_env_file(env_file))


def stand_down(stand: StandHandle) -> None:
    Stand(stand.env_file, {}).down()


def tls_in_front(upstream_port: int) -> FakeHttp:
    """HTTPS in front of a plain HTTP server on the loopback (`serve` it with a TLS context): TLS ends here, each
    request goes on to the server, its answer comes back."""

    def forward(method: str) -> Route:
        def handler(match: re.Match[str], body: bytes) -> Canned:
            url, headers = f"http://127.0.0.1:{upstream_port}{match.group(0)}", {"Content-Type": "application/json"}
            answer = requests.request(method, url, data=body, headers=headers if body else {}, timeout=30)
            return Canned(answer.status_code, answer.text, answer.headers.get("Content-Type", "application/json"))

        return handler

    fake = FakeHttp(prefix=PREFIX)
    for method in ("GET", "POST"):
        fake.route(method, "/.*", forward(method))
    return fake
