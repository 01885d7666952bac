"""The broker as one scenario sees it (`Broker`): the management API (`support.rabbit_admin`), and an AMQP probe
(`support.amqp_probe`) opened on first use. The one client of the RabbitMQ clauses, 1.1, 1.2 and 3.1.

Everything opened here is registered with the scenario's cleanup (behave's `context.add_cleanup`), so that nothing
outlives the scenario; what was seen is handed to the evidence hook (`evidence()`). Besides, what those clauses all
do on the broker: watch exchanges through probe queues (`Watch`: Focus Server's commands for §1, the Smart
Recorder's data for §3), and look a queue up (`assert_queue_exists`: 1.2's recorder_input, 3.1's interrogator_input).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from support.amqp_probe import AmqpProbe, Delivery, ProbeQueue
from support.evidence import attach_json
from support.rabbit_admin import Queue, RabbitAdmin
from support.settings import Settings
from support.waiting import monotonic

_DELIVERIES_KEPT = 300  # as evidence: the last ones, which are the ones a failure is about


@dataclass
class Broker:
    settings: Settings
    add_cleanup: Callable[[Callable[[], object]], None]  # runs the function when the scenario ends
    admin: RabbitAdmin = field(init=False)
    _probe: AmqpProbe | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.admin = RabbitAdmin(self.settings)

    @property
    def probe(self) -> AmqpProbe:
        """The scenario's AMQP probe, connected on first use and closed (its queues deleted) after the scenario."""
        if self._probe is None:
            probe = AmqpProbe(self.settings)
            probe.open()
            self.add_cleanup(probe.close)
            self._probe = probe
        return self._probe

    def evidence(self) -> dict[str, Any]:
        """What the scenario saw on the broker: management API calls and the deliveries its probe received."""
        seen: dict[str, Any] = {}
        calls = self.admin.drain_calls()
        if calls:
            seen["management API"] = calls
        if self._probe is not None:
            deliveries = self._probe.deliveries
            seen["AMQP probe"] = {
                "probe_queues": [q.binding for q in self._probe.queues],
                "deliveries_received": len(deliveries),
                "deliveries_kept": [d.as_evidence() for d in deliveries[-_DELIVERIES_KEPT:]],
            }
        return seen


# -- what the clauses of the broker all do on it -----------------------------------------------------------------


def queue_names(admin: RabbitAdmin, containing: str = "") -> list[str]:
    """The vhost's queues (those whose name holds `containing`), for a message that says what the broker has."""
    return sorted(q.name for q in admin.queues() if containing in q.name)


def assert_queue_exists(broker: Broker, name: str) -> Queue | None:
    """A passive declare of `name` succeeds (nothing is created); returns the management API's view of it."""
    described = broker.admin.queue(name)
    assert broker.probe.queue_exists(name), (
        f"the broker has no queue {name!r} (passive declare: NOT_FOUND); queues it has: {queue_names(broker.admin)}"
    )
    return described


@dataclass
class Watch:
    """Probe queues on one or several exchanges, and what they received."""

    probe: AmqpProbe
    queues: list[ProbeQueue] = field(default_factory=list)
    unheard: dict[str, str] = field(default_factory=dict)  # exchange -> why no probe listens to it
    started_at: float = field(default_factory=monotonic)

    @classmethod
    def on(cls, probe: AmqpProbe, exchange: str, pattern: str) -> Watch:
        return cls(probe, [probe.listen(exchange, pattern)])

    @classmethod
    def everywhere(
        cls, probe: AmqpProbe, admin: RabbitAdmin, pattern: str = "#", direct_keys: Iterable[str] = ()
    ) -> Watch:
        """A probe queue on every exchange of the vhost that a probe can hear.

        topic: `pattern`; fanout: everything; headers: `{}` arguments (match everything); direct: each of
        `direct_keys`. Not heard: the default exchange (it routes to named queues only, and we consume none),
        internal exchanges and the broker's tracing/logging exchanges.
        """
        watch = cls(probe)
        for exchange in admin.exchanges():
            name, kind = exchange.name, exchange.type
            if name == "":
                watch.unheard["(default)"] = "routes straight to named queues, which the suite never consumes"
            elif exchange.internal or name.startswith("amq.rabbitmq."):
                watch.unheard[name] = "internal to the broker"
            elif kind == "topic":
                watch.queues.append(probe.listen(name, pattern))
            elif kind == "fanout":
                watch.queues.append(probe.listen(name, ""))
            elif kind == "headers":
                watch.queues.append(probe.listen(name, "", arguments={}))
            elif kind == "direct" and direct_keys:
                watch.queues.extend(probe.listen(name, key) for key in direct_keys)
            else:
                watch.unheard[name] = f"a {kind} exchange cannot be bound with a wildcard"
        watch.started_at = monotonic()
        attach_json(
            "exchanges watched",
            {"heard": [q.binding for q in watch.queues], "not heard (and why)": watch.unheard},
        )
        return watch

    @property
    def deliveries(self) -> list[Delivery]:
        mine = {q.name for q in self.queues}
        return [d for d in self.probe.deliveries if d.probe_queue in mine]

    def observe(self, seconds: float, activity: Callable[[], None] | None = None) -> list[Delivery]:
        """Keep reading for a whole window of `seconds`; return what arrived since the watch began."""
        self.probe.collect_for(seconds, activity=activity)
        return self.deliveries

    def wait(self, found: Callable[[list[Delivery]], Delivery | None], *, reason: str, timeout_s: float) -> Delivery:
        def attempt(_: list[Delivery]) -> Delivery | None:
            return found(self.deliveries)

        return self.probe.collect(attempt, reason=reason, timeout_s=timeout_s)
