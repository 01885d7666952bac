"""The AMQP probe: harmless by construction (fakes), and working against a real broker (a stand's)."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pika
import pika.exceptions
import pytest
from pydantic import SecretStr

from support import amqp_probe
from support.amqp_probe import AmqpProbe, BrokerUnreachable, NoSuchExchange, connect, topic_matches
from support.rabbit_admin import RabbitAdmin
from support.settings import Settings
from support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("clean_env")

# -- fakes -------------------------------------------------------------------------------------------------------


class FakeChannel:
    def __init__(self, broker: FakeBroker) -> None:
        self.broker = broker
        self.is_open = True

    def _fail(self, name: str) -> None:
        code = self.broker.fail.get(name)
        if code is not None:
            self.is_open = False
            raise pika.exceptions.ChannelClosedByBroker(code, f"fake {code} for {name}")

    def queue_declare(self, queue: str, **kwargs: Any) -> Any:
        self.broker.calls.append(("queue_declare", queue, kwargs))
        if kwargs.get("passive"):
            self._fail(queue)
            return SimpleNamespace(method=SimpleNamespace(queue=queue, message_count=0, consumer_count=1))
        self.broker.counter += 1
        return SimpleNamespace(method=SimpleNamespace(queue=f"amq.gen-{self.broker.counter}"))

    def exchange_declare(self, exchange: str, **kwargs: Any) -> Any:
        self.broker.calls.append(("exchange_declare", exchange, kwargs))
        self._fail(exchange)
        return SimpleNamespace()

    def queue_bind(self, queue: str, exchange: str, routing_key: str, arguments: Any = None) -> None:
        self.broker.calls.append(("queue_bind", queue, {"exchange": exchange, "routing_key": routing_key}))
        self._fail(exchange)

    def basic_consume(self, queue: str, on_message_callback: Any, auto_ack: bool) -> None:
        self.broker.calls.append(("basic_consume", queue, {"auto_ack": auto_ack}))
        self.broker.callbacks[queue] = on_message_callback

    def queue_delete(self, queue: str) -> None:
        self.broker.calls.append(("queue_delete", queue, {}))

    def close(self) -> None:
        self.is_open = False


class FakeBroker:
    """Plays a pika BlockingConnection: records every call; `fail` maps a name to a channel-closing reply code."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.callbacks: dict[str, Any] = {}
        self.fail: dict[str, int] = {}
        self.counter = 0
        self.is_open = True
        self.closed = False

    def channel(self) -> FakeChannel:
        return FakeChannel(self)

    def process_data_events(self, time_limit: float = 0) -> None:
        pass

    def close(self) -> None:
        self.closed = True
        self.is_open = False

    def deliver(self, queue: str, exchange: str, routing_key: str, body: bytes, **properties: Any) -> None:
        method = SimpleNamespace(exchange=exchange, routing_key=routing_key)
        self.callbacks[queue](None, method, pika.BasicProperties(**properties), body)


@pytest.fixture
def fake() -> tuple[AmqpProbe, FakeBroker]:
    probe = AmqpProbe(Settings(amqp_url=SecretStr("amqp://u:p@127.0.0.1:1/%2F")))
    broker = FakeBroker()
    probe._connection = broker  # type: ignore[assignment]
    return probe, broker


def test_listen_declares_only_a_server_named_exclusive_queue_and_consumes_only_it(fake) -> None:
    probe, broker = fake
    queue = probe.listen("prisma", "recorder.data.*")
    declare = next(call for call in broker.calls if call[0] == "queue_declare")
    assert declare[1] == ""  # server-named
    assert declare[2]["exclusive"] is True and declare[2]["auto_delete"] is True
    assert declare[2]["arguments"]["x-max-length"] > 0
    assert ("queue_bind", queue.name, {"exchange": "prisma", "routing_key": "recorder.data.*"}) in broker.calls
    consumed = [call[1] for call in broker.calls if call[0] == "basic_consume"]
    assert consumed == [queue.name]
    assert not [call for call in broker.calls if call[0] == "exchange_declare"]


