"""A "production" RabbitMQ node for the safety tests: the stand's private node (tests may use the stand's code; the
suite never does), with a TLS listener beside the plain one for AMQP and for the management API, and the broker's
default statistics interval (5 s), so that the management API lags as a real one does.

`preload` gives it the state of a live deployment: `prisma` with bindings, `recorder_input` and
`interrogator_input` holding messages, a job queue with a consumer (held by `ProductionConsumer`), a policy.
`snapshot` reads everything back through the management API, to compare before and after a run.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pika
import requests
from safety_certs import Certificates

from stand.broker import PrivateBroker, _erlang_binary
from stand.ports import free_ports

PRODUCTION_VHOST = "/"
RECORDER_MESSAGES = 7
INTERROGATOR_MESSAGES = 4
JOB_QUEUE = "job_abc123_results"
CONSUMER_CONNECTION = "production-analyzer"


def _erlang_path(path: Path) -> str:
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


class ProductionBroker(PrivateBroker):
    """A private node with TLS listeners (AMQP and management) signed by the test CA."""

    def __init__(self, base_dir: Path, user: str, password: str, certs: Certificates) -> None:
        super().__init__(base_dir, user, password)
        self.certs = certs
        self.amqps_port = 0
        self.api_tls_port = 0

    def _write_files(self) -> None:
        super()._write_files()  # folders, plugins, env file; the config is ours
        taken = {self.amqp_port, self.api_port, self.dist_port, self.epmd_port}
        while True:
            self.amqps_port, self.api_tls_port = free_ports(2)
            if not taken & {self.amqps_port, self.api_tls_port}:
                break
        c = self.certs
        tls_files = (
            f"{{cacertfile, {_erlang_path(c.ca)}}}, {{certfile, {_erlang_path(c.server_cert)}}}, "
            f"{{keyfile, {_erlang_path(c.server_key)}}}"
        )
        config = (
            f'[{{rabbit, [{{tcp_listeners, [{{"127.0.0.1", {self.amqp_port}}}]}},\n'
            f'            {{ssl_listeners, [{{"127.0.0.1", {self.amqps_port}}}]}},\n'
            f"            {{ssl_options, [{tls_files}, {{verify, verify_none}}, {{fail_if_no_peer_cert, false}}]}},\n"
            f"            {{default_user, {_erlang_binary(self.user)}}},\n"
            f"            {{default_pass, {_erlang_binary(self.password)}}},\n"
            "            {loopback_users, []}]},\n"
            f' {{rabbitmq_management, [{{tcp_config, [{{port, {self.api_port}}}, {{ip, "127.0.0.1"}}]}},\n'
            f'                         {{ssl_config, [{{port, {self.api_tls_port}}}, {{ip, "127.0.0.1"}},\n'
            f"                                        {tls_files}]}}]}}].\n"
        )
        config_file = self.dir / "rabbitmq.config"
        config_file.write_text(config)
        config_file.chmod(0o600)

    @property
    def url_password(self) -> str:
        """The password as a URL carries it (percent-encoded)."""
        return quote(self.password, safe="")

    @property
    def amqp_url(self) -> str:
        return self.endpoints(PRODUCTION_VHOST).amqp_url

    @property
    def amqps_url(self) -> str:
        user, password = quote(self.user, safe=""), quote(self.password, safe="")
        return f"amqps://{user}:{password}@127.0.0.1:{self.amqps_port}/{quote(PRODUCTION_VHOST, safe='')}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def api_tls_url(self) -> str:
        return f"https://127.0.0.1:{self.api_tls_port}"

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        answer = requests.request(
            method, f"{self.api_url}/api{path}", auth=(self.user, self.password), timeout=10, **kwargs
        )
        answer.raise_for_status()
        return answer


class ProductionConsumer:
    """The production's own consumer of the job queue, on a thread of its own with its own named connection."""

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="production-consumer", daemon=True)

    def start(self) -> None:
        self.thread.start()
        if not self.ready.wait(20):
            raise RuntimeError(f"the production consumer did not start: {self.error!r}")

    def _run(self) -> None:
        params = pika.URLParameters(self.amqp_url)
        params.client_properties = {"connection_name": CONSUMER_CONNECTION}
        try:
            connection = pika.BlockingConnection(params)
            channel = connection.channel()
            channel.basic_qos(prefetch_count=1)
            channel.basic_consume(JOB_QUEUE, lambda *_: None, auto_ack=False, consumer_tag="production-analyzer")
            self.ready.set()
            while not self.stop.is_set():
                connection.process_data_events(time_limit=0.2)
            connection.close()
        except BaseException as error:  # handed to start()
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
    for name in ("recorder_input", "interrogator_input", JOB_QUEUE):
        channel.queue_declare(name, durable=True)
    channel.queue_bind("interrogator_input", "prisma", routing_key="baby_analyzer.commands.#")
    channel.queue_bind(JOB_QUEUE, "prisma", routing_key="baby_analyzer.results.job_abc123")
    channel.queue_bind("recorder_input", "prisma", routing_key="interrogator.frames.#")
    persistent = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    for number in range(RECORDER_MESSAGES):
        body = json.dumps({"sequence": number, "frame": "production"}).encode()
        channel.basic_publish("", "recorder_input", body, persistent)
    for number in range(INTERROGATOR_MESSAGES):
        body = json.dumps({"type": "RegionOfInterestCommand", "value": {"start": number, "end": number + 9}})
        channel.basic_publish("", "interrogator_input", body.encode(), persistent)
    connection.close()
    broker.api(
        "PUT",
        "/policies/%2F/recorder-cap",
        json={"pattern": "^recorder_", "definition": {"max-length": 100000}, "apply-to": "queues", "priority": 1},
    )


