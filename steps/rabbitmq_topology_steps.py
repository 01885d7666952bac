"""Steps of clauses 1.1 and 1.2, the RabbitMQ topology: the broker's exchanges and queues, and Focus Server's traffic
on them. Glue only: support/rabbitmq_topology.py looks, then judges. The live task or job they watch, the history job
whose queue must go, and the queue the broker must have (which 3.1 asks too) are shared steps, in common_steps.py."""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context

from support import rabbitmq_topology as topology
from support.live import job_subject


@when("the broker's exchanges are listed")
def step_list_exchanges(context: Context) -> None:
    context.world.exchanges = context.world.broker.admin.exchanges()


@then('the only exchange besides the broker\'s own is "{name}"')
def step_only_exchange(context: Context, name: str) -> None:
    topology.check_only_custom_exchange(context.world.exchanges, name)


@when('the exchange "{name}" is looked up')
def step_look_up_exchange(context: Context, name: str) -> None:
    context.world.exchange = topology.exchange_lookup(context.world, name)


@then('it is a "{kind}" exchange')
def step_exchange_type(context: Context, kind: str) -> None:
    topology.check_exchange_type(context.world.exchange, kind)


@then("it is durable")
def step_exchange_durable(context: Context) -> None:
    topology.check_exchange_durable(context.world.exchange)


@given("Focus Server's commands are watched on every exchange of the broker")
def step_watch_commands(context: Context) -> None:
    context.world.watch = topology.watch_commands_everywhere(context.world)


@then('its region-of-interest command arrives through "{exchange}"')
def step_roi_through(context: Context, exchange: str) -> None:
    world = context.world
    topology.check_arrived(topology.await_roi(world, world.watch, world.subject, exchange))


@then('a keepalive command arrives through "{exchange}"')
def step_keepalive_through(context: Context, exchange: str) -> None:
    topology.check_arrived(topology.await_keepalive(context.world, context.world.watch, exchange))


@then('no command of Focus Server\'s arrives through any exchange but "{exchange}"')
def step_no_command_elsewhere(context: Context, exchange: str) -> None:
    topology.check_no_command_elsewhere(topology.all_commands(context.world, context.world.watch), exchange)


@then('its region-of-interest command carries the routing key "{key}"')
def step_roi_key(context: Context, key: str) -> None:
    roi = topology.check_arrived(topology.await_roi(context.world, context.world.watch, context.world.subject))
    topology.check_routing_key([roi], "roi", key)


@then('its keepalive commands carry the routing key "{key}"')
def step_keepalive_key(context: Context, key: str) -> None:
    awaited = topology.await_keepalive(context.world, context.world.watch)
    topology.check_routing_key([topology.check_arrived(awaited), *awaited.deliveries], "keepalive", key)


@when("Focus Server's connections to the broker are looked up")
def step_focus_server_footprint(context: Context) -> None:
    context.world.footprint = topology.footprint(context.world)


@then("Focus Server consumes from no queue")
def step_consumes_nothing(context: Context) -> None:
    topology.check_consumes_nothing(context.world.footprint)


@then("no queue is exclusive to Focus Server's connections")
def step_owns_no_queue(context: Context) -> None:
    topology.check_owns_no_queue(context.world.footprint)


@then('the broker has no queue "{name}"')
def step_queue_absent(context: Context, name: str) -> None:
    topology.check_queue_absent(topology.queue_lookup(context.world, name))


@then('while it runs, a queue named after it with a suffix is bound to "{exchange}"')
def step_subject_queue(context: Context, exchange: str) -> None:
    topology.check_subject_queue(topology.subject_queue(context.world, context.world.subject, exchange))


@given('its queue, named after it with a suffix, is bound to "{exchange}"')
def step_job_queue_bound(context: Context, exchange: str) -> None:
    context.world.subject = job_subject(context.world.stream_job.configured)  # the history job of common_steps.py
    context.world.queue = topology.check_subject_queue(
        topology.subject_queue(context.world, context.world.subject, exchange)
    )


@then("its queue is gone once the job has ended")
def step_job_queue_gone(context: Context) -> None:
    world = context.world
    topology.check_queue_gone(world.queue, topology.queue_went(world, world.queue), world.times.waits.queue_gone_s)
