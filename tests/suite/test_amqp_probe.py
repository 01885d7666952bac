"""The AMQP probe against a real private broker: it hears what is published, declares only server-named exclusive
queues of its own, checks existence passively, and leaves nothing behind; and its errors name the address masked."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest
from pydantic import SecretStr

from support import amqp_probe
from support.amqp_probe import AmqpProbe, BrokerUnreachable, NoSuchExchange, connect, topic_matches
from support.rabbit_admin import RabbitAdmin
from support.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def publish(broker: Settings) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    """A channel of the test's own (not the probe's) with a topic exchange `prisma` to publish on."""
    connection = pika.BlockingConnection(pika.URLParameters(broker.amqp_url.get_secret_value()))
    channel = connection.channel()
    channel.exchange_declare("prisma", "topic", durable=True)
    yield channel
    connection.close()


def test_the_probe_hears_what_matches_and_leaves_nothing(broker: Settings, publish) -> None:
    admin = RabbitAdmin(broker)
    with AmqpProbe(broker, connection_name="probe-under-test") as probe:
        queue = probe.listen("prisma", "recorder.data.*")
        described = admin.queue(queue.name)
        assert queue.name.startswith("amq.gen-") and described is not None and described.exclusive
        publish.basic_publish("prisma", "recorder.data.1", b'{"type": "Data", "n": 1}')
        publish.basic_publish("prisma", "recorder.status", b"{}")
        publish.basic_publish("prisma", "recorder.data.2", b"not json", pika.BasicProperties(content_type="text/plain"))
        got = probe.collect(lambda seen: seen if len(seen) >= 2 else None, reason="two deliveries", timeout_s=10)
        assert [(d.exchange, d.routing_key, d.body) for d in got] == [
            ("prisma", "recorder.data.1", {"type": "Data", "n": 1}),
            ("prisma", "recorder.data.2", None),
        ]
        assert got[0].body_type == "Data" and got[1].raw == b"not json"
        assert got[1].properties["content_type"] == "text/plain" and got[0].arrived_at <= got[1].arrived_at
        assert probe.collect_for(0.3) == got  # the unmatched key never came
        assert probe.exchange_exists("prisma") and not probe.exchange_exists("no_such_exchange")
        assert probe.queue_exists(queue.name) and not probe.queue_exists("no_such_queue")
        with pytest.raises(NoSuchExchange, match="no exchange 'no_such_exchange'"):
            probe.listen("no_such_exchange")
        assert probe.exchange_exists("prisma")  # the probe survives a failed bind
    assert admin.queue(queue.name) is None
    assert admin.exchange("no_such_exchange") is None and admin.queue("no_such_queue") is None
    probe.close()  # twice is harmless


def test_the_probe_source_never_declares_named_things_or_purges() -> None:
    """Rules of the house, checked on the source: harmless against a real broker."""
    source = Path(amqp_probe.__file__).read_text(encoding="utf-8")
    assert "queue_purge" not in source and "exchange_delete" not in source
    for call in re.findall(r"exchange_declare\([^)]*\)", source):
        assert "passive=True" in call, call
    for call in re.findall(r"queue_declare\((?:[^()]|\([^)]*\))*\)", source, flags=re.S):
        assert "passive=True" in call or 'queue=""' in call, call


def test_connect_to_a_closed_port_names_the_address_without_the_password() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(amqp_url=SecretStr(f"amqp://user:s3cret@127.0.0.1:{port}/%2F"))
    with pytest.raises(BrokerUnreachable) as caught:
        connect(settings, timeout_s=2)
    assert str(caught.value).startswith(f"RabbitMQ AMQP at amqp://user:***@127.0.0.1:{port}/%2F (")
    assert "s3cret" not in str(caught.value)
    assert caught.value.reason


def test_topic_matching() -> None:
    assert topic_matches("recorder.data.*", "recorder.data.das")
    assert not topic_matches("recorder.data.*", "recorder.data")
    assert not topic_matches("recorder.data.*", "recorder.data.a.b")
    assert not topic_matches("recorder.data.*", "recorder_data.das")
    assert topic_matches("#", "anything.at.all")
    assert topic_matches("baby_analyzer.#", "baby_analyzer")
    assert topic_matches("a.#.z", "a.b.c.z")