@dataclass(frozen=True)
class Snapshot:
    """What the management API shows of the broker, reduced to what a run must not change."""

    data: dict[str, Any]

    def diff(self, other: Snapshot) -> list[str]:
        lines = []
        for key in sorted(set(self.data) | set(other.data)):
            before, after = self.data.get(key), other.data.get(key)
            if before != after:
                was, now = json.dumps(before, sort_keys=True), json.dumps(after, sort_keys=True)
                lines.append(f"{key}:\n  before {was}\n  after  {now}")
        return lines


def _stats(item: dict[str, Any], *names: str) -> dict[str, int]:
    stats = item.get("message_stats") or {}
    return {name: int(stats.get(name, 0)) for name in names}


def snapshot(broker: ProductionBroker) -> Snapshot:
    """Exchanges, queues (with message counts, consumers and message statistics), bindings, consumers,
    connections, channels, vhosts, users, permissions and policies: the whole broker, all vhosts."""

    def get(path: str) -> Any:
        return broker.api("GET", path).json()

    data: dict[str, Any] = {}
    for exchange in get("/exchanges"):
        key = f"exchange {exchange['vhost']} {exchange['name'] or '(default)'}"
        data[key] = {
            "type": exchange["type"],
            "durable": exchange["durable"],
            "auto_delete": exchange["auto_delete"],
            "internal": exchange["internal"],
            "arguments": exchange.get("arguments") or {},
            "published_in": _stats(exchange, "publish_in")["publish_in"],
        }
    for queue in get("/queues"):
        data[f"queue {queue['vhost']} {queue['name']}"] = {
            "durable": queue["durable"],
            "auto_delete": queue["auto_delete"],
            "exclusive": queue.get("exclusive", False),
            "arguments": queue.get("arguments") or {},
            "policy": queue.get("policy"),
            "messages": queue.get("messages"),
            "messages_ready": queue.get("messages_ready"),
            "messages_unacknowledged": queue.get("messages_unacknowledged"),
            "consumers": queue.get("consumers"),
            # a peek (get + requeue) leaves the count as it was, but not these
            **_stats(queue, "publish", "deliver_get", "redeliver", "ack"),
        }
    bindings = sorted(
        f"{b['vhost']} {b['source'] or '(default)'} -> {b['destination_type']} {b['destination']} "
        f"[{b['routing_key']}] {json.dumps(b.get('arguments') or {}, sort_keys=True)}"
        for b in get("/bindings")
    )
    data["bindings"] = bindings
    data["consumers"] = sorted(
        f"{c['queue']['vhost']} {c['queue']['name']} {c['consumer_tag']} "
        f"ack={c.get('ack_required')} exclusive={c.get('exclusive')} prefetch={c.get('prefetch_count')}"
        for c in get("/consumers")
    )
    data["connections"] = sorted(
        (c.get("client_properties") or {}).get("connection_name") or "(unnamed)" for c in get("/connections")
    )
    data["channels"] = len(get("/channels"))
    data["vhosts"] = sorted(v["name"] for v in get("/vhosts"))
    data["users"] = sorted(f"{u['name']} {u.get('tags')}" for u in get("/users"))
    data["permissions"] = sorted(json.dumps(p, sort_keys=True) for p in get("/permissions"))
    data["policies"] = sorted(json.dumps(p, sort_keys=True) for p in get("/policies"))
    return Snapshot(data)


class Watcher:
    """Polls the management API while a run goes on and keeps every queue and connection it saw that the
    baseline does not have: what the suite created (so that "nothing remains" is not said of nothing)."""

    def __init__(self, broker: ProductionBroker, baseline: Snapshot) -> None:
        self.broker = broker
        self.known = {key for key in baseline.data if key.startswith("queue ")}
        self.queues: set[str] = set()
        self.connections: set[str] = set()
        self.bindings: set[str] = set()
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
            try:
                for queue in self.broker.api("GET", "/queues").json():
                    if f"queue {queue['vhost']} {queue['name']}" not in self.known:
                        self.queues.add(f"{queue['name']} (exclusive={queue.get('exclusive')})")
                for binding in self.broker.api("GET", "/bindings").json():
                    if binding["destination"].startswith("amq.gen-"):
                        self.bindings.add(f"{binding['source'] or '(default)'} [{binding['routing_key']}]")
                for connection in self.broker.api("GET", "/connections").json():
                    name = (connection.get("client_properties") or {}).get("connection_name") or "(unnamed)"
                    if name != CONSUMER_CONNECTION:
                        self.connections.add(name)
            except requests.RequestException:
                continue
