"""Steps of clause 3.1, the Smart Recorder: heard over AMQP on probe queues of the suite's own, then judged. Glue only:
support/smart_recorder.py listens and judges (the interrogator's queue is looked up by a step of common_steps.py)."""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context

from support import smart_recorder as recorder


@given('the Smart Recorder\'s messages are watched on "{exchange}" with the routing key pattern "{pattern}"')
def step_watch_recorder(context: Context, exchange: str, pattern: str) -> None:
    context.world.watch = recorder.watch_on(context.world, exchange, pattern)


@given("the Smart Recorder's messages are watched on every exchange of the broker")
def step_watch_recorder_everywhere(context: Context) -> None:
    context.world.watch = recorder.watch_everywhere(context.world)


@when("the Smart Recorder is listened to for the listening window")
def step_listen(context: Context) -> None:
    world = context.world
    world.observation = recorder.observe(world, world.watch, world.times.listen_s)


@then('Smart Recorder messages arrive through "{exchange}" with routing keys matching "{pattern}"')
def step_data_arrives(context: Context, exchange: str, pattern: str) -> None:
    recorder.check_data_arrives(context.world.observation, pattern, exchange)


@then("they arrive at least once a second")
def step_once_a_second(context: Context) -> None:
    recorder.check_at_least_once_a_second(context.world.observation)


@then('no Smart Recorder message arrives through any exchange but "{exchange}"')
def step_nothing_elsewhere(context: Context, exchange: str) -> None:
    recorder.check_nothing_elsewhere(context.world.observation, exchange)
