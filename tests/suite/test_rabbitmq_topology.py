"""Clauses 1.1 and 1.2 judged on readings made by hand: each check passes a reading that keeps its rule and fails,
naming what is wrong, one that breaks it."""

from __future__ import annotations

import pytest
from deliveries import delivery

from support.live import LiveSubject
from support.rabbit_admin import ChannelDetails, Connection, Consumer, Exchange, Queue, QueueRef
from support.rabbitmq_topology import (
    Awaited,
    Footprint,
    Lookup,
    SubjectQueue,
    check_arrived,
    check_consumes_nothing,
    check_exchange_durable,
    check_exchange_type,
    check_no_command_elsewhere,
    check_only_custom_exchange,
    check_owns_no_queue,
    check_queue_absent,
    check_queue_exists,
    check_queue_gone,
    check_routing_key,
    check_subject_queue,
    command_name,
)


def exchange(name: str, kind: str = "topic", durable: bool = True) -> Exchange:
    return Exchange(name=name, vhost="/", type=kind, durable=durable)


ROI = {"type": "RegionOfInterestCommand", "value": {"start": 1, "end": 2}}


def test_only_prisma_besides_the_brokers_own() -> None:
    check_only_custom_exchange([exchange(""), exchange("amq.topic"), exchange("prisma")], "prisma")
    with pytest.raises(AssertionError, match=r"\['other', 'prisma'\]"):
        check_only_custom_exchange([exchange("prisma"), exchange("other")], "prisma")


def test_the_exchange_type_and_durability() -> None:
    good = Lookup("prisma", True, exchange("prisma"))
    check_exchange_type(good, "topic")
    check_exchange_durable(good)
    with pytest.raises(AssertionError, match=r"a direct exchange, not topic"):
        check_exchange_type(Lookup("prisma", True, exchange("prisma", kind="direct")), "topic")
    with pytest.raises(AssertionError, match=r"not durable"):
        check_exchange_durable(Lookup("prisma", True, exchange("prisma", durable=False)))
    with pytest.raises(AssertionError, match=r"no exchange 'prisma'"):
        check_exchange_type(Lookup("prisma", False, None), "topic")


def test_a_queue_there_or_not() -> None:
    queue = Queue(name="q", vhost="/", durable=True)
    check_queue_exists(Lookup("q", True, queue))
    check_queue_absent(Lookup("q", False, None))
    with pytest.raises(AssertionError, match=r"no queue 'q'.*\['other'\]"):
        check_queue_exists(Lookup("q", False, None, ("other",)))
    with pytest.raises(AssertionError, match=r"has a queue 'q'.*'durable': True"):
        check_queue_absent(Lookup("q", False, queue))


def test_the_subject_queue_and_its_going() -> None:
    subject = LiveSubject("task", "t-1", 1, 2)
    assert check_subject_queue(SubjectQueue(subject, "prisma", "t-1_results")) == "t-1_results"
    with pytest.raises(AssertionError, match=r"t-1_<suffix>.*\['t-1_x'\]"):
        check_subject_queue(SubjectQueue(subject, "prisma", None, ("t-1_x",)))
    check_queue_gone("q", True, 5)
    with pytest.raises(AssertionError, match=r"'q' is still there 5 s"):
        check_queue_gone("q", False, 5)


def test_commands_are_recognised_by_body_then_by_routing_key() -> None:
    assert command_name(delivery("anything", ROI)) == "roi"
    assert command_name(delivery("baby_analyzer.commands.keepalive")) == "keepalive"
    assert command_name(delivery("recorder.data.1")) is None


def test_a_command_arrived_through_its_exchange_or_not() -> None:
    came = delivery("x", ROI)
    assert check_arrived(Awaited("roi command", "prisma", 3, came, False, (came,))) is came
    with pytest.raises(AssertionError, match=r"no roi command arrived through 'prisma' within 3 s"):
        check_arrived(Awaited("roi command", "prisma", 3, None, False, ()))
    with pytest.raises(AssertionError, match=r"went elsewhere.*roi via other"):
        other = delivery("x", ROI, exchange="other")
        check_arrived(Awaited("roi command", "prisma", 3, other, True, (other,)))


def test_commands_through_one_exchange_with_one_routing_key() -> None:
    right = delivery("baby_analyzer.commands.roi", ROI)
    check_no_command_elsewhere([right, delivery("recorder.data.1", exchange="other")], "prisma")
    check_routing_key([right], "roi", "baby_analyzer.commands.roi")
    with pytest.raises(AssertionError, match=r"other than 'prisma'.*roi via amq.direct"):
        check_no_command_elsewhere([right, delivery("roi", ROI, exchange="amq.direct")], "prisma")
    with pytest.raises(AssertionError, match=r"roi commands came with routing keys \['roi'\]"):
        check_routing_key([right, delivery("roi", ROI)], "roi", "baby_analyzer.commands.roi")


def test_publisher_only() -> None:
    connection = Connection(name="a -> b", user_provided_name="focus-server")
    consumer = Consumer(
        consumer_tag="c",
        queue=QueueRef(name="jobs", vhost="/"),
        channel_details=ChannelDetails(name="ch", connection_name="a -> b"),
    )
    owned = Queue(name="mine", vhost="/", exclusive=True, owner_pid_details={"name": "a -> b"})
    clean = Footprint((connection,), (), ())
    check_consumes_nothing(clean)
    check_owns_no_queue(clean)
    with pytest.raises(AssertionError, match=r"consumes from queues \['jobs'\]"):
        check_consumes_nothing(Footprint((connection,), (consumer,), ()))
    with pytest.raises(AssertionError, match=r"\['mine'\]"):
        check_owns_no_queue(Footprint((connection,), (), (owned,)))
