"""What the safety tests run the suite against, and how they run it:
- test certificates (openssl): a CA, a server certificate it signs, a self-signed rogue one;
- a "production" RabbitMQ node (the stand's private node, never the machine's broker) with TLS listeners beside the
  plain ones, RabbitMQ's default 5 s statistics (its management API lags as a real one's), a live deployment's state
  and a consumer of its own; `snapshot` reads it all back, to compare;
- one stand (`python -m stand up`) for the REST side, and HTTPS to put in front of it;
- the suite run as a user runs it (behave, `python -m support.preflight`), what it left read back (output, Allure
  results, JUnit), and a search of all of it for a password in every form: as it is, percent-encoded, inside an
  `Authorization: Basic` value, inside base64 blobs (a single-file report's attachments are base64).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

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
FIGURES: dict[str, Any] = {}  # what the tests measure, printed at the end (conftest.py)


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
        # A JSON string is an Erlang string too, escapes and all.
        path = {name: json.dumps(str(self.certs.dir / name)) for name in ("ca.pem", "server.pem", "server.key")}
        tls = f"{{cacertfile, {path['ca.pem']}}}, {{certfile, {path['server.pem']}}}, {{keyfile, {path['server.key']}}}"
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
        url, auth = f"{self.api_url}/api{path}", (self.user, self.password)
        answer = requests.request(method, url, auth=auth, timeout=10, **kwargs)
        answer.raise_for_status()
        return answer.json() if answer.content else None


class ProductionConsumer(threading.Thread):
    """The production's own consumer of the job queue, with its own named connection (made in the constructor: a
    failure shows there), served on a thread of its own."""

    def __init__(self, amqp_url: str) -> None:
        super().__init__(name="production-consumer", daemon=True)
        params = pika.URLParameters(amqp_url)
        params.client_properties = {"connection_name": CONSUMER}
        self.connection = pika.BlockingConnection(params)
        channel = self.connection.channel()
        channel.basic_qos(prefetch_count=1)
        channel.basic_consume(JOB_QUEUE, lambda *_: None, auto_ack=False, consumer_tag=CONSUMER)
        self.stopping = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.connection.process_data_events(time_limit=0.2)
        self.connection.close()

    def close(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


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
        was, now = self.data, other.data
        return [
            f"{k}:\n  before {was.get(k)}\n  after  {now.get(k)}" for k in sorted(was | now) if was.get(k) != now.get(k)
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


# -- running the suite ----------------------------------------------------------------------------------------------

REST_USER, REST_PASSWORD = "reporter", "Rest-Pw-5f3a!q"  # of the whole run's REST URL


def target_env(focus: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any FOCUS_*/STAND_*/TARGET of the shell, naming an external target."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOCUS_", "STAND_", "ACCEPTANCE_"))}
    env.pop("TARGET", None)
    return {**env, **focus, "TARGET": "external", "PYTHONUNBUFFERED": "1"}


def on_production(production: Production, base_url: str, **more: str) -> dict[str, str]:
    """FOCUS_* of a target whose REST is `base_url`, its AMQP and management API the production node's."""
    amqp, api = production.broker.amqp_url, production.broker.api_url
    return {"FOCUS_BASE_URL": base_url, "FOCUS_AMQP_URL": amqp, "FOCUS_RABBITMQ_API_URL": api} | more


def production_target(production: Production, stand: StandHandle, **more: str) -> dict[str, str]:
    """The stand's REST (and its catalogue's window), the production node's AMQP and management API. The management
    credentials are left out on purpose: the suite takes them from the AMQP URL (its password percent-encoded)."""
    focus = {k: v for k, v in stand.env.items() if k.startswith("FOCUS_") and "AMQP" not in k and "RABBITMQ" not in k}
    return target_env(focus | on_production(production, stand.env["FOCUS_BASE_URL"], **more))


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    base: Path

    def results(self) -> list[dict[str, Any]]:
        """Every Allure test result of the run."""
        return [json.loads(p.read_text()) for p in sorted((self.base / "allure-results").glob("*-result.json"))]

    def junit_cases(self) -> list[ElementTree.Element]:
        files = sorted((self.base / "junit").rglob("*.xml"))
        return [case for path in files for case in ElementTree.parse(path).iter("testcase")]

    def lines(self, stream: str = "stderr") -> list[str]:
        return [line for line in getattr(self, stream).splitlines() if line.strip()]


