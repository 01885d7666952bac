"""Where the target is, from the environment only (the `FOCUS_*` variables of the contract)."""

from __future__ import annotations

import base64
import warnings
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from urllib3.exceptions import InsecureRequestWarning

# How long a job's gRPC stream may take to accept its first connection: a real job's pod needs seconds (its own
# tests allow 30 s for "channel ready"). The preflight and the scenarios both wait this long (FOCUS_GRPC_READY_S).
GRPC_READY_S = 30.0


class Target(StrEnum):
    STAND = "stand"  # the embedded stand, started for the run
    EXTERNAL = "external"  # a deployment named by the FOCUS_* variables as given


ApiSetting = Literal["auto", "task", "job", "both"]


class Settings(BaseSettings):
    """The target of a run. Secrets are `SecretStr` so that they never print by accident."""

    model_config = SettingsConfigDict(env_prefix="FOCUS_", extra="ignore")

    target: Target = Field(default=Target.STAND, validation_alias=AliasChoices("TARGET", "FOCUS_TARGET"))
    base_url: str = ""
    amqp_url: SecretStr = SecretStr("")
    rabbitmq_api_url: str = ""
    rabbitmq_api_user: str | None = None
    rabbitmq_api_password: SecretStr | None = None
    verify_tls: bool = True
    ca_bundle: Path | None = None
    history_from: datetime = datetime(2025, 1, 1, tzinfo=UTC)
    history_to: datetime = datetime(2025, 12, 31, tzinfo=UTC)
    # Clause 2.1: the limit under test and how far from it an ending may fall (reported with each result).
    stream_limit_s: float = 180.0
    stream_tolerance_s: float = 3.0
    http_timeout_s: float = 30.0
    grpc_ready_s: float = GRPC_READY_S
    # How long the suite waits for what a real deployment paces by itself (defaults: the stand, a default RabbitMQ).
    # A wait that runs out is a failed check (or, in set-up, a precondition not met); raise these for a slower target.
    task_ready_s: float = 30.0  # a configured task's metadata to answer 201 (its consumer runs)
    management_lag_s: float = 20.0  # the management API to list a connection (statistics lag behind the broker)
    keepalive_s: float = 20.0  # a polled task's keepalive command to arrive (its period is the target's choice)
    queue_gone_s: float = 20.0  # a job's queue to go after the job ended (the contract gives no figure)
    # Which APIs the target offers (support/shape.py): auto = ask it before the first scenario.
    api: ApiSetting = "auto"
    # How long the Smart Recorder and a live stream are listened to (FOCUS_LISTEN_S): 3 s by default and in the
    # quick profile; the nightly profile listens a minute, so that a source falling silent after a few seconds,
    # or a stream that stalls while open, is seen.
    listen_s: float = 3.0

    @model_validator(mode="after")
    def _management_credentials_default_to_amqp(self) -> Settings:
        # The URL carries them percent-encoded (`p%40ss`); the management API wants them as they are (`p@ss`).
        amqp = urlsplit(self.amqp_url.get_secret_value())
        if self.rabbitmq_api_user is None and amqp.username:
            self.rabbitmq_api_user = unquote(amqp.username)
        if self.rabbitmq_api_password is None and amqp.password:
            self.rabbitmq_api_password = SecretStr(unquote(amqp.password))
        return self

    @property
    def tls_verify(self) -> bool | str:
        """What `requests` takes as `verify`: a CA bundle path, or on/off.

        Pass it with every request (`verify=`), never only as `Session.verify`: requests lets the environment's
        REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's setting, which would silently ignore
        FOCUS_CA_BUNDLE and FOCUS_VERIFY_TLS=false.
        """
        if self.ca_bundle:
            return str(self.ca_bundle)
        if not self.verify_tls:
            # Switched off on purpose by FOCUS_VERIFY_TLS (shown in the report's environment): one warning per
            # request on stderr would bury the run's own output.
            warnings.simplefilter("ignore", InsecureRequestWarning)
        return self.verify_tls

    def secrets(self) -> list[str]:
        """Every secret value of these settings, in every form it may take on the wire, for masking.

        A password as the URL carries it (percent-encoded) and as it is, and the `Authorization: Basic` value made
        of it; the longest first, so that a secret holding another is masked whole.
        """
        found: set[str] = set()
        for url in (self.amqp_url.get_secret_value(), self.base_url):
            parts = urlsplit(url)
            if parts.password:
                found |= {parts.password, unquote(parts.password)}
                found.add(_basic(unquote(parts.username or ""), unquote(parts.password)))
        if self.rabbitmq_api_password:
            password = self.rabbitmq_api_password.get_secret_value()
            if password:
                found |= {password, quote(password, safe=""), _basic(self.rabbitmq_api_user or "", password)}
        return sorted((s for s in found if s), key=len, reverse=True)

    def public_view(self) -> dict[str, str]:
        """The settings as they may appear in a report: URLs without their passwords."""
        return {
            "target": self.target.value,
            "base_url": mask_url(self.base_url),
            "amqp_url": mask_url(self.amqp_url.get_secret_value()),
            "rabbitmq_api_url": mask_url(self.rabbitmq_api_url),
            "rabbitmq_api_user": self.rabbitmq_api_user or "",
            "verify_tls": str(self.tls_verify),
            "history_window": f"{self.history_from.isoformat()} .. {self.history_to.isoformat()}",
            "stream_limit_s": f"{self.stream_limit_s:g}",
            "stream_tolerance_s": f"{self.stream_tolerance_s:g}",
            "grpc_ready_s": f"{self.grpc_ready_s:g}",
            "waits_s": (
                f"task_ready {self.task_ready_s:g}, management_lag {self.management_lag_s:g}, "
                f"keepalive {self.keepalive_s:g}, queue_gone {self.queue_gone_s:g}"
            ),
            "api_setting": self.api,
            "listen_s": f"{self.listen_s:g}",
        }


def _basic(user: str, password: str) -> str:
    """The value of an `Authorization: Basic` header for these credentials (without the scheme word)."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def mask_url(url: str) -> str:
    """`amqp://user:secret@host/` → `amqp://user:***@host/`."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
