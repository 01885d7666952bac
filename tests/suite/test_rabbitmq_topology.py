"""The judgements of clauses 1.1 and 1.2 on made-up observations: they fail for the right reason, and only then."""

from __future__ import annotations

import pytest
from deliveries import delivery

from support import rabbitmq_topology, waiters
from support.errors import PreconditionNotMet
from support.live import LiveSubject
from support.rabbit_admin import Connection, Exchange, Queue
from support.rabbitmq_topology import (
    assert_exchange_durable,
    assert_exchange_type,
    assert_only_custom_exchange,
    assert_routing_key,
    command_name,
)
from support.settings import Settings


def _exchange(name: str, kind: str = "topic", durable: bool = True) -> Exchange:
    return Exchange(name=name, vhost="/", type=kind, durable=durable)


def test_only_prisma_besides_the_brokers_own() -> None:
    own = [_exchange(""), _exchange("amq.topic"), _exchange("amq.fanout", "fanout")]
    assert_only_custom_exchange([*own, _exchange("prisma")], "prisma")
    with pytest.raises(AssertionError, match=r"\['baby_analyzer_commands', 'prisma'\]"):
        assert_only_custom_exchange([*own, _exchange("prisma"), _exchange("baby_analyzer_commands")], "prisma")
    with pytest.raises(AssertionError, match=r"are \[\]"):
        assert_only_custom_exchange(own, "prisma")


def test_topic_and_durable() -> None:
    assert_exchange_type(_exchange("prisma"), "topic")
    assert_exchange_durable(_exchange("prisma"))
    with pytest.raises(AssertionError, match="fanout exchange, not topic"):
        assert_exchange_type(_exchange("prisma", "fanout"), "topic")
    with pytest.raises(AssertionError, match="not durable"):
        assert_exchange_durable(_exchange("prisma", durable=False))


def test_commands_are_recognised_by_body_then_by_routing_key() -> None:
    roi = {"type": "RegionOfInterestCommand", "value": {"start": 1, "end": 2}}
    assert command_name(delivery("roi", roi)) == "roi"  # a bare key is still Focus Server's roi command
    assert command_name(delivery("baby_analyzer.commands.keepalive", None)) == "keepalive"
    assert command_name(delivery("recorder.data.das", {"sequence": 1})) is None
    deliveries = [delivery("roi", roi), delivery("baby_analyzer.commands.roi", roi)]
    with pytest.raises(AssertionError, match=r"routing keys \['roi'\]"):
        assert_routing_key(deliveries, "roi", "baby_analyzer.commands.roi")
    assert_routing_key(deliveries[1:], "roi", "baby_analyzer.commands.roi")
    assert LiveSubject("task", "t", 1, 2).region == roi["value"]


class _AdminListing:
    """A management API that lists these connections and nothing else."""

    def __init__(self, *connections: Connection) -> None:
        self.listed = list(connections)

    def connections(self) -> list[Connection]:
        return self.listed


def test_a_target_whose_connections_are_unnamed_cannot_show_publisher_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a pass and not a product defect: the precondition is missing, and the message says what was seen."""
    monkeypatch.setenv("FOCUS_MANAGEMENT_LAG_S", "0.3")
    monkeypatch.setattr(waiters, "get_settings", Settings)  # read afresh, as the run reads it once
    admin = _AdminListing(
        Connection(name="10.0.0.7:51512 -> 10.0.0.2:5672"),
        Connection(name="10.0.0.8:40100 -> 10.0.0.2:5672", client_properties={"connection_name": "smart-recorder"}),
    )
    with pytest.raises(PreconditionNotMet) as caught:
        rabbitmq_topology.focus_server_footprint(admin)
    assert str(caught.value) == (
        "no broker connection carries the client-provided name 'focus-server' (connections listed: 2, "
        "names: ['(unnamed)', 'smart-recorder']); 'publisher only' cannot be observed on this target"
    )


class _AdminWithQueues(_AdminListing):
    """Connections, and queues listed as RabbitMQ 3.10 lists them: an exclusive queue without its owner, whose own
    page names it."""

    def __init__(self, connection: Connection, queues: list[Queue], owners: dict[str, str]) -> None:
        super().__init__(connection)
        self.listed_queues = queues
        self.owners = owners

    def channels(self) -> list:
        return []

    def consumers(self) -> list:
        return []

    def queues(self) -> list[Queue]:
        return self.listed_queues

    def queue(self, name: str) -> Queue | None:
        owner = self.owners.get(name)
        return Queue(name=name, vhost="/", exclusive=True, owner_pid_details={"name": owner} if owner else [])


def test_an_exclusive_queue_listed_without_its_owner_is_looked_up_and_found_owned() -> None:
    focus = Connection(name="10.0.0.9:5000 -> broker", client_properties={"connection_name": "focus-server"})
    queues = [
        Queue(name="amq.gen-focus", vhost="/", exclusive=True),
        Queue(name="amq.gen-probe", vhost="/", exclusive=True),
        Queue(name="recorder_input", vhost="/"),
    ]
    admin = _AdminWithQueues(focus, queues, {"amq.gen-focus": focus.name, "amq.gen-probe": "10.0.0.1:7 -> broker"})
    footprint = rabbitmq_topology.focus_server_footprint(admin)
    rabbitmq_topology.assert_consumes_nothing(footprint)
    with pytest.raises(AssertionError, match=r"exclusive to Focus Server's connections: \['amq.gen-focus'\]"):
        rabbitmq_topology.assert_owns_no_queue(footprint)
