"""Clauses 1.1 and 1.2, the RabbitMQ topology: the broker's exchanges and queues, and Focus Server's traffic on them,
read (a lookup, a command awaited, a footprint), then judged. Commands are recognised by their JSON `type`, else
their routing key; a target with unnamed connections cannot show "publisher only" (a precondition not met).
`queue_lookup` serves 3.1 too."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from support.amqp_probe import Delivery, Watch
from support.errors import PreconditionNotMet
from support.live import LiveSubject
from support.rabbit_admin import Connection, Consumer, Exchange, Queue, RabbitAdmin
from support.waiting import WaitTimeout, monotonic

if TYPE_CHECKING:
    from support.world import World

FOCUS_SERVER_CONNECTION_NAME = "focus-server"
COMMAND_PREFIX = "baby_analyzer.commands."
COMMAND_TYPES = {"RegionOfInterestCommand": "roi", "KeepaliveCommand": "keepalive"}  # by their JSON `type`
# Routing keys a probe binds on a direct exchange, which cannot be bound with a wildcard.
_COMMAND_KEYS = tuple(COMMAND_PREFIX + name for name in COMMAND_TYPES.values()) + tuple(COMMAND_TYPES.values())


def queue_names(admin: RabbitAdmin, containing: str = "") -> list[str]:
    return sorted(q.name for q in admin.queues() if containing in q.name)


@dataclass(frozen=True)
class Lookup:
    """An exchange or queue as a passive declare (nothing is created) and the management API see it."""

    name: str
    declared: bool
    described: Exchange | Queue | None
    others: tuple[str, ...] = ()  # a queue not found: the queues the broker has instead


def exchange_lookup(world: World, name: str) -> Lookup:
    broker = world.broker
    return Lookup(name, broker.probe.exchange_exists(name), broker.admin.exchange(name))


def queue_lookup(world: World, name: str) -> Lookup:
    broker = world.broker
    described, declared = broker.admin.queue(name), broker.probe.queue_exists(name)
    return Lookup(name, declared, described, () if declared else tuple(queue_names(broker.admin)))


def check_only_custom_exchange(exchanges: list[Exchange], name: str) -> None:
    """The vhost's exchanges, besides the broker's own ("" and `amq.*`), are exactly [name]."""
    custom = sorted(e.name for e in exchanges if not e.is_the_brokers_own)
    assert custom == [name], f"the broker's exchanges besides its own are {custom}; only {name!r} is allowed"


def _existing(lookup: Lookup) -> Exchange:
    assert lookup.declared, f"the broker has no exchange {lookup.name!r} (passive declare: NOT_FOUND)"
    assert isinstance(lookup.described, Exchange), f"the management API does not list the exchange {lookup.name!r}"
    return lookup.described


def check_exchange_type(lookup: Lookup, kind: str) -> None:
    exchange = _existing(lookup)
    assert exchange.type == kind, f"the exchange {exchange.name!r} is a {exchange.type} exchange, not {kind}"


def check_exchange_durable(lookup: Lookup) -> None:
    exchange = _existing(lookup)
    assert exchange.durable, f"the exchange {exchange.name!r} is not durable (it would not survive a broker restart)"


def check_queue_exists(lookup: Lookup) -> None:
    assert lookup.declared, (
        f"the broker has no queue {lookup.name!r} (passive declare: NOT_FOUND); queues it has: {list(lookup.others)}"
    )


def check_queue_absent(lookup: Lookup) -> None:
    queue = lookup.described
    described = queue.model_dump(include={"durable", "exclusive", "consumers"}) if queue else None
    assert not lookup.declared and queue is None, (
        f"the broker has a queue {lookup.name!r} (passive declare found it: {lookup.declared}; management API: "
        f"{described})"
    )


@dataclass(frozen=True)
class SubjectQueue:
    """The queue `{id}_{suffix}` bound to an exchange while the subject ran (None: none), and what the broker had
    else."""

    subject: LiveSubject
    exchange: str
    name: str | None
    named: tuple[str, ...] = ()
    bound: tuple[str, ...] = ()


def subject_queue(world: World, subject: LiveSubject, exchange: str) -> SubjectQueue:
    admin, pattern = world.broker.admin, re.compile(rf"^{re.escape(subject.id)}_.+$")
    try:
        return SubjectQueue(subject, exchange, world.wait.queue_bound(exchange, pattern))
    except WaitTimeout:
        named = queue_names(admin, containing=subject.id)
        bound = sorted({b.destination for b in admin.bindings_from(exchange) if subject.id in b.destination})
        return SubjectQueue(subject, exchange, None, tuple(named), tuple(bound))


def check_subject_queue(found: SubjectQueue) -> str:
    subject = found.subject
    assert found.name is not None, (
        f"no queue named {subject.id}_<suffix> is bound to {found.exchange!r} while {subject.kind} {subject.id} runs; "
        f"queues naming it: {list(found.named)}; of them bound to {found.exchange!r}: {list(found.bound)}"
    )
    return found.name


def queue_went(world: World, name: str) -> bool:
    """Whether the queue went (passive declare and management API agree) within `queue_gone_s`."""
    try:
        world.wait.queue_gone(world.broker.probe, name)
    except WaitTimeout:
        return False
    return True


def check_queue_gone(name: str, went: bool, within_s: float) -> None:
    assert went, f"the queue {name!r} is still there {within_s:g} s after its job ended"


def watch_commands_everywhere(world: World) -> Watch:
    watch = Watch.everywhere(world.broker.probe, world.broker.admin, "#", direct_keys=_COMMAND_KEYS)
    world.evidence.keep(watch)
    return watch


def command_name(delivery: Delivery) -> str | None:
    """Which of Focus Server's commands a delivery is (by its body, else by its routing key), or None."""
    if delivery.body_type in COMMAND_TYPES:
        return COMMAND_TYPES[delivery.body_type]
    if delivery.routing_key.startswith(COMMAND_PREFIX):
        return delivery.routing_key[len(COMMAND_PREFIX) :]
    return None


