"""AMQP probe: hear what is published on the broker, changing nothing a target owns. It declares only server-named,
exclusive, auto-delete queues of its own bound to existing exchanges (never an exchange or a named queue, never a
purge), checks existence by passive declares on a throwaway channel, and deletes its queues when closed. Arrival
times are taken when a delivery is read off the socket, so `collect_for` and `collect` read for the whole window."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from support.errors import PreconditionNotMet, TargetUnreachable
from support.evidence import Shown
from support.rabbit_admin import RabbitAdmin
from support.settings import Settings, mask_url
from support.times import READ_SLICE_S
from support.waiting import monotonic, wait_for

PROBE_CONNECTION_NAME = "focus-acceptance-probe"
PROBE_QUEUE_MAX_LENGTH = 10_000  # deliveries a probe queue holds (oldest dropped): a busy exchange costs little
_NOT_FOUND = 404
_RESOURCE_LOCKED = 405


class BrokerUnreachable(TargetUnreachable):
    """The broker does not answer over AMQP, or refuses us (`reason`: the short why)."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"RabbitMQ AMQP at {address} ({reason})")
        self.address = address
        self.reason = reason


class NoSuchExchange(AssertionError):
    """A probe was asked to listen to an exchange the broker does not have (a topology defect)."""


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` zero or more words."""

    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and (p[0] == "*" or p[0] == k[0]) and match(p[1:], k[1:])

    return match(pattern.split("."), routing_key.split("."))


@dataclass(frozen=True)
class Delivery:
    """One message as the probe received it."""

    exchange: str
    routing_key: str
    body: Any  # the JSON body parsed, or None when the body is not JSON
    raw: bytes = field(repr=False)
    properties: dict[str, Any]
    arrived_at: float  # support.waiting.monotonic() at arrival
    arrived_utc: datetime
    probe_queue: str
    binding: str  # "<exchange> <pattern>" of the probe queue that received it

    @property
    def body_type(self) -> str | None:
        """The `type` field of a JSON object body (e.g. "KeepaliveCommand")."""
        return self.body.get("type") if isinstance(self.body, dict) else None

    def as_evidence(self) -> dict[str, Any]:
        body: Any = self.body if self.body is not None else self.raw[:200].decode("utf-8", "replace")
        return {
            "arrived_utc": self.arrived_utc.isoformat(timespec="milliseconds"),
            "exchange": self.exchange,
            "routing_key": self.routing_key,
            "binding": self.binding,
            "properties": self.properties,
            "body": body,
        }


@dataclass
class ProbeQueue:
    """A server-named queue of the probe, bound to one exchange with one pattern (or header arguments)."""

    name: str
    exchange: str
    pattern: str
    channel: BlockingChannel = field(repr=False)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def binding(self) -> str:
        return f"{self.exchange or '(default)'} {self.pattern}"


class AmqpProbe:
    """One AMQP connection, probe queues on demand, collection with a deadline."""

    def __init__(self, settings: Settings, *, connection_name: str = PROBE_CONNECTION_NAME) -> None:
        self._settings = settings
        self._connection_name = connection_name
        self._connection: pika.BlockingConnection | None = None
        self.queues: list[ProbeQueue] = []

    def __enter__(self) -> AmqpProbe:
        self.open()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def open(self) -> None:
        if self._connection is None:
            self._connection = connect(self._settings, connection_name=self._connection_name)

    def close(self) -> None:
        """Delete the probe's own queues and close the connection; safe twice."""
        connection, self._connection = self._connection, None
        if connection is None or not connection.is_open:
            return
        try:
            for queue in self.queues:
                if queue.channel.is_open:
                    # Our own server-named queue: deleting it is removing what we created.
                    queue.channel.queue_delete(queue.name)
                    queue.channel.close()
        except pika.exceptions.AMQPError:
            pass  # the broker drops exclusive queues with the connection anyway
        finally:
            with contextlib.suppress(pika.exceptions.AMQPError):
                connection.close()

    @property
    def connection(self) -> pika.BlockingConnection:
        if self._connection is None:
            self.open()
        assert self._connection is not None
        return self._connection

    def listen(self, exchange: str, pattern: str = "#", *, arguments: dict[str, Any] | None = None) -> ProbeQueue:
        """A server-named exclusive auto-delete queue bound to `exchange` by `pattern` (or `arguments`), consumed."""
        channel = self.connection.channel()
        declared = channel.queue_declare(
            queue="",  # server-named: never a named queue
            exclusive=True,
            auto_delete=True,
            arguments={"x-max-length": PROBE_QUEUE_MAX_LENGTH},
        )
        name = declared.method.queue
        probe_queue = ProbeQueue(name=name, exchange=exchange, pattern=pattern, channel=channel)
        self.queues.append(probe_queue)
        try:
            channel.queue_bind(queue=name, exchange=exchange, routing_key=pattern, arguments=arguments)
        except pika.exceptions.ChannelClosedByBroker as error:
            self.queues.remove(probe_queue)  # the broker deletes it with the channel's exclusive owner anyway
            if error.reply_code == _NOT_FOUND:
                raise NoSuchExchange(f"the broker has no exchange {exchange!r} to listen to") from None
            raise PreconditionNotMet(f"cannot bind a probe queue to {exchange!r}: {error.reply_text}") from None
        channel.basic_consume(queue=name, on_message_callback=self._receiver(probe_queue), auto_ack=True)
        return probe_queue

    def _receiver(self, probe_queue: ProbeQueue) -> Callable[..., None]:
        def receive(channel: BlockingChannel, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
            probe_queue.deliveries.append(
                Delivery(
                    *(method.exchange, method.routing_key, _json_or_none(body), body, _properties(properties)),
                    *(monotonic(), datetime.now(UTC), probe_queue.name, probe_queue.binding),
                )
            )

        return receive

    @property
    def deliveries(self) -> list[Delivery]:
        """Everything every probe queue received so far, in arrival order."""
        return sorted((d for q in self.queues for d in q.deliveries), key=lambda d: d.arrived_at)

    def read(self, seconds: float = READ_SLICE_S) -> None:
        """Read the socket for up to `seconds` (less once something came) and dispatch deliveries."""
        try:
            self.connection.process_data_events(time_limit=seconds)
        except pika.exceptions.AMQPConnectionError as error:
            raise BrokerUnreachable(self.address, f"connection lost: {_reason(error)}") from None

    def collect(self, until: Callable[[list[Delivery]], Any], *, reason: str, timeout_s: float) -> Any:
        """Read until `until(deliveries)` is truthy (returned), or raise WaitTimeout."""

        def attempt() -> Any:
            self.read()
            return until(self.deliveries) or None

        return wait_for(attempt, reason=reason, timeout_s=timeout_s, interval_s=0)

    def collect_for(self, seconds: float) -> list[Delivery]:
        """Read for a whole window of `seconds`; everything received so far."""
        end = monotonic() + seconds
        while (remaining := end - monotonic()) > 0:
            self.read(min(remaining, READ_SLICE_S))
        return self.deliveries

    def exchange_exists(self, name: str) -> bool:
        """A passive declare: nothing is created."""
        return self._passive(lambda channel: channel.exchange_declare(exchange=name, passive=True)) is not None

    def queue_exists(self, name: str) -> bool:
        """A passive declare; a queue exclusive to another connection answers RESOURCE_LOCKED: it exists."""
        return self._passive(lambda channel: channel.queue_declare(queue=name, passive=True)) is not None

    def _passive(self, declare: Callable[[BlockingChannel], Any]) -> Any:
        channel = self.connection.channel()
        try:
            answer = declare(channel)
        except pika.exceptions.ChannelClosedByBroker as error:
            if error.reply_code == _NOT_FOUND:
                return None
            if error.reply_code == _RESOURCE_LOCKED:
                return error
            raise
        channel.close()
        return answer

    @property
    def address(self) -> str:
        return mask_url(self._settings.amqp_url.get_secret_value())


@dataclass
class Watch:
    """Probe queues on one or several exchanges, and what they received (what §1 and §3 watch)."""

    probe: AmqpProbe
    queues: list[ProbeQueue] = field(default_factory=list)
    unheard: dict[str, str] = field(default_factory=dict)  # exchange -> why no probe listens to it
    started_at: float = field(default_factory=monotonic)

    @classmethod
    def on(cls, probe: AmqpProbe, exchange: str, pattern: str) -> Watch:
        return cls(probe, [probe.listen(exchange, pattern)])

    @classmethod
    def everywhere(
        cls, probe: AmqpProbe, admin: RabbitAdmin, pattern: str = "#", direct_keys: Iterable[str] = ()
    ) -> Watch:
        """A probe queue on every exchange a probe can hear (not the default one, internal ones or the broker's own)."""
        watch = cls(probe)
        for exchange in admin.exchanges():
            name, kind = exchange.name, exchange.type
            if name == "":
                watch.unheard["(default)"] = "routes straight to named queues, which the suite never consumes"
            elif exchange.internal or name.startswith("amq.rabbitmq."):
                watch.unheard[name] = "internal to the broker"
            elif kind in ("topic", "fanout", "headers"):
                key = pattern if kind == "topic" else ""
                watch.queues.append(probe.listen(name, key, arguments={} if kind == "headers" else None))
            elif kind == "direct" and direct_keys:
                watch.queues.extend(probe.listen(name, key) for key in direct_keys)
            else:
                watch.unheard[name] = f"a {kind} exchange cannot be bound with a wildcard"
        watch.started_at = monotonic()
        return watch

    @property
    def deliveries(self) -> list[Delivery]:
        mine = {q.name for q in self.queues}
        return [d for d in self.probe.deliveries if d.probe_queue in mine]

    def observe(self, seconds: float) -> list[Delivery]:
        """Read for a whole window of `seconds`; what arrived since the watch began."""
        self.probe.collect_for(seconds)
        return self.deliveries

    def wait(self, found: Callable[[list[Delivery]], Delivery | None], *, reason: str, timeout_s: float) -> Delivery:
        return self.probe.collect(lambda _: found(self.deliveries), reason=reason, timeout_s=timeout_s)

    def shown(self) -> list[Shown]:
        heard = {"heard": [q.binding for q in self.queues], "not heard (and why)": self.unheard}
        return [Shown("exchanges watched", "json", heard)]


def connect(
    settings: Settings, *, connection_name: str = PROBE_CONNECTION_NAME, timeout_s: float | None = None
) -> pika.BlockingConnection:
    """An AMQP connection to the broker, named for the management API; `BrokerUnreachable` (URL masked) if refused."""
    timeout_s = timeout_s or settings.timeouts.probe_connect_s
    url = settings.amqp_url.get_secret_value()
    address = mask_url(url)
    if not url:
        raise BrokerUnreachable("<unset: FOCUS_AMQP_URL>", "not configured")
    try:
        parameters = pika.URLParameters(url)
    except Exception as error:  # pika raises several types on a bad URL
        raise BrokerUnreachable(address, f"bad URL: {type(error).__name__}") from None
    parameters.client_properties = {"connection_name": connection_name}
    parameters.connection_attempts = 1
    parameters.retry_delay = 0
    parameters.socket_timeout = timeout_s
    parameters.stack_timeout = timeout_s
    parameters.blocked_connection_timeout = timeout_s
    if parameters.ssl_options is not None:
        parameters.ssl_options = pika.SSLOptions(_ssl_context(settings), parameters.host)
    try:
        return pika.BlockingConnection(parameters)
    except pika.exceptions.ProbableAuthenticationError:
        raise BrokerUnreachable(address, "authentication refused") from None
    except pika.exceptions.ProbableAccessDeniedError:
        raise BrokerUnreachable(address, "access to the vhost refused") from None
    except (pika.exceptions.AMQPError, OSError) as error:
        raise BrokerUnreachable(address, _reason(error)) from None


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(settings.ca_bundle) if settings.ca_bundle else None)
    if not settings.verify_tls and not settings.ca_bundle:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _causes(error: BaseException) -> Iterator[BaseException]:
    """`error` and everything nested in it (pika wraps the socket's error in a layer or two)."""
    yield error
    nested: list[Any] = [*getattr(error, "args", ()), *(getattr(error, "exceptions", None) or ())]
    nested += [getattr(error, "exception", None), error.__cause__, error.__context__]
    for item in nested:
        items = item if isinstance(item, list | tuple) else [item]
        for inner in items:
            if isinstance(inner, BaseException) and inner is not error:
                yield from _causes(inner)


def _reason(error: BaseException) -> str:
    """A short human reason for a failed connection, from pika's nested errors."""
    causes = list(_causes(error))
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {cause.verify_message}"
    for cause in causes:
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {cause.reason or type(cause).__name__}"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host name not found"
        if isinstance(cause, TimeoutError | socket.timeout):
            return "no answer: timed out"
    for cause in causes:
        for item in getattr(cause, "args", ()):
            if isinstance(item, str) and item:
                return item
    text = str(error) or type(error).__name__
    return "connection refused" if "refused" in text.lower() else text


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


_PROPERTIES = ("content_type", "content_encoding", "delivery_mode", "priority", "correlation_id", "reply_to")
_PROPERTIES += ("expiration", "message_id", "timestamp", "type", "user_id", "app_id", "headers")


def _properties(properties: pika.BasicProperties) -> dict[str, Any]:
    """The properties a message carried (only those set), JSON-friendly."""
    found = {name: getattr(properties, name, None) for name in _PROPERTIES}
    return {k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v for k, v in found.items() if v is not None}
