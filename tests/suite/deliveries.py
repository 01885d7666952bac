"""Made-up AMQP deliveries, as the probe would have received them, for the judgements of §1 and §3."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from support.amqp_probe import Delivery


def delivery(routing_key: str, body: Any = None, exchange: str = "prisma", at: float = 0.0) -> Delivery:
    return Delivery(exchange, routing_key, body, b"", {}, at, datetime.now(UTC), "amq.gen-x", f"{exchange} #")
