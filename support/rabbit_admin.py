"""RabbitMQ management HTTP API client: read-only listings of the broker as typed models, one method per route; the
vhost from the AMQP URL; every call kept (`calls`) as evidence. Its connection, channel and consumer listings lag a
few seconds behind the broker (its statistics): callers poll."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

import requests
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from support.errors import BrokenEnvironment, MalformedAnswer, TargetUnreachable, http_reason
from support.evidence import body_evidence
from support.settings import Settings, mask_url
from support.times import TRANSIENT_TRIES
from support.waiting import monotonic, retried

M = TypeVar("M")
_BODY_LIMIT = 20_000  # characters of a listing kept as evidence (long lists cut, with a marker)


class ManagementApiFailed(BrokenEnvironment):
    """The management API answered an error status: RabbitMQ's, not the product's, so the clause could not be judged."""


class _Listed(BaseModel):
    # The management API carries dozens of statistics fields; we type what we read and keep the rest.
    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _details_of_what_is_closing(cls, value: object) -> object:
        # RabbitMQ lists a channel or consumer whose connection is closing with `"..._details": []`: nothing to name
        # (seen on a broker where stands come and go), not a malformed answer.
        if isinstance(value, dict):
            return {k: None if k.endswith("_details") and v == [] else v for k, v in value.items()}
        return value


class Overview(_Listed):
    rabbitmq_version: str | None = None
    erlang_version: str | None = None


class Exchange(_Listed):
    name: str
    vhost: str
    type: str
    durable: bool
    internal: bool = False

    @property
    def is_the_brokers_own(self) -> bool:
        """The default exchange "" and the predeclared `amq.*` ones belong to the broker, not to the product."""
        return self.name == "" or self.name.startswith("amq.")


class Queue(_Listed):
    name: str
    vhost: str
    durable: bool = False
    exclusive: bool = False
    consumers: int | None = None
    # For an exclusive queue, its owning connection; the broker sends `[]` while it does not know it yet.
    owner_pid_details: dict[str, Any] | list[Any] | None = None

    @property
    def owner_connection(self) -> str | None:
        """The name ("peer -> broker") of the connection an exclusive queue belongs to, when listed."""
        details = self.owner_pid_details
        return details.get("name") if isinstance(details, dict) else None


class Binding(_Listed):
    source: str
    vhost: str
    destination: str
    destination_type: str
    routing_key: str


class ChannelDetails(_Listed):
    name: str
    connection_name: str


class QueueRef(_Listed):
    name: str
    vhost: str


class Consumer(_Listed):
    consumer_tag: str
    queue: QueueRef
    channel_details: ChannelDetails | None
    exclusive: bool = False
    ack_required: bool | None = None


class Connection(_Listed):
    name: str  # the broker's name for it: "peer_host:peer_port -> host:port"
    client_properties: dict[str, Any] = Field(default_factory=dict)
    user_provided_name: str | None = None

    @property
    def client_name(self) -> str | None:
        """The client-provided name (`client_properties.connection_name`), e.g. "focus-server"."""
        return self.client_properties.get("connection_name") or self.user_provided_name


@dataclass
class Call:
    """One management API call, kept as evidence."""

    request: str
    status: int
    elapsed_ms: float
    body: str

    def as_dict(self) -> dict[str, Any]:
        body = body_evidence(self.body, _BODY_LIMIT)
        return {"request": self.request, "status": self.status, "elapsed_ms": round(self.elapsed_ms, 1), "body": body}


@dataclass
class RabbitAdmin:
    """The management API of the target's broker (`FOCUS_RABBITMQ_API_URL` + `/api`), read-only."""

    settings: Settings
    timeout_s: float | None = None
    session: requests.Session = field(default_factory=requests.Session)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.timeout_s = self.timeout_s or self.settings.timeouts.probe_connect_s
        password = self.settings.rabbitmq_api_password
        self.session.auth = (self.settings.rabbitmq_api_user or "", password.get_secret_value() if password else "")
        self.session.verify = self.settings.tls_verify  # and per request: see Settings.tls_verify
        self.session.headers.update({"Accept": "application/json"})

    @property
    def root(self) -> str:
        """The API root: the configured URL with `/api` appended (unless it already ends with it)."""
        base = self.settings.rabbitmq_api_url.rstrip("/")
        return base if base.endswith("/api") else base + "/api"

    @property
    def vhost(self) -> str:
        return vhost_of(self.settings.amqp_url.get_secret_value())

    @property
    def _v(self) -> str:
        return quote(self.vhost, safe="")

    def overview(self) -> Overview:
        """`GET /api/overview`: the broker's identity; the health check of the management API."""
        return self._get("/overview", Overview)

    def exchanges(self) -> list[Exchange]:
        """`GET /api/exchanges/{vhost}`."""
        return self._get(f"/exchanges/{self._v}", list[Exchange])

    def exchange(self, name: str) -> Exchange | None:
        """`GET /api/exchanges/{vhost}/{name}`; None when the broker has no such exchange."""
        return self._get(f"/exchanges/{self._v}/{quote(name, safe='')}", Exchange, missing_ok=True)

    def queues(self) -> list[Queue]:
        """`GET /api/queues/{vhost}`."""
        return self._get(f"/queues/{self._v}", list[Queue])

    def queue(self, name: str) -> Queue | None:
        """`GET /api/queues/{vhost}/{name}`; None when the broker has no such queue."""
        return self._get(f"/queues/{self._v}/{quote(name, safe='')}", Queue, missing_ok=True)

    def bindings_from(self, exchange: str) -> list[Binding]:
        """`GET /api/exchanges/{vhost}/{name}/bindings/source`: what the exchange routes to."""
        return self._get(f"/exchanges/{self._v}/{quote(exchange, safe='')}/bindings/source", list[Binding])

    def consumers(self) -> list[Consumer]:
        """`GET /api/consumers/{vhost}` (statistics: lags behind the broker)."""
        return self._get(f"/consumers/{self._v}", list[Consumer])

    def connections(self) -> list[Connection]:
        """`GET /api/vhosts/{vhost}/connections` (statistics: lags behind the broker)."""
        return self._get(f"/vhosts/{self._v}/connections", list[Connection])

    def drain_calls(self) -> list[dict[str, Any]]:
        drained, self.calls = self.calls, []
        return [call.as_dict() for call in drained]

    def _send(self, path: str) -> requests.Response:
        started = monotonic()
        try:
            response = self.session.get(self.root + path, timeout=self.timeout_s, verify=self.settings.tls_verify)
        except requests.RequestException as error:
            raise TargetUnreachable(
                f"RabbitMQ management API at {mask_url(self.settings.rabbitmq_api_url)} ({http_reason(error)})"
            ) from None
        self.calls.append(Call(f"GET {path}", response.status_code, (monotonic() - started) * 1000, response.text))
        return response

    def _get(self, path: str, model: Any, *, missing_ok: bool = False) -> Any:
        # A busy broker's management API may answer 500 for a moment (its statistics timed out): every such answer
        # is kept as evidence, and asked again; only a lasting one fails the scenario.
        response = retried(
            lambda: self._send(path),
            transient=lambda answer: answer.status_code >= 500,
            tries=TRANSIENT_TRIES,
            interval_s=self.settings.timeouts.transient_retry_s,
        )
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code in (401, 403):
            raise TargetUnreachable(
                f"RabbitMQ management API at {mask_url(self.settings.rabbitmq_api_url)} "
                f"({response.status_code} {response.reason})"
            )
        if response.status_code != 200:
            raise ManagementApiFailed(f"management API GET {path} answered {response.status_code} {response.reason}")
        try:
            return TypeAdapter(model).validate_json(response.text)
        except ValidationError as error:
            fields = "; ".join(
                f"{'.'.join(str(part) for part in item['loc']) or '(body)'}: {item['msg']}" for item in error.errors()
            )
            raise MalformedAnswer(f"management API GET {path} answered a malformed body: {fields}") from None


def vhost_of(amqp_url: str) -> str:
    """The vhost an AMQP URL names: its path without the leading slash, decoded; `/` when it names none."""
    path = urlsplit(amqp_url).path
    if path in ("", "/"):
        return "/"
    return unquote(path[1:])
