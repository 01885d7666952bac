"""Clauses 1.1 and 1.2, the RabbitMQ topology: the broker's exchanges and queues, and Focus Server's traffic on
them (its commands, its connections), as checks.

Each check either returns what it saw or raises an AssertionError that says what the broker showed instead.
A missing precondition (e.g. a target that leaves its connections unnamed) raises PreconditionNotMet. What §3 does
on the broker too (watching exchanges, looking a queue up) is the broker client's, `support.rabbitmq`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from support import waiters
from support.amqp_probe import Delivery
from support.errors import PreconditionNotMet
from support.live import LiveSubject
from support.rabbit_admin import Channel, Connection, Consumer, Exchange, Queue, RabbitAdmin
from support.rabbitmq import Broker, Watch, queue_names
from support.settings import get_settings
from support.waiting import WaitTimeout, monotonic

FOCUS_SERVER_CONNECTION_NAME = "focus-server"
COMMAND_PREFIX = "baby_analyzer.commands."
# The commands of the contract, by the `type` their JSON body carries.
COMMAND_TYPES = {"RegionOfInterestCommand": "roi", "KeepaliveCommand": "keepalive"}
# Routing keys a probe binds on a direct exchange, which cannot be bound with a wildcard.
_COMMAND_KEYS = tuple(COMMAND_PREFIX + name for name in COMMAND_TYPES.values()) + tuple(COMMAND_TYPES.values())

# What a real deployment paces by itself is a setting (support/settings.py): the keepalive period (FOCUS_KEEPALIVE_S),
# the management API's statistics lag (FOCUS_MANAGEMENT_LAG_S), how long a job's queue may linger after the job
# ended (FOCUS_QUEUE_GONE_S).


# -- exchanges ---------------------------------------------------------------------------------------------------
def assert_only_custom_exchange(exchanges: list[Exchange], name: str) -> None:
    """The vhost's exchanges, besides the broker's own ("" and `amq.*`), are exactly [name]."""
    custom = sorted(e.name for e in exchanges if not e.is_the_brokers_own)
    assert custom == [name], f"the broker's exchanges besides its own are {custom}; only {name!r} is allowed"


def existing_exchange(broker: Broker, name: str) -> Exchange:
    """The exchange `name`: it must answer a passive declare, and the management API must describe it."""
    assert broker.probe.exchange_exists(name), f"the broker has no exchange {name!r} (passive declare: NOT_FOUND)"
    exchange = broker.admin.exchange(name)
    assert exchange is not None, f"the management API does not list the exchange {name!r}"
    return exchange


def assert_exchange_type(exchange: Exchange, kind: str) -> None:
    assert exchange.type == kind, f"the exchange {exchange.name!r} is a {exchange.type} exchange, not {kind}"


def assert_exchange_durable(exchange: Exchange) -> None:
    assert exchange.durable, f"the exchange {exchange.name!r} is not durable (it would not survive a broker restart)"


# -- queues ------------------------------------------------------------------------------------------------------
def assert_queue_absent(broker: Broker, name: str) -> None:
    """Neither a passive declare nor the management API finds a queue `name`."""
    described = broker.admin.queue(name)
    found = broker.probe.queue_exists(name)
    assert not found and described is None, (
        f"the broker has a queue {name!r} (passive declare found it: {found}; management API: "
        f"{described.model_dump(include={'durable', 'exclusive', 'consumers'}) if described else None})"
    )


def expect_subject_queue(admin: RabbitAdmin, subject: LiveSubject, exchange: str) -> str:
    """While the task/job runs, a queue named `{id}_{suffix}` is bound to `exchange`; returns its name."""
    try:
        return waiters.queue_bound(admin, exchange, re.compile(rf"^{re.escape(subject.id)}_.+$"))
    except WaitTimeout:
        named = queue_names(admin, containing=subject.id)
        destinations = sorted({b.destination for b in admin.bindings_from(exchange) if subject.id in b.destination})
        raise AssertionError(
            f"no queue named {subject.id}_<suffix> is bound to {exchange!r} while {subject.kind} {subject.id} runs; "
            f"queues naming it: {named}; of them bound to {exchange!r}: {destinations}"
        ) from None


def expect_queue_gone(broker: Broker, name: str) -> None:
    """The queue disappears (passive declare and management API agree) within the setting `queue_gone_s`."""
    try:
        waiters.queue_gone(broker, name)
    except WaitTimeout:
        raise AssertionError(
            f"the queue {name!r} is still there {get_settings().timeouts.queue_gone_s:g} s after its job ended"
        ) from None


def watch_commands_everywhere(broker: Broker) -> Watch:
    return Watch.everywhere(broker.probe, broker.admin, "#", direct_keys=_COMMAND_KEYS)


# -- Focus Server's commands -------------------------------------------------------------------------------------
def command_name(delivery: Delivery) -> str | None:
    """Which of Focus Server's commands a delivery is (by its body, else by its routing key), or None."""
    if delivery.body_type in COMMAND_TYPES:
        return COMMAND_TYPES[delivery.body_type]
    if delivery.routing_key.startswith(COMMAND_PREFIX):
        return delivery.routing_key[len(COMMAND_PREFIX) :]
    return None


def _commands_seen(deliveries: list[Delivery]) -> str:
    seen = Counter(
        f"{command_name(d)} via {d.exchange or '(default)'} key {d.routing_key!r}"
        for d in deliveries
        if command_name(d)
    )
    return ", ".join(f"{what} ×{count}" for what, count in seen.items()) or "none"


def _is_roi_for(subject: LiveSubject) -> Callable[[Delivery], bool]:
    def test(delivery: Delivery) -> bool:
        body = delivery.body if isinstance(delivery.body, dict) else {}
        return command_name(delivery) == "roi" and body.get("value") == subject.region

    return test


