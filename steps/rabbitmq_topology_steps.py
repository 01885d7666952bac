"""Steps of clauses 1.1 and 1.2, the RabbitMQ topology: the broker's exchanges and queues, and Focus Server's
traffic on them. Glue only: support/rabbitmq_topology.py looks and judges.

The live task or job they watch, the history job whose queue must go, and the queue the broker must have (which 3.1
asks too) are steps several features share, in common_steps.py.
"""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context

from support import rabbitmq_topology
from support.live import job_subject


@when("the broker's exchanges are listed")
def step_list_exchanges(context: Context) -> None:
    context.exchanges = context.broker.admin.exchanges()


@then('the only exchange besides the broker\'s own is "{name}"')
def step_only_exchange(context: Context, name: str) -> None:
    rabbitmq_topology.assert_only_custom_exchange(context.exchanges, name)


@when('the exchange "{name}" is looked up')
def step_look_up_exchange(context: Context, name: str) -> None:
    context.exchange = rabbitmq_topology.existing_exchange(context.broker, name)


@then('it is a "{kind}" exchange')
def step_exchange_type(context: Context, kind: str) -> None:
    rabbitmq_topology.assert_exchange_type(context.exchange, kind)


@then("it is durable")
def step_exchange_durable(context: Context) -> None:
    rabbitmq_topology.assert_exchange_durable(context.exchange)


@given("Focus Server's commands are watched on every exchange of the broker")
def step_watch_commands(context: Context) -> None:
    context.watch = rabbitmq_topology.watch_commands_everywhere(context.broker)


@then('its region-of-interest command arrives through "{exchange}"')
def step_roi_through(context: Context, exchange: str) -> None:
    rabbitmq_topology.expect_roi(context.watch, context.subject, exchange)


@then('a keepalive command arrives through "{exchange}"')
def step_keepalive_through(context: Context, exchange: str) -> None:
    rabbitmq_topology.expect_keepalive(context.watch, exchange)


@then('no command of Focus Server\'s arrives through any exchange but "{exchange}"')
def step_no_command_elsewhere(context: Context, exchange: str) -> None:
    rabbitmq_topology.assert_no_command_elsewhere(context.watch, exchange)


@then('its region-of-interest command carries the routing key "{key}"')
def step_roi_key(context: Context, key: str) -> None:
    rabbitmq_topology.assert_routing_key([rabbitmq_topology.expect_roi(context.watch, context.subject)], "roi", key)


@then('its keepalive commands carry the routing key "{key}"')
def step_keepalive_key(context: Context, key: str) -> None:
    rabbitmq_topology.expect_keepalive(context.watch)
    rabbitmq_topology.assert_routing_key(context.watch.deliveries, "keepalive", key)


@when("Focus Server's connections to the broker are looked up")
def step_focus_server_footprint(context: Context) -> None:
    context.footprint = rabbitmq_topology.focus_server_footprint(context.broker.admin)


@then("Focus Server consumes from no queue")
def step_consumes_nothing(context: Context) -> None:
    rabbitmq_topology.assert_consumes_nothing(context.footprint)


@then("no queue is exclusive to Focus Server's connections")
def step_owns_no_queue(context: Context) -> None:
    rabbitmq_topology.assert_owns_no_queue(context.footprint)


@then('the broker has no queue "{name}"')
def step_queue_absent(context: Context, name: str) -> None:
    rabbitmq_topology.assert_queue_absent(context.broker, name)


@then('while it runs, a queue named after it with a suffix is bound to "{exchange}"')
def step_subject_queue(context: Context, exchange: str) -> None:
    rabbitmq_topology.expect_subject_queue(context.broker.admin, context.subject, exchange)


@given('its queue, named after it with a suffix, is bound to "{exchange}"')
def step_job_queue_bound(context: Context, exchange: str) -> None:
    context.subject = job_subject(context.job.configured)  # the history job of common_steps.py
    context.subject_queue = rabbitmq_topology.expect_subject_queue(context.broker.admin, context.subject, exchange)


@then("its queue is gone once the job has ended")
def step_job_queue_gone(context: Context) -> None:
    rabbitmq_topology.expect_queue_gone(context.broker, context.subject_queue)