def commands_seen(deliveries: list[Delivery]) -> str:
    seen = Counter(
        f"{command_name(d)} via {d.exchange or '(default)'} key {d.routing_key!r}"
        for d in deliveries
        if command_name(d)
    )
    return ", ".join(f"{what} ×{count}" for what, count in seen.items()) or "none"


@dataclass(frozen=True)
class Awaited:
    """A command awaited: the first that came (through `exchange`), whether it went elsewhere, every delivery by
    then."""

    what: str
    exchange: str | None
    timeout_s: float
    came: Delivery | None
    elsewhere: bool
    deliveries: tuple[Delivery, ...]


def _await(
    watch: Watch, test: Callable[[Delivery], bool], what: str, exchange: str | None, grace_s: float, timeout_s: float
) -> Awaited:
    """The first delivery passing `test` through `exchange`, or early: one went elsewhere, none here for `grace_s`."""
    went_elsewhere: list[Delivery] = []

    def found(deliveries: list[Delivery]) -> Delivery | None:
        hits = [d for d in deliveries if test(d)]
        through = next((d for d in hits if exchange is None or d.exchange == exchange), None)
        if through is not None:
            return through
        stale = [d for d in hits if monotonic() - d.arrived_at > grace_s]
        went_elsewhere.extend(stale)
        return stale[0] if stale else None

    where = f" through {exchange!r}" if exchange is not None else ""
    try:
        came: Delivery | None = watch.wait(found, reason=f"{what}{where}", timeout_s=timeout_s)
    except WaitTimeout:
        came = None
    return Awaited(what, exchange, timeout_s, came, bool(went_elsewhere), tuple(watch.deliveries))


def await_roi(world: World, watch: Watch, subject: LiveSubject, exchange: str | None = None) -> Awaited:
    """Focus Server's roi command for the subject's region (`{"start": first, "end": last}`)."""

    def test(delivery: Delivery) -> bool:
        body = delivery.body if isinstance(delivery.body, dict) else {}
        return command_name(delivery) == "roi" and body.get("value") == subject.region

    what, waits = f"roi command for {subject.kind} {subject.id} (region {subject.region})", world.times.waits
    return _await(watch, test, what, exchange, waits.elsewhere_grace_s, waits.roi_arrives_s)


