"""Before a run: does every part of the target answer? If not, one clear line names the part and its address.

Forty scenarios failing with tracebacks say less than one line such as
`Target unreachable: RabbitMQ management API at http://127.0.0.1:15672 (401 Unauthorized)`.
Timeouts are short, so that a dead target ends the run within seconds. Secrets never appear (`mask_url`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import requests

from support.amqp_probe import BrokerUnreachable, connect
from support.rabbit_admin import RabbitAdmin, http_reason
from support.settings import Settings, mask_url

PREFLIGHT_TIMEOUT_S = 4.0


class Part(Enum):
    """A part of the target, and the exit code of a run that it stopped (so that a caller can tell which)."""

    REST = ("Focus Server REST", 11)
    AMQP = ("RabbitMQ AMQP", 12)
    MANAGEMENT = ("RabbitMQ management API", 13)

    def __init__(self, title: str, exit_code: int) -> None:
        self.title = title
        self.exit_code = exit_code


@dataclass(frozen=True)
class Unreachable:
    part: Part
    address: str
    reason: str

    @property
    def line(self) -> str:
        return f"Target unreachable: {self.part.title} at {self.address} ({self.reason})"


def check_target(settings: Settings, timeout_s: float = PREFLIGHT_TIMEOUT_S) -> Unreachable | None:
    """Ask each part once: REST `GET /ack`, an AMQP connection, management `GET /api/overview` with the credentials.

    Returns the first part that does not answer as it should, or None when all do.
    """
    checks: list[tuple[Part, str, Callable[[], str | None]]] = [
        (Part.REST, settings.base_url or "<unset: FOCUS_BASE_URL>", lambda: _rest(settings, timeout_s)),
        (
            Part.AMQP,
            mask_url(settings.amqp_url.get_secret_value()) or "<unset: FOCUS_AMQP_URL>",
            lambda: _amqp(settings, timeout_s),
        ),
        (
            Part.MANAGEMENT,
            mask_url(settings.rabbitmq_api_url) or "<unset: FOCUS_RABBITMQ_API_URL>",
            lambda: _management(settings, timeout_s),
        ),
    ]
    for part, address, check in checks:
        reason = check()
        if reason is not None:
            return Unreachable(part, address, reason)
    return None


def _rest(settings: Settings, timeout_s: float) -> str | None:
    if not settings.base_url:
        return "not configured"
    try:
        response = requests.get(settings.base_url.rstrip("/") + "/ack", timeout=timeout_s, verify=settings.tls_verify)
    except requests.RequestException as error:
        return http_reason(error)
    if response.status_code != 200:
        return f"GET /ack answered {response.status_code} {response.reason}"
    return None


def _amqp(settings: Settings, timeout_s: float) -> str | None:
    try:
        connection = connect(settings, connection_name="focus-acceptance-preflight", timeout_s=timeout_s)
    except BrokerUnreachable as error:
        return error.reason
    connection.close()
    return None


def _management(settings: Settings, timeout_s: float) -> str | None:
    if not settings.rabbitmq_api_url:
        return "not configured"
    admin = RabbitAdmin(settings, timeout_s=timeout_s)
    try:
        response = admin.session.get(admin.root + "/overview", timeout=timeout_s)
    except requests.RequestException as error:
        return http_reason(error)
    if response.status_code != 200:
        return f"{response.status_code} {response.reason}"
    return None
