"""The management API client: routes, vhost, credentials, typed answers, clear errors."""

from __future__ import annotations

import base64
import json
import re

import pytest
from httpfake import Canned, fake_http
from pydantic import SecretStr

from support.errors import Category, MalformedAnswer, TargetUnreachable, category_of
from support.rabbit_admin import ManagementApiFailed, RabbitAdmin, vhost_of
from support.settings import Settings
from support.times import TRANSIENT_TRIES
from support.waiting import Waiters, WaitTimeout

pytestmark = pytest.mark.usefixtures("clean_env")

EXCHANGES = [
    {"name": "", "vhost": "/", "type": "direct", "durable": True, "auto_delete": False, "internal": False},
    {"name": "amq.topic", "vhost": "/", "type": "topic", "durable": True, "auto_delete": False, "internal": False},
    {"name": "prisma", "vhost": "/", "type": "topic", "durable": True, "auto_delete": False, "internal": False},
]
CONNECTIONS = [
    {
        "name": "127.0.0.1:5000 -> 127.0.0.1:5672",
        "protocol": "AMQP 0-9-1",
        "client_properties": {"connection_name": "focus-server", "product": "x"},
    },
    {"name": "127.0.0.1:5001 -> 127.0.0.1:5672", "protocol": "AMQP 0-9-1", "client_properties": {}},
]
CONSUMERS = [
    {
        "consumer_tag": "ctag1",
        "queue": {"name": "recorder_input", "vhost": "/"},
        "channel_details": {"name": "127.0.0.1:5001 -> 127.0.0.1:5672 (1)", "connection_name": "127.0.0.1:5001 -> x"},
    }
]
QUEUES = [
    {"name": "recorder_input", "vhost": "/", "durable": True, "consumers": 1, "messages": 3},
    {"name": "amq.gen-1", "vhost": "/", "exclusive": True, "owner_pid_details": {"name": "127.0.0.1:5000 -> x"}},
    {"name": "amq.gen-2", "vhost": "/", "exclusive": True, "owner_pid_details": []},
]


def _settings(url: str, amqp: str = "amqp://guest:s3cret@127.0.0.1:5672/%2F", **extra: object) -> Settings:
    return Settings(amqp_url=SecretStr(amqp), rabbitmq_api_url=url, **extra)


def test_routes_vhost_credentials_and_typed_answers() -> None:
    with fake_http() as fake:
        fake.answer("GET", "/api/exchanges/%2F", 200, json.dumps(EXCHANGES))
        fake.answer("GET", "/api/vhosts/%2F/connections", 200, json.dumps(CONNECTIONS))
        fake.answer("GET", "/api/consumers/%2F", 200, json.dumps(CONSUMERS))
        fake.answer("GET", "/api/queues/%2F", 200, json.dumps(QUEUES))
        admin = RabbitAdmin(_settings(fake.url))
        exchanges = admin.exchanges()
        assert [e.name for e in exchanges if not e.is_the_brokers_own] == ["prisma"]
        assert [c.client_name for c in admin.connections()] == ["focus-server", None]
        consumer = admin.consumers()[0]
        assert consumer.queue.name == "recorder_input" and consumer.channel_details.connection_name
        queues = admin.queues()
        assert [q.owner_connection for q in queues] == [None, "127.0.0.1:5000 -> x", None]
        # credentials default to the AMQP URL's, sent as basic auth
        auth = fake.requests[0][2]["Authorization"]
        assert base64.b64decode(auth.split()[1]).decode() == "guest:s3cret"
        assert next(call["request"] for call in admin.drain_calls()) == "GET /exchanges/%2F"
        assert admin.calls == []


def test_explicit_credentials_named_vhost_and_api_suffix_not_doubled() -> None:
    with fake_http() as fake:
        fake.answer("GET", "/api/queues/prod%2Fa/recorder_input", 200, json.dumps(QUEUES[0]))
        settings = _settings(
            fake.url + "/api/",
            amqp="amqp://guest:x@h/prod%2Fa",
            rabbitmq_api_user="admin",
            rabbitmq_api_password=SecretStr("pw"),
        )
        admin = RabbitAdmin(settings)
        queue = admin.queue("recorder_input")
        assert queue is not None and queue.messages == 3
        assert admin.queue("missing") is None  # 404: no such queue
        assert base64.b64decode(fake.requests[0][2]["Authorization"].split()[1]).decode() == "admin:pw"


@pytest.mark.parametrize(
    ("url", "vhost"),
    [
        ("amqp://u:p@h:5672/%2F", "/"),
        ("amqp://u:p@h:5672/prisma", "prisma"),
        ("amqps://u:p@h/a%2Fb", "a/b"),
    ],
)
def test_vhost_of(url: str, vhost: str) -> None:
    assert vhost_of(url) == vhost


