"""The stand's settings and its broker: a private RabbitMQ node (default), or the coordinates of an existing one.
The settings live here, where the broker reads them first: it starts before anything heavy is imported.

The private node runs from Debian's `rabbitmq-server` as root with everything of its own: node name, AMQP,
distribution, epmd and management ports, data/log dirs, cookie (HOME) and config, so that several stands and the
machine's own RabbitMQ never meet.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

import pika
import requests
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stand.catalogue import CATALOGUES, catalogue_path
from stand.faults import check_fault
from stand.timing import StandTiming

log = logging.getLogger(__name__)

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
EPMD = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"


class StandSettings(BaseSettings):
    """Everything one stand needs. Secrets are `SecretStr` so that they never end up in a log line."""

    model_config = SettingsConfigDict(env_prefix="STAND_", extra="ignore")

    fault: str | None = None
    api: Literal["both", "task", "job"] = "both"  # the shape: task, job (the production server's six routes) or both
    stream_limit_s: float = Field(default=StandTiming().limit_s, gt=0)
    recordings: Path = CATALOGUES["default"]  # a catalogue's name (default, contract, continuous) or a file
    # Private broker (the default): a node of our own with this user.
    broker_user: str = "focus"
    broker_password: SecretStr | None = None  # random when unset
    # Existing broker instead (all three URLs/credentials from the options or the environment).
    amqp_url: SecretStr | None = None
    rabbitmq_api_url: str | None = None
    rabbitmq_api_user: str | None = None
    rabbitmq_api_password: SecretStr | None = None
    task_idle_ttl_s: float = StandTiming.task_idle_ttl_s

    _catalogue = field_validator("recordings", mode="before")(lambda cls, value: catalogue_path(value))
    _known_fault = field_validator("fault")(lambda cls, value: check_fault(value or None))


def free_ports(count: int) -> list[int]:
    """`count` distinct ports that were free a moment ago (held open together so that they differ)."""
    with contextlib.ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


@dataclass(frozen=True)
class BrokerEndpoints:
    """Where the broker answers. `amqp_url` carries the credentials and the vhost."""

    amqp_url: str
    api_url: str  # management root; clients append /api
    api_user: str
    api_password: str

    @property
    def vhost(self) -> str:
        path = urlsplit(self.amqp_url).path
        return unquote(path[1:]) if len(path) > 1 else "/"

    def get(self, path: str) -> requests.Response:
        """One management API request (`path` after /api/)."""
        auth = (self.api_user, self.api_password)
        return requests.get(f"{self.api_url}/api/{path}", auth=auth, timeout=StandTiming.http_probe_s)


class BrokerDied(Exception):
    pass


def _poll(probe: Callable[[], str | None], timeout_s: float) -> None:
    """Ask `probe` every broker_poll_s until it says nothing is missing (None), for `timeout_s`; else a
    TimeoutError with what it last said (never a fixed sleep)."""
    deadline = time.monotonic() + timeout_s
    while (missing := probe()) is not None:
        if time.monotonic() > deadline:
            raise TimeoutError(missing)
        time.sleep(StandTiming.broker_poll_s)


def wait_until_answering(endpoints: BrokerEndpoints, alive: Callable[[], bool] = lambda: True) -> None:
    """Poll the management API and an AMQP connection until both answer."""

    def probe() -> str | None:
        if not alive():
            raise BrokerDied("the broker process exited during start; see its log")
        try:
            endpoints.get("overview").raise_for_status()
            params = pika.URLParameters(endpoints.amqp_url)
            params.socket_timeout = StandTiming.http_probe_s
            params.connection_attempts = 1
            pika.BlockingConnection(params).close()
        except (requests.RequestException, pika.exceptions.AMQPError, OSError) as exc:
            return str(exc) or type(exc).__name__
        return None

    _poll(probe, StandTiming.broker_start_s)


def wait_until_visible(endpoints: BrokerEndpoints, connection_names: set[str], timeout_s: float) -> None:
    """Wait until the management API lists these named connections in our vhost (its view lags the broker's)."""

    def probe() -> str | None:
        try:
            connections = endpoints.get("connections").json()
        except (requests.RequestException, ValueError) as exc:
            return str(exc)
        mine = [c for c in connections if c.get("vhost") == endpoints.vhost]
        seen = {(c.get("client_properties") or {}).get("connection_name") for c in mine}
        return None if connection_names <= seen else f"the management API shows only {sorted(n for n in seen if n)}"

    _poll(probe, timeout_s)


def _erlang_binary(text: str) -> str:
    """A string as an Erlang binary literal for the classic config format."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'<<"{escaped}">>'


class PrivateBroker:
    """One RabbitMQ node with its own epmd, started and stopped by this stand only."""

    def __init__(self, base_dir: Path, user: str, password: str | None) -> None:
        self.dir = base_dir
        self.user = user
        self.password = password or secrets.token_hex(12)
        self.node = f"stand-{secrets.token_hex(4)}@localhost"
        self.server: subprocess.Popen | None = None
        self.epmd: subprocess.Popen | None = None
        self.amqp_port = self.api_port = self.dist_port = self.epmd_port = 0

    # -- environment shared by rabbitmq-server and rabbitmqctl ---------------------------------------------------

    def env(self) -> dict[str, str]:
        d = self.dir
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        env.update(
            HOME=str(d / "home"),
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.amqp_port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            ERL_EPMD_PORT=str(self.epmd_port),
            ERL_EPMD_ADDRESS="127.0.0.1",
            RABBITMQ_MNESIA_BASE=str(d / "mnesia"),
            RABBITMQ_LOG_BASE=str(d / "log"),
            RABBITMQ_PID_FILE=str(d / "rabbitmq.pid"),
            RABBITMQ_FEATURE_FLAGS_FILE=str(d / "feature_flags"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(d / "enabled_plugins"),
            # Classic (Erlang term) format: it skips the cuttlefish translation and starts ~2 s sooner.
            RABBITMQ_CONFIG_FILE=str(d / "rabbitmq.config"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(d / "advanced.config"),  # absent on purpose
            RABBITMQ_CONF_ENV_FILE=str(d / "rabbitmq-env.conf"),  # empty: the machine's file must not apply
        )
        return env

    def _write_files(self) -> None:
        for folder in ("home", "mnesia", "log"):
            (self.dir / folder).mkdir(parents=True, exist_ok=True)
        (self.dir / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (self.dir / "rabbitmq-env.conf").write_text("")
        config = (
            f'[{{rabbit, [{{tcp_listeners, [{{"127.0.0.1", {self.amqp_port}}}]}},\n'
            f"            {{default_user, {_erlang_binary(self.user)}}},\n"
            f"            {{default_pass, {_erlang_binary(self.password)}}},\n"
            "            {loopback_users, []},\n"
            "            {collect_statistics_interval, 1000}]},\n"
            f' {{rabbitmq_management, [{{tcp_config, [{{port, {self.api_port}}}, {{ip, "127.0.0.1"}}]}}]}},\n'
            # Samples every second: the management API then shows a new connection within ~1 s instead of ~5 s.
            " {rabbitmq_management_agent, [{sample_retention_policies,\n"
            "     [{global, [{605, 1}]}, {basic, [{605, 1}]}, {detailed, [{605, 1}]}]}]}].\n"
        )
        config_file = self.dir / "rabbitmq.config"
        config_file.write_text(config)
        config_file.chmod(0o600)  # it holds the password

    # -- life cycle ----------------------------------------------------------------------------------------------

    def endpoints(self, vhost: str = "/") -> BrokerEndpoints:
        return BrokerEndpoints(
            amqp_url=f"amqp://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@127.0.0.1:{self.amqp_port}/{quote(vhost, safe='')}",
            api_url=f"http://127.0.0.1:{self.api_port}",
            api_user=self.user,
            api_password=self.password,
        )

    def start(self) -> BrokerEndpoints:
        """Start the node; a port taken in the meantime by someone else gets one more try with new ports."""
        for attempt in (1, 2):
            try:
                return self._start_once()
            except BrokerDied:
                self._kill()
                if attempt == 2:
                    raise
                log.warning("broker died while starting (a port race?); trying again with new ports")
        raise AssertionError("unreachable")

    def _start_once(self) -> BrokerEndpoints:
        self.amqp_port, self.api_port, self.dist_port, self.epmd_port = free_ports(4)
        self._write_files()
        env = self.env()
        started = time.monotonic()
        # Our own epmd in the foreground, so that we hold its pid and end it ourselves.
        self.epmd = subprocess.Popen(
            [EPMD, "-port", str(self.epmd_port), "-address", "127.0.0.1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        with open(self.dir / "server.out", "ab") as out:
            self.server = subprocess.Popen(
                [str(RABBITMQ_BIN / "rabbitmq-server")],
                env=env,
                cwd=self.dir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as a whole as a last resort
            )
        self._save_pids()
        log.info("broker node %s starting (amqp %d, management %d)", self.node, self.amqp_port, self.api_port)
        endpoints = self.endpoints()
        wait_until_answering(endpoints, alive=lambda: self.server.poll() is None)
        log.info("broker ready in %.1f s", time.monotonic() - started)
        return endpoints

    def _save_pids(self) -> None:
        """What `attach` and `kill_leftovers` read: the node, its ports and its processes."""
        pids = {"server": self.server.pid if self.server else None, "epmd": self.epmd.pid if self.epmd else None}
        ports = [self.amqp_port, self.api_port, self.dist_port, self.epmd_port]
        (self.dir / "node.json").write_text(json.dumps({"node": self.node, "ports": ports, "pids": pids}))

    @classmethod
    def attach(cls, base_dir: Path, user: str, password: str) -> PrivateBroker:
        """The node another process started in `base_dir` (for `restart-broker`); never stopped from here."""
        broker = cls(base_dir, user, password)
        node = json.loads((base_dir / "node.json").read_text())
        broker.node = node["node"]
        broker.amqp_port, broker.api_port, broker.dist_port, broker.epmd_port = node["ports"]
        return broker

    def restart(self) -> None:
        """Stop and start the RabbitMQ application inside the node: every client is disconnected."""
        for command in ("stop_app", "start_app"):
            ctl = [str(RABBITMQ_BIN / "rabbitmqctl"), command]
            subprocess.run(ctl, env=self.env(), capture_output=True, timeout=StandTiming.broker_ctl_s, check=False)
        wait_until_answering(self.endpoints())

    def stop(self) -> None:
        """SIGTERM, a short grace, then the process group; then our epmd. (RabbitMQ closes its listeners and stores
        within milliseconds of SIGTERM, then waits a fixed 5 s that buys nothing: its data is deleted right after.)"""
        started = time.monotonic()
        if self.server and self.server.poll() is None:
            self.server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.server.wait(timeout=StandTiming.broker_stop_grace_s)
        self._kill()
        log.info("broker node %s stopped in %.1f s", self.node, time.monotonic() - started)

    def _kill(self) -> None:
        for proc in (self.server, self.epmd):
            if proc is None or proc.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=StandTiming.join_s)


def kill_leftovers(broker_dir: Path) -> None:
    """Last resort for `down` when the stand process is gone: end the node and epmd recorded in `node.json`."""
    node_file = broker_dir / "node.json"
    if not node_file.exists():
        return
    for pid in json.loads(node_file.read_text())["pids"].values():
        if not pid:
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # each was started as the leader of its own session


def external_endpoints(settings: StandSettings) -> BrokerEndpoints:
    """An existing broker; management credentials default to the AMQP URL's."""
    amqp_url, password = settings.amqp_url.get_secret_value(), settings.rabbitmq_api_password
    parts = urlsplit(amqp_url)
    return BrokerEndpoints(
        amqp_url=amqp_url,
        api_url=(settings.rabbitmq_api_url or "").rstrip("/").removesuffix("/api"),
        api_user=settings.rabbitmq_api_user or unquote(parts.username or "guest"),
        api_password=password.get_secret_value() if password else unquote(parts.password or "guest"),
    )


class BrokerStart:
    """The broker, starting on a thread of its own so that the rest of the stand can start meanwhile."""

    def __init__(self, settings: StandSettings, broker_dir: Path) -> None:
        self.private: PrivateBroker | None = None
        if settings.amqp_url is not None:
            endpoints = external_endpoints(settings)
            start = lambda: wait_until_answering(endpoints) or endpoints  # noqa: E731
        else:
            password = settings.broker_password.get_secret_value() if settings.broker_password else None
            self.private = PrivateBroker(broker_dir, settings.broker_user, password)
            start = self.private.start
        self.future = ThreadPoolExecutor(max_workers=1, thread_name_prefix="broker-start").submit(start)

    def result(self) -> BrokerEndpoints:
        return self.future.result()


# -- one node, many stands: a virtual host per stand ---------------------------------------------------------------


def add_vhost(root: BrokerEndpoints, name: str) -> BrokerEndpoints:
    """A fresh virtual host `name` on the node of `root`, its user allowed everything there: the endpoints of a stand
    that lives in it. Nothing of one vhost (exchanges, queues, connections) is seen from another."""
    api, auth = f"{root.api_url}/api", (root.api_user, root.api_password)
    vhost = quote(name, safe="")
    requests.put(f"{api}/vhosts/{vhost}", auth=auth, timeout=StandTiming.http_probe_s).raise_for_status()
    requests.put(
        f"{api}/permissions/{vhost}/{quote(root.api_user, safe='')}",
        json={"configure": ".*", "write": ".*", "read": ".*"},
        auth=auth,
        timeout=StandTiming.http_probe_s,
    ).raise_for_status()
    base = root.amqp_url.rsplit("/", 1)[0]
    return BrokerEndpoints(f"{base}/{vhost}", root.api_url, root.api_user, root.api_password)


def delete_vhost(api_url: str, user: str, password: str, name: str) -> None:
    """Remove a stand's vhost and everything in it (its connections are closed by the broker)."""
    requests.delete(
        f"{api_url.rstrip('/')}/api/vhosts/{quote(name, safe='')}",
        auth=(user, password),
        timeout=StandTiming.broker_ctl_s,
    )