def test_listen_to_a_missing_exchange_is_a_topology_defect(fake) -> None:
    probe, broker = fake
    broker.fail["prisma"] = 404
    with pytest.raises(NoSuchExchange, match="'prisma'"):
        probe.listen("prisma")
    assert probe.queues == []


def test_existence_checks_are_passive(fake) -> None:
    probe, broker = fake
    broker.fail.update({"gone": 404, "locked": 405, "forbidden": 403})
    assert probe.queue_exists("recorder_input") is True
    assert probe.queue_exists("gone") is False
    assert probe.queue_exists("locked") is True  # exclusive to another connection: it exists
    assert probe.exchange_exists("prisma") is True
    assert probe.exchange_exists("gone") is False
    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        probe.queue_exists("forbidden")
    declares = [call for call in broker.calls if call[0] in ("queue_declare", "exchange_declare")]
    assert declares and all(call[2].get("passive") is True for call in declares)


def test_deliveries_keep_routing_key_json_body_properties_and_arrival(fake) -> None:
    probe, broker = fake
    queue = probe.listen("prisma", "#")
    broker.deliver(queue.name, "prisma", "recorder.data.das", b'{"sequence": 1}', content_type="application/json")
    broker.deliver(queue.name, "prisma", "other", b"\x00not json")
    first, second = probe.deliveries
    assert (first.exchange, first.routing_key, first.body) == ("prisma", "recorder.data.das", {"sequence": 1})
    assert first.properties == {"content_type": "application/json"}
    assert first.binding == "prisma #"
    assert second.body is None and second.raw == b"\x00not json"
    assert first.arrived_at <= second.arrived_at
    assert second.as_evidence()["body"]  # non-JSON bodies are shown as text


def test_collect_until_a_count_or_a_deadline(fake) -> None:
    probe, broker = fake
    queue = probe.listen("prisma", "#")
    broker.deliver(queue.name, "prisma", "a.b", b"{}")
    assert len(probe.collect_count(1, reason="one", timeout_s=1)) == 1
    with pytest.raises(AssertionError, match="two"):
        probe.collect_count(2, reason="two", timeout_s=0.3)


def test_close_deletes_its_own_queues_only_and_closes(fake) -> None:
    probe, broker = fake
    mine = [probe.listen("prisma").name, probe.listen("amq.topic").name]
    probe.queue_exists("recorder_input")
    probe.close()
    assert [call[1] for call in broker.calls if call[0] == "queue_delete"] == mine
    assert broker.closed
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


# -- against a real broker (a stand started by its command line) -------------------------------------------------


def test_probe_against_a_real_broker_hears_prisma_and_leaves_nothing(stand_settings: Settings) -> None:
    admin = RabbitAdmin(stand_settings)
    with AmqpProbe(stand_settings, connection_name="focus-acceptance-probe-test") as probe:
        queue = probe.listen("prisma", "recorder.data.*")
        got = probe.collect_count(3, reason="three recorder messages", timeout_s=10)
        assert all(topic_matches("recorder.data.*", d.routing_key) and d.exchange == "prisma" for d in got)
        assert probe.exchange_exists("prisma") and not probe.exchange_exists("no_such_exchange_here")
        assert probe.queue_exists("recorder_input") and not probe.queue_exists("no_such_queue_here")
        assert admin.queue(queue.name) is not None
        with pytest.raises(NoSuchExchange):
            probe.listen("no_such_exchange_here")
        assert probe.exchange_exists("prisma")  # the probe survives a failed bind
    assert admin.queue(queue.name) is None
    assert not admin.queue("no_such_queue_here") and admin.exchange("no_such_exchange_here") is None

    def probe_connection_gone() -> bool:
        return all(c.client_name != "focus-acceptance-probe-test" for c in admin.connections())

    wait_for(probe_connection_gone, reason="the probe's connection to leave the listings", timeout_s=20)