def _is_keepalive(delivery: Delivery) -> bool:
    return command_name(delivery) == "keepalive"


def _await(
    watch: Watch, test: Callable[[Delivery], bool], what: str, exchange: str | None, timeout_s: float
) -> Delivery:
    """The first delivery passing `test` (through `exchange`, when given); fails listing the commands seen instead.

    When the awaited command already came through another exchange and nothing came through `exchange` for
    elsewhere_grace_s since, the wait ends early: the answer is in.
    """
    went_elsewhere: list[Delivery] = []

    def found(deliveries: list[Delivery]) -> Delivery | None:
        hits = [d for d in deliveries if test(d)]
        through = next((d for d in hits if exchange is None or d.exchange == exchange), None)
        if through is not None:
            return through
        stale = [d for d in hits if monotonic() - d.arrived_at > get_settings().timeouts.elsewhere_grace_s]
        if stale:
            went_elsewhere.extend(stale)
            return stale[0]
        return None

    where = f" through {exchange!r}" if exchange is not None else ""
    try:
        delivery = watch.wait(found, reason=f"{what}{where}", timeout_s=timeout_s)
    except WaitTimeout:
        delivery = None
    if delivery is None or went_elsewhere:
        waited = f"within {timeout_s:g} s" if delivery is None else "(it went elsewhere)"
        raise AssertionError(
            f"no {what} arrived{where} {waited}; Focus Server commands seen on the probes: "
            f"{_commands_seen(watch.deliveries)}"
        )
    return delivery


def expect_roi(watch: Watch, subject: LiveSubject, exchange: str | None = None) -> Delivery:
    """Focus Server's roi command for the subject's region (`{"start": first, "end": last}`)."""
    what = f"roi command for {subject.kind} {subject.id} (region {subject.region})"
    return _await(watch, _is_roi_for(subject), what, exchange, get_settings().timeouts.roi_arrives_s)


def expect_keepalive(watch: Watch, exchange: str | None = None) -> Delivery:
    return _await(watch, _is_keepalive, "keepalive command", exchange, get_settings().timeouts.keepalive_s)


def assert_no_command_elsewhere(watch: Watch, exchange: str) -> None:
    """No command of Focus Server's arrived through an exchange other than `exchange` (after a short grace)."""
    # After the awaited commands arrived, the probe keeps reading a while before concluding nothing went elsewhere.
    watch.observe(get_settings().timeouts.elsewhere_grace_s)
    elsewhere = [d for d in watch.deliveries if command_name(d) and d.exchange != exchange]
    assert not elsewhere, (
        f"Focus Server commands arrived through exchanges other than {exchange!r}: {_commands_seen(elsewhere)}"
    )


def assert_routing_key(deliveries: list[Delivery], command: str, expected: str) -> None:
    wrong = sorted({d.routing_key for d in deliveries if command_name(d) == command and d.routing_key != expected})
    assert not wrong, f"Focus Server's {command} commands came with routing keys {wrong}, not {expected!r}"


# -- Focus Server's footprint on the broker ----------------------------------------------------------------------
@dataclass
class Footprint:
    """Focus Server's connections (by client-provided name) and what hangs off them."""

    connections: list[Connection]
    channels: list[Channel]
    consumers: list[Consumer]
    owned_queues: list[Queue]

    def consumed_queues(self) -> list[str]:
        return sorted({c.queue.name for c in self.consumers})


def focus_server_footprint(admin: RabbitAdmin, name: str = FOCUS_SERVER_CONNECTION_NAME) -> Footprint:
    """Wait for the management API to list Focus Server's connections, then collect what they own.

    A target whose connections carry no such name cannot show "publisher only": PreconditionNotMet.
    """
    try:
        connections = waiters.connections_named(admin, name)
    except WaitTimeout:
        listed = admin.connections()
        names = sorted({c.client_name or "(unnamed)" for c in listed})
        raise PreconditionNotMet(
            f"no broker connection carries the client-provided name {name!r} (connections listed: {len(listed)}, "
            f"names: {names}); 'publisher only' cannot be observed on this target"
        ) from None
    names = {c.name for c in connections}
    channels = [ch for ch in admin.channels() if ch.connection_details and ch.connection_details.name in names]
    consumers = [c for c in _consumers_named(admin) if c.channel_details.connection_name in names]
    owned = [q for q in admin.queues() if _owner(admin, q) in names]
    return Footprint(connections, channels, consumers, owned)


def _consumers_named(admin: RabbitAdmin) -> list[Consumer]:
    """The consumers whose channel the management API names. A consumer listed without its channel (`[]` while the
    broker's statistics catch up, or while its connection closes) is asked for again until named, so that none is
    left out unseen; one still unnamed after the management API's lag is gone or going, and counts for no one."""
    try:
        return waiters.consumers_with_channels(admin)
    except WaitTimeout:
        return [c for c in admin.consumers() if c.channel_details]


def _owner(admin: RabbitAdmin, queue: Queue) -> str | None:
    """The connection an exclusive queue belongs to. RabbitMQ 3.10's queue list leaves the owner out; the queue's
    own page has it."""
    if not queue.exclusive or queue.owner_connection is not None:
        return queue.owner_connection
    described = admin.queue(queue.name)
    return described.owner_connection if described is not None else None


def assert_consumes_nothing(footprint: Footprint) -> None:
    assert not footprint.consumers, (
        f"Focus Server consumes from queues {footprint.consumed_queues()} "
        f"({len(footprint.consumers)} consumer(s) on its connections)"
    )


def assert_owns_no_queue(footprint: Footprint) -> None:
    owned = sorted(q.name for q in footprint.owned_queues)
    assert not owned, f"queues exclusive to Focus Server's connections: {owned}"