def label(result: dict[str, Any], name: str) -> str | None:
    return next((item["value"] for item in result["labels"] if item["name"] == name), None)


def behave_command(base: Path, selection: Sequence[str]) -> list[str]:
    return [
        sys.executable, "-m", "behave", *selection, "--no-color", "-f", "allure", "-o", str(base / "allure-results"),
        "-f", "plain", "--junit", "--junit-directory", str(base / "junit"),
    ]  # fmt: skip


def run(command: Sequence[str], env: Mapping[str, str], base: Path, timeout_s: float = 300) -> Run:
    """Run a command of the project to its end, its output captured (and kept in `base`, to be searched too)."""
    base.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    options = {"capture_output": True, "text": True, "timeout": timeout_s, "stdin": subprocess.DEVNULL}
    done = subprocess.run(list(command), cwd=ROOT, env=dict(env), **options)
    (base / "output.txt").write_text(done.stdout + done.stderr)
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started, base)


def run_behave(env: Mapping[str, str], base: Path, *selection: str, timeout_s: float = 300) -> Run:
    return run(behave_command(base, selection), env, base, timeout_s)


def run_preflight(env: Mapping[str, str], base: Path) -> tuple[Run, dict[str, Any]]:
    """`python -m support.preflight`, what the runner asks once for a whole run: its run, and its JSON answer."""
    out = base / "preflight.json"
    command = [sys.executable, "-m", "support.preflight", "--out", str(out)]
    done = run([*command, "--results", str(base / "allure-results"), "--junit", str(base / "junit")], env, base, 60)
    return done, json.loads(out.read_text())


def interrupt_behave(
    env: Mapping[str, str], base: Path, selection: Sequence[str], in_the_middle: Callable[[], bool], timeout_s: float
) -> tuple[Run, float]:
    """Start behave, wait until `in_the_middle()` says a scenario is half-way, send SIGINT (Ctrl-C) to behave:
    the run, and how long behave took to end after the signal."""
    base.mkdir(parents=True, exist_ok=True)
    out, err = base / "stdout.txt", base / "stderr.txt"
    started = time.monotonic()
    with out.open("w") as stdout, err.open("w") as stderr:
        output = {"stdin": subprocess.DEVNULL, "stdout": stdout, "stderr": stderr}
        process = subprocess.Popen(behave_command(base, selection), cwd=ROOT, env=dict(env), **output)
        try:
            while not in_the_middle():
                assert process.poll() is None, f"behave ended ({process.returncode}) before a scenario was half-way"
                assert time.monotonic() - started < timeout_s, f"no scenario was half-way within {timeout_s:g} s"
                time.sleep(0.1)
            process.send_signal(signal.SIGINT)
            signalled = time.monotonic()
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    done = Run(process.returncode, out.read_text(), err.read_text(), time.monotonic() - started, base)
    return done, time.monotonic() - signalled


# -- secrets -----------------------------------------------------------------------------------------------------

_BLOB = re.compile(rb"[A-Za-z0-9+/]{24,}={0,2}")
_DEPTH = 3  # base64 inside base64 inside base64: an attachment inside a page inside a single-file report


def forms(user: str, password: str) -> set[str]:
    """Every form of a password worth looking for."""
    return {password, quote(password, safe=""), base64.b64encode(f"{user}:{password}".encode()).decode()}


def _leaks(content: bytes, needles: list[bytes], depth: int) -> list[str]:
    found = [needle.decode() for needle in needles if needle in content]
    for blob in _BLOB.findall(content) if depth > 0 else []:
        try:
            inner = base64.b64decode(blob + b"=" * (-len(blob) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        found += [f"{leak} (base64-encoded)" for leak in _leaks(inner, needles, depth - 1)]
    return found


def scan(folder: Path, secrets: Iterable[str]) -> dict[str, list[str]]:
    """{file: [secret forms found in it]} for every file under `folder` that holds one."""
    needles = sorted({secret.encode() for secret in secrets if secret}, key=len, reverse=True)
    leaks = {str(f): sorted(set(_leaks(f.read_bytes(), needles, _DEPTH))) for f in folder.rglob("*") if f.is_file()}
    return {file: found for file, found in leaks.items() if found}