def test_wrong_credentials_is_unreachable_with_the_status_and_no_secret() -> None:
    with fake_http() as fake:
        fake.answer("GET", "/api/overview", 401, '{"error":"not_authorised"}')
        with pytest.raises(TargetUnreachable) as caught:
            RabbitAdmin(_settings(fake.url)).overview()
    assert str(caught.value) == f"RabbitMQ management API at {fake.url} (401 Unauthorized)"
    assert "s3cret" not in str(caught.value)


def test_down_is_unreachable() -> None:
    with fake_http() as fake:
        url = fake.url
    with pytest.raises(TargetUnreachable, match=r"\(connection refused\)"):
        RabbitAdmin(_settings(url), timeout_s=2).exchanges()


def test_malformed_listing_names_the_field() -> None:
    broken = [dict(EXCHANGES[2], durable="sometimes")]
    with fake_http() as fake:
        fake.answer("GET", "/api/exchanges/%2F", 200, json.dumps(broken))
        fake.answer("GET", "/api/queues/%2F", 200, "<html>oops</html>", "text/html")
        admin = RabbitAdmin(_settings(fake.url))
        with pytest.raises(MalformedAnswer, match=r"0\.durable"):
            admin.exchanges()
        with pytest.raises(MalformedAnswer, match="malformed body"):
            admin.queues()


def test_against_a_real_broker(broker: Settings) -> None:
    admin = RabbitAdmin(broker)
    assert admin.overview().rabbitmq_version
    topic = admin.exchange("amq.topic")
    assert topic is not None and topic.type == "topic" and topic.durable and topic.is_the_brokers_own
    assert admin.exchange("no_such_exchange") is None and admin.queue("no_such_queue") is None
    assert isinstance(admin.queues(), list) and isinstance(admin.bindings_from("amq.topic"), list)
    assert isinstance(admin.connections(), list) and isinstance(admin.consumers(), list)


@pytest.mark.parametrize(("status", "asked"), [(500, TRANSIENT_TRIES), (503, TRANSIENT_TRIES), (400, 1)])
def test_an_error_status_of_the_management_api_is_a_broken_environment(
    status: int, asked: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RabbitMQ's management API is not the product: its failure is a broken environment, never a product defect.

    A 5xx may pass (a busy broker's statistics timed out): it is asked again, and fails only when it lasts."""
    with fake_http() as fake:
        fake.answer("GET", "/api/queues/%2F", status, '{"error":"internal_server_error"}')
        admin = RabbitAdmin(_settings(fake.url).with_timeouts(transient_retry_s=0.01))
        with pytest.raises(ManagementApiFailed, match=rf"GET /queues/%2F answered {status}") as caught:
            admin.queues()
    assert category_of(type(caught.value)) is Category.BROKEN_ENVIRONMENT
    assert len(fake.requests) == asked and [call.status for call in admin.calls] == [status] * asked


def test_a_passing_5xx_is_asked_again_and_kept_as_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([Canned(500, '{"error":"timeout"}'), Canned(200, json.dumps(QUEUES))])
    with fake_http() as fake:
        fake.route("GET", re.escape("/api/queues/%2F"), lambda _match, _body: next(answers))
        admin = RabbitAdmin(_settings(fake.url).with_timeouts(transient_retry_s=0.01))
        assert [q.name for q in admin.queues()] == [q["name"] for q in QUEUES]
    assert [call.status for call in admin.calls] == [500, 200]


def test_a_channel_of_a_closing_connection_lists_no_connection_and_is_no_malformed_answer() -> None:
    # RabbitMQ answers `"connection_details": []` for a channel whose connection is going away (seen in the matrix:
    # a stream cut early closes a job while its channels are listed).
    from support.rabbit_admin import Consumer

    consumer = {"consumer_tag": "t", "queue": {"name": "q", "vhost": "/"}, "channel_details": []}
    assert Consumer.model_validate(consumer).channel_details is None


def test_a_resent_tasks_queues_are_polled_until_a_late_second_one_shows() -> None:
    """Waiters.queues_named_after: the first queue of a task, then a second one declared a moment late, both seen."""
    listings = iter([[], [QUEUES[0] | {"name": "t-1_a"}]])
    late = [QUEUES[0] | {"name": "t-1_a"}, QUEUES[0] | {"name": "t-1_b"}]
    with fake_http() as fake:
        fake.route("GET", re.escape("/api/queues/%2F"), lambda _m, _b: Canned(200, json.dumps(next(listings, late))))
        settings = _settings(fake.url).with_timeouts(queue_shows_s=5, queue_settle_s=1)
        assert Waiters(None, RabbitAdmin(settings), settings.timeouts).queues_named_after("t-1") == ["t-1_a", "t-1_b"]
        with pytest.raises(WaitTimeout, match="a queue named after t-2"):
            Waiters(None, RabbitAdmin(settings), settings.with_timeouts(queue_shows_s=0.3).timeouts).queues_named_after(
                "t-2"
            )