def await_keepalive(world: World, watch: Watch, exchange: str | None = None) -> Awaited:
    waits = world.times.waits
    test: Callable[[Delivery], bool] = lambda d: command_name(d) == "keepalive"  # noqa: E731
    return _await(watch, test, "keepalive command", exchange, waits.elsewhere_grace_s, waits.keepalive_s)


def all_commands(world: World, watch: Watch) -> list[Delivery]:
    """Every delivery, after reading a while longer (a copy published a moment later still counts)."""
    return watch.observe(world.times.waits.elsewhere_grace_s)


def check_arrived(awaited: Awaited) -> Delivery:
    if awaited.came is None or awaited.elsewhere:
        where = f" through {awaited.exchange!r}" if awaited.exchange is not None else ""
        waited = f"within {awaited.timeout_s:g} s" if awaited.came is None else "(it went elsewhere)"
        raise AssertionError(
            f"no {awaited.what} arrived{where} {waited}; Focus Server commands seen on the probes: "
            f"{commands_seen(list(awaited.deliveries))}"
        )
    return awaited.came


def check_no_command_elsewhere(deliveries: list[Delivery], exchange: str) -> None:
    elsewhere = [d for d in deliveries if command_name(d) and d.exchange != exchange]
    assert not elsewhere, (
        f"Focus Server commands arrived through exchanges other than {exchange!r}: {commands_seen(elsewhere)}"
    )


def check_routing_key(deliveries: list[Delivery], command: str, expected: str) -> None:
    wrong = sorted({d.routing_key for d in deliveries if command_name(d) == command and d.routing_key != expected})
    assert not wrong, f"Focus Server's {command} commands came with routing keys {wrong}, not {expected!r}"


@dataclass(frozen=True)
class Footprint:
    """Focus Server's connections (by client-provided name) and what hangs off them."""

    connections: tuple[Connection, ...]
    consumers: tuple[Consumer, ...]
    owned_queues: tuple[Queue, ...]


def footprint(world: World, name: str = FOCUS_SERVER_CONNECTION_NAME) -> Footprint:
    """Focus Server's connections once listed, and what they own (a consumer without its channel counts for no one)."""
    admin = world.broker.admin
    try:
        connections = world.wait.connections_named(name)
    except WaitTimeout:
        listed = admin.connections()
        names = sorted({c.client_name or "(unnamed)" for c in listed})
        raise PreconditionNotMet(
            f"no broker connection carries the client-provided name {name!r} (connections listed: {len(listed)}, "
            f"names: {names}); 'publisher only' cannot be observed on this target"
        ) from None
    names = {c.name for c in connections}
    try:
        consumers = world.wait.consumers_with_channels()
    except WaitTimeout:
        consumers = [c for c in admin.consumers() if c.channel_details]
    return Footprint(
        tuple(connections),
        tuple(c for c in consumers if c.channel_details and c.channel_details.connection_name in names),
        tuple(q for q in admin.queues() if _owner(admin, q) in names),
    )


def _owner(admin: RabbitAdmin, queue: Queue) -> str | None:
    """The connection an exclusive queue belongs to (RabbitMQ 3.10's queue list leaves it out; its own page has it)."""
    if not queue.exclusive or queue.owner_connection is not None:
        return queue.owner_connection
    described = admin.queue(queue.name)
    return described.owner_connection if described is not None else None


def check_consumes_nothing(found: Footprint) -> None:
    consumed = sorted({c.queue.name for c in found.consumers})
    assert not found.consumers, (
        f"Focus Server consumes from queues {consumed} ({len(found.consumers)} consumer(s) on its connections)"
    )


def check_owns_no_queue(found: Footprint) -> None:
    owned = sorted(q.name for q in found.owned_queues)
    assert not owned, f"queues exclusive to Focus Server's connections: {owned}"
