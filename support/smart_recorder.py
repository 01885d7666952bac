"""Clause 3.1, the Smart Recorder's protocol: its data heard on the broker through `prisma` by probe queues of our
own (it speaks AMQP only; we never consume its queues)."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from support.amqp_probe import Delivery, Watch, topic_matches
from support.clauses import FIGURES
from support.evidence import Shown
from support.times import RECORDER_ALLOWANCE_S
from support.waiting import monotonic

if TYPE_CHECKING:
    from support.world import World

DATA_PATTERN = "recorder.data.*"
ANY_PATTERN = "recorder.#"  # the Smart Recorder's traffic when listening on other exchanges: anything `recorder.`
# The contract: "at least once a second"; the allowance (the publisher's timer, the network) is part of the verdict.
MAX_SILENCE_S = FIGURES["recorder_every_s"]


def watch_on(world: World, exchange: str, pattern: str) -> Watch:
    watch = Watch.on(world.broker.probe, exchange, pattern)
    world.evidence.keep(watch)
    return watch


def watch_everywhere(world: World) -> Watch:
    watch = Watch.everywhere(world.broker.probe, world.broker.admin, ANY_PATTERN)
    world.evidence.keep(watch)
    return watch


@dataclass(frozen=True)
class RecorderObservation:
    """What the Smart Recorder published during an observation window (monotonic seconds)."""

    started_at: float
    ended_at: float
    deliveries: tuple[Delivery, ...]

    def data(self, pattern: str = DATA_PATTERN, exchange: str | None = "prisma") -> list[Delivery]:
        """The deliveries a topic exchange would route with `pattern`, through `exchange` (any, when None)."""
        return [
            d
            for d in self.deliveries
            if topic_matches(pattern, d.routing_key) and (exchange is None or d.exchange == exchange)
        ]

    def keys_seen(self) -> dict[str, int]:
        return dict(Counter(f"{d.exchange or '(default)'}: {d.routing_key}" for d in self.deliveries))

    def silences(self, pattern: str = DATA_PATTERN) -> list[float]:
        """Gaps between consecutive data deliveries, including from the window's start and to its end."""
        times = [self.started_at, *(d.arrived_at for d in self.data(pattern)), self.ended_at]
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    def shown(self) -> list[Shown]:
        return [Shown("Smart Recorder messages by exchange and routing key", "json", self.keys_seen())]


def observe(world: World, watch: Watch, seconds: float) -> RecorderObservation:
    """Read for a whole window; the observation holds what arrived in it, and its rate and longest silence."""
    begin = monotonic()
    deliveries = watch.observe(seconds)
    observation = RecorderObservation(begin, monotonic(), tuple(d for d in deliveries if d.arrived_at >= begin))
    world.evidence.keep(observation)
    arrivals = [d.arrived_at for d in observation.data()]
    if len(arrivals) >= 2:
        rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if arrivals[-1] > arrivals[0] else 0.0
        silence = max(later - earlier for earlier, later in itertools.pairwise(arrivals))
        world.evidence.metric("rate", "Smart Recorder messages a second", rate, "msg/s", MAX_SILENCE_S, better="higher")
        limit = MAX_SILENCE_S + RECORDER_ALLOWANCE_S
        world.evidence.metric("silence", "Smart Recorder's longest silence", silence, "s", limit)
    return observation


def check_data_arrives(observation: RecorderObservation, pattern: str, exchange: str) -> None:
    window = observation.ended_at - observation.started_at
    assert observation.data(pattern, exchange), (
        f"no Smart Recorder message with a routing key matching {pattern!r} arrived through {exchange!r} in "
        f"{window:.1f} s; routing keys heard: {observation.keys_seen() or 'none'}"
    )


def check_at_least_once_a_second(observation: RecorderObservation) -> None:
    longest, limit = max(observation.silences()), MAX_SILENCE_S + RECORDER_ALLOWANCE_S
    assert longest <= limit, (
        f"the Smart Recorder was silent for {longest:.2f} s (limit: once a second, {MAX_SILENCE_S:g} s + "
        f"{RECORDER_ALLOWANCE_S:g} s allowance); {len(observation.data())} messages in "
        f"{observation.ended_at - observation.started_at:.1f} s"
    )


def check_nothing_elsewhere(observation: RecorderObservation, exchange: str) -> None:
    elsewhere = [d for d in observation.deliveries if d.exchange != exchange and d.routing_key.startswith("recorder.")]
    assert not elsewhere, (
        f"Smart Recorder messages arrived through exchanges other than {exchange!r}: "
        f"{dict(Counter(f'{d.exchange}: {d.routing_key}' for d in elsewhere))}"
    )
