"""The broker as one scenario sees it: the management API, and an AMQP probe opened on first use.

Everything opened here is registered with the scenario's cleanup (behave's `context.add_cleanup`), so that nothing
outlives the scenario; what was seen is handed to the evidence hook (`evidence()`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from support.amqp_probe import AmqpProbe
from support.rabbit_admin import RabbitAdmin
from support.settings import Settings

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
