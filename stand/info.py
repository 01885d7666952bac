"""What a started stand tells its caller: a plain record, cheap to import (`up` and `down` load nothing heavy)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StandInfo:
    """What `up` writes to the env file (FOCUS_* for the suite, STAND_* for `down`)."""

    base_url: str
    amqp_url: str
    api_url: str
    api_user: str
    api_password: str
    history_from: str
    history_to: str
    pid: int
    state_dir: str
    fault: str
    stream_limit_s: float
    private_broker: bool
    api: str = "both"  # the REST shape it plays

    def env_lines(self) -> list[str]:
        return [
            f"FOCUS_BASE_URL={self.base_url}",
            f"FOCUS_AMQP_URL={self.amqp_url}",
            f"FOCUS_RABBITMQ_API_URL={self.api_url}",
            f"FOCUS_RABBITMQ_API_USER={self.api_user}",
            f"FOCUS_RABBITMQ_API_PASSWORD={self.api_password}",
            f"FOCUS_HISTORY_FROM={self.history_from}",
            f"FOCUS_HISTORY_TO={self.history_to}",
            f"FOCUS_STREAM_LIMIT_S={self.stream_limit_s:g}",
            f"STAND_PID={self.pid}",
            f"STAND_STATE_DIR={self.state_dir}",
            f"STAND_FAULT={self.fault}",
            f"STAND_API={self.api}",
            f"STAND_PRIVATE_BROKER={'1' if self.private_broker else '0'}",
        ]
