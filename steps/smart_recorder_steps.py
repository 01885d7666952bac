"""Steps of clause 3.1, the Smart Recorder: heard over AMQP on probe queues of the suite's own. Glue only:
support/smart_recorder.py listens and judges (the interrogator's queue is looked up by a step of common_steps.py)."""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context

from support import smart_recorder


@given('the Smart Recorder\'s messages are watched on "{exchange}" with the routing key pattern "{pattern}"')
def step_watch_recorder(context: Context, exchange: str, pattern: str) -> None:
    context.watch = smart_recorder.watch_recorder(context.broker, exchange, pattern)


@given("the Smart Recorder's messages are watched on every exchange of the broker")
def step_watch_recorder_everywhere(context: Context) -> None:
    context.watch = smart_recorder.watch_recorder_everywhere(context.broker)


@when("the Smart Recorder is listened to for the listening window")
def step_listen(context: Context) -> None:
    context.observation = smart_recorder.observe(context.watch, context.settings.listen_s)


@then('Smart Recorder messages arrive through "{exchange}" with routing keys matching "{pattern}"')
def step_data_arrives(context: Context, exchange: str, pattern: str) -> None:
    context.pattern = pattern
    smart_recorder.assert_data_arrives(context.observation, pattern, exchange)


@then("they arrive at least once a second")
def step_once_a_second(context: Context) -> None:
    smart_recorder.assert_at_least_once_a_second(context.observation, context.pattern)


@then('no Smart Recorder message arrives through any exchange but "{exchange}"')
def step_nothing_elsewhere(context: Context, exchange: str) -> None:
    smart_recorder.assert_nothing_elsewhere(context.observation, exchange)
