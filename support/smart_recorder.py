"""Clause 3.1, the Smart Recorder's connection protocol: its data observed on the broker, over AMQP, through `prisma`.

The Smart Recorder speaks AMQP only (no gRPC tap): the suite hears it with a probe queue bound to the exchange,
never through a gRPC stream and never by consuming the recorder's own queues.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from support.amqp_probe import Delivery, topic_matches
from support.rabbitmq import Broker, Watch
from support.settings import Timing
from support.waiting import monotonic

RECORDER_DATA_PATTERN = "recorder.data.*"
# What counts as the Smart Recorder's traffic when listening on other exchanges: anything under `recorder.`.
RECORDER_ANY_PATTERN = "recorder.#"
# The contract: "at least once a second" (Timing.recorder_silence_s). The allowance absorbs the publisher's timer and
# the network; it is part of the verdict and printed with it.
MAX_SILENCE_S = Timing.recorder_silence_s
SILENCE_ALLOWANCE_S = Timing.recorder_silence_allowance_s


def watch_recorder(broker: Broker, exchange: str, pattern: str) -> Watch:
    return Watch.on(broker.probe, exchange, pattern)


def watch_recorder_everywhere(broker: Broker) -> Watch:
    return Watch.everywhere(broker.probe, broker.admin, RECORDER_ANY_PATTERN)


@dataclass
class RecorderObservation:
    """What the Smart Recorder published during an observation window."""

    started_at: float
    ended_at: float
    deliveries: list[Delivery]

    def data(self, pattern: str = RECORDER_DATA_PATTERN, exchange: str | None = "prisma") -> list[Delivery]:
        """The deliveries whose routing key a topic exchange would route with `pattern`, through `exchange`."""
        return [
            d
            for d in self.deliveries
            if topic_matches(pattern, d.routing_key) and (exchange is None or d.exchange == exchange)
        ]

    def keys_seen(self) -> dict[str, int]:
        return dict(Counter(f"{d.exchange or '(default)'}: {d.routing_key}" for d in self.deliveries))

    def silences(self, pattern: str = RECORDER_DATA_PATTERN) -> list[float]:
        """Gaps between consecutive data deliveries, including from the window's start and to its end."""
        times = [self.started_at, *(d.arrived_at for d in self.data(pattern)), self.ended_at]
        return [later - earlier for earlier, later in itertools.pairwise(times)]


def observe(watch: Watch, seconds: float) -> RecorderObservation:
    """Read for a whole window; the observation holds what arrived in it."""
    begin = monotonic()
    deliveries = watch.observe(seconds)
    return RecorderObservation(begin, monotonic(), [d for d in deliveries if d.arrived_at >= begin])


def assert_data_arrives(observation: RecorderObservation, pattern: str, exchange: str) -> None:
    data = observation.data(pattern, exchange)
    window = observation.ended_at - observation.started_at
    assert data, (
        f"no Smart Recorder message with a routing key matching {pattern!r} arrived through {exchange!r} in "
        f"{window:.1f} s; routing keys heard: {observation.keys_seen() or 'none'}"
    )


def assert_at_least_once_a_second(observation: RecorderObservation, pattern: str = RECORDER_DATA_PATTERN) -> None:
    longest = max(observation.silences(pattern))
    limit = MAX_SILENCE_S + SILENCE_ALLOWANCE_S
    assert longest <= limit, (
        f"the Smart Recorder was silent for {longest:.2f} s (limit: once a second, {MAX_SILENCE_S:g} s + "
        f"{SILENCE_ALLOWANCE_S:g} s allowance); {len(observation.data(pattern))} messages in "
        f"{observation.ended_at - observation.started_at:.1f} s"
    )


def assert_nothing_elsewhere(observation: RecorderObservation, exchange: str) -> None:
    elsewhere = [d for d in observation.deliveries if d.exchange != exchange and d.routing_key.startswith("recorder.")]
    assert not elsewhere, (
        f"Smart Recorder messages arrived through exchanges other than {exchange!r}: "
        f"{dict(Counter(f'{d.exchange}: {d.routing_key}' for d in elsewhere))}"
    )
