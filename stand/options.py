"""The stand's settings: command-line options first, then `STAND_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stand.catalogue import CATALOGUES, catalogue_path
from stand.faults import SHAPES, check_fault
from stand.timing import StandTiming

DEFAULT_RECORDINGS = CATALOGUES["default"]


class StandSettings(BaseSettings):
    """Everything one stand needs. Secrets are `SecretStr` so that they never end up in a log line."""

    model_config = SettingsConfigDict(env_prefix="STAND_", extra="ignore")

    fault: str | None = None
    api: str = "both"  # the shape: task, job (the production server's six routes) or both
    stream_limit_s: float = Field(default=180.0, gt=0)
    recordings: Path = DEFAULT_RECORDINGS
    # Private broker (the default): a node of our own with this user.
    broker_user: str = "focus"
    broker_password: SecretStr | None = None  # random when unset
    # Existing broker instead (all three URLs/credentials from the options or the environment).
    amqp_url: SecretStr | None = None
    rabbitmq_api_url: str | None = None
    rabbitmq_api_user: str | None = None
    rabbitmq_api_password: SecretStr | None = None
    # Lifetimes: a job nobody connects to ends after a share of the limit (StandTiming); an idle task after this.
    task_idle_ttl_s: float = 120.0

    @property
    def timing(self) -> StandTiming:
        return StandTiming(self.stream_limit_s)

    @field_validator("api")
    @classmethod
    def _known_shape(cls, value: str) -> str:
        if value not in SHAPES:
            raise ValueError(f"unknown API shape {value!r}; known: {', '.join(SHAPES)}")
        return value

    @field_validator("recordings", mode="before")
    @classmethod
    def _catalogue(cls, value: str | Path) -> Path:
        return catalogue_path(value)  # a catalogue's name (default, contract, continuous) or a file

    @field_validator("fault")
    @classmethod
    def _known_fault(cls, value: str | None) -> str | None:
        return check_fault(value or None)

    @property
    def uses_external_broker(self) -> bool:
        return self.amqp_url is not None
