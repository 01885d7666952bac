"""Where the target is, from the environment only (the `FOCUS_*` variables of the contract)."""

from __future__ import annotations

import base64
import contextlib
import os
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import quote, unquote, urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from urllib3.exceptions import InsecureRequestWarning

from support import deployments, timeouts
from support.errors import BrokenEnvironment
from support.timeouts import Timeouts

# Clause 2.1's stream limit. Every duration that is a share of the limit is written below for these 180 s and scales
# with the limit under test (FOCUS_STREAM_LIMIT_S): a stand with a 20 s limit proves the same checks red in a ninth
# of the time (the mutation matrix), while the nightly waits out the real 180 s.
CLAUSE_LIMIT_S = 180.0


@dataclass(frozen=True)
class Timing:
    """Every duration the suite uses that is no wait, in one place (a test fails on a time literal anywhere else):
    the waits are the timeout context's (support/timeouts.py, `settings.timeouts`).

    Shares of the stream limit are methods of the limit under test (`at_limit`); the rest are fixed figures of the
    wire (poll intervals) or of the clarifications (a recorder message at least once a second, §4's examples).
    """

    limit_s: float

    # -- fixed: how the clients poll -------------------------------------------------------------------------------
    poll_s: ClassVar[float] = 0.5  # a wait's pause between two probes
    fast_poll_s: ClassVar[float] = 0.2  # … where the answer is expected within seconds (queues, connections)
    read_slice_s: ClassVar[float] = 0.1  # one read of a probe's socket blocks at most this long (less on a delivery)
    transient_tries: ClassVar[int] = 3  # … up to this many times in all (a busy broker's stats database times out)
    # -- fixed: figures of the clarifications and of the contract --------------------------------------------------
    recorder_silence_s: ClassVar[float] = 1.0  # 3.1: the Smart Recorder publishes "at least once a second"
    recorder_silence_allowance_s: ClassVar[float] = 0.25  # the broker's own delivery jitter on top of that
    quick_listen_s: ClassVar[float] = 3.0  # the listening window of the quick profile
    # -- fixed: the clarifications' gap thresholds (§4's sample code) ----------------------------------------------
    # Clause 4.2's continuity threshold ("threshold_ms=2000"); also how far a recording's first/last row may sit from
    # its edge, since rows are only promised once per covered second.
    continuity_ms: ClassVar[int] = 2000
    sample_gap_threshold_ms: ClassVar[int] = 5000  # find_temporal_gaps' own default
    # -- fixed: the clarifications' §4 examples (the task API's windows; searched for in the catalogue) -------------
    minute_s: ClassVar[int] = 60
    hole_over_s: ClassVar[int] = 60  # 4.3: a hole is more than a minute ("threshold_ms=60000")
    example_hole_s: ClassVar[int] = 300  # 10:05-10:10
    example_side_s: ClassVar[int] = 300  # 10:00-10:05 before it, 10:10-10:15 after it
    example_window_s: ClassVar[int] = 1800  # 10:00-10:30
    middle_lead_s: ClassVar[int] = 600  # 10:00-10:10 before the recording in the middle
    covered_window_s: ClassVar[int] = 900  # a window covered completely: up to 15 minutes …
    covered_min_s: ClassVar[int] = 600  # … and at least 10
    task_covered_s: ClassVar[int] = 600  # the task API's covered window where a shape is searched for by clause
    empty_window_s: ClassVar[int] = 3600  # 4.1's window without any recording
    outage_s: ClassVar[int] = 3600  # a hole this long is an outage between two windows, not a hole in one
    min_side_s: ClassVar[int] = 10  # the least recorded time on each side of a hole
    # How far a window keeps from recordings it must not hold, and the least uncovered time before/after a recording
    # that a start-only or middle-only window must show (so that "nothing after" can be observed at all).
    window_margin_s: ClassVar[int] = 60
    # How far a window's end keeps from the next recording (the catalogue counts whole seconds; rows may lie 2 s off).
    window_edge_s: ClassVar[int] = 2

    def at_limit(self, seconds: float, floor: float = 0.0) -> float:
        """`seconds` as written for the clause's 180 s limit, scaled to the limit under test, never below `floor`
        (what the wire or the machine needs whatever the limit: a connection, a poll, a broker's statistics)."""
        return max(seconds * self.limit_s / CLAUSE_LIMIT_S, floor)

    # -- shares of the stream limit (the feature files say them at 180 s) ------------------------------------------
    @property
    def tolerance_s(self) -> float:
        """How far from the limit a server's ending may fall: 3 s at 180 s."""
        return self.at_limit(3.0, floor=1.0)

    @property
    def nightly_listen_s(self) -> float:
        """The nightly's listening window: a minute at 180 s, long enough to see a source fall silent."""
        return self.at_limit(60.0, floor=5.0)

    @property
    def job_slot_wait_s(self) -> float:
        """How long a scenario waits for one of the run's job slots (FOCUS_MAX_JOBS): a slot comes free when a
        scenario holding one ends, and none holds its jobs much longer than the limit (6 minutes at 180 s)."""
        return self.at_limit(360.0, floor=60.0)

    @property
    def deadline_margin_s(self) -> float:
        """Our own deadline lies this far past the limit, so that any ending before it is the server's."""
        return self.at_limit(30.0, floor=10.0)

    def scaled(self, seconds: float) -> float:
        """A figure of a feature file written at 180 s ("10 seconds before the stream limit", "gone within 60 s"),
        at the limit under test; never below 2 s, a figure the stand's own pace (0.1 s frames) easily resolves."""
        return self.at_limit(seconds, floor=min(seconds, 2.0))


@dataclass(frozen=True)
class Sizes:
    """Window sizes as shares of the stream limit (history over gRPC plays at recording pace)."""

    stream_limit_s: float
    near_limit_room_s: ClassVar[float] = 4.0

    @property
    def budget_s(self) -> int:
        """The most recorded data one job-API window holds: two thirds of the limit (120 s of 180)."""
        return max(2, int(self.stream_limit_s * 2 / 3))

    @property
    def side_s(self) -> int:
        """A side: recorded time beside an edge, or uncovered time after/before a recording (60 s of 180)."""
        return max(1, int(self.stream_limit_s / 3))

    @property
    def clear_s(self) -> int:
        """Uncovered time a smallest shape needs beside a recording: a side, and the edge to the next one."""
        return self.side_s + Timing.window_edge_s

    # -- clause 2.1's history windows (uninterrupted recorded time) --

    @property
    def short_history_s(self) -> int:
        """Recorded data that runs out long before the limit: a sixtieth of it (3 s of 180), at least 1 s."""
        return max(1, int(self.stream_limit_s / 60))

    @property
    def near_limit_history_s(self) -> int:
        """A little less recorded data than the limit: 17/18 of it (170 s of 180), and at a short limit at least
        `near_limit_room_s` less, room for a server's pace to show without a sound stream meeting the limit."""
        return int(self.stream_limit_s - max(self.stream_limit_s / 18, self.near_limit_room_s))

    @property
    def outlasting_history_s(self) -> int:
        """More recorded data than the limit, by a third of it (240 s of 180)."""
        return int(self.stream_limit_s * 4 / 3)


class Target(StrEnum):
    STAND = "stand"  # the embedded stand, started for the run
    EXTERNAL = "external"  # a deployment named by the FOCUS_* variables as given


ApiSetting = Literal["auto", "task", "job", "both"]

# What each setting accepts, in the words of the one line a bad value gets (`SettingsError`): the variable, what is
# wrong with its value, and this.
SECONDS = "a number of seconds above 0"
BOOLEAN = "true or false (also 1/0, yes/no, on/off)"
INSTANT = "an ISO 8601 instant, e.g. 2025-10-01T00:00:00Z"


class Settings(BaseSettings):
    """The target of a run. Secrets are `SecretStr` so that they never print by accident.

    Read from the `FOCUS_*` variables, and below them from the deployment that `FOCUS_ENV` names in the team's
    environments YAML (support/deployments.py); passwords from the environment only.
    """

    model_config = SettingsConfigDict(env_prefix="FOCUS_", extra="ignore")

    target: Target = Field(
        default=Target.STAND,
        validation_alias=AliasChoices("TARGET", "FOCUS_TARGET"),
        description="stand or external",
    )
    base_url: str = Field(
        "", description="the Focus Server's REST base with its scheme, e.g. https://host/focus-server"
    )
    amqp_url: SecretStr = Field(
        SecretStr(""), description="the broker's URL with its scheme, e.g. amqp://user@host/%2F"
    )
    # The broker's password, when the URL carries none (a deployment read from the team's YAML): put into the URL.
    amqp_password: SecretStr | None = Field(None, description="the broker's password")
    rabbitmq_api_url: str = Field("", description="the management API's root with its scheme, e.g. http://host:15672")
    rabbitmq_api_user: str | None = None
    rabbitmq_api_password: SecretStr | None = None
    # Xray's secret is no setting of the target; it is here so that it is masked like the others wherever text goes.
    xray_client_secret: SecretStr | None = Field(None, validation_alias="XRAY_CLIENT_SECRET")
    verify_tls: bool = Field(True, description=BOOLEAN)
    ca_bundle: Path | None = Field(None, description="the path of a CA bundle file")
    history_from: datetime = Field(datetime(2025, 1, 1, tzinfo=UTC), description=f"{INSTANT}, before FOCUS_HISTORY_TO")
    history_to: datetime = Field(datetime(2025, 12, 31, tzinfo=UTC), description=f"{INSTANT}, after FOCUS_HISTORY_FROM")
    # Clause 2.1: the limit under test and how far from it an ending may fall (reported with each result).
    stream_limit_s: float = Field(CLAUSE_LIMIT_S, gt=0, description=f"{SECONDS} (default 180)")
    # unset: Timing.tolerance_s, 3 s at a 180 s limit
    stream_tolerance_s: float | None = Field(None, ge=0, description="a number of seconds, 0 or more")
    # Every wait, one named field each (support/timeouts.py), each read from FOCUS_<NAME> (FOCUS_TASK_READY_S=60).
    timeouts: Timeouts = Field(default_factory=Timeouts)
    # Which APIs the target offers (support/shape.py): auto = ask it before the first scenario.
    api: ApiSetting = Field("auto", description="auto, task, job or both")
    # The profile of the run (FOCUS_PROFILE, set by the nightly runner), and how long the Smart Recorder and a live
    # stream are listened to (FOCUS_LISTEN_S): unset, 3 s in the quick profile; the nightly listens a minute at the
    # 180 s limit (a share of the limit), so that a source falling silent after a few seconds, or a stream that
    # stalls while open, is seen.
    profile: Literal["quick", "nightly"] = Field("quick", description="quick or nightly")
    listen_s: float | None = Field(None, gt=0, description=SECONDS)
    # Light on the deployment: each job of the real server holds a GPU slot, and the night run shares the server
    # with its users. At most this many jobs of the run alive at once (support/job_slots.py); a scenario waits for a
    # slot rather than fails. The folder is the run's, shared by its behave processes (set by the runner).
    max_jobs: int = Field(10, ge=1, description="a whole number of jobs, 1 or more (default 10)")
    job_slots_dir: Path | None = Field(None, description="a folder the run's processes share")
    # Pictures of the data in the report (FOCUS_PICTURES). The mutation matrix turns them off: its runs only decide
    # kills, and drawing costs each behave process matplotlib's import (0.8 s of CPU) on a machine the matrix fills.
    pictures: bool = Field(True, description=BOOLEAN)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env file and no secrets folder: the environment (each wait by its own FOCUS_<NAME>), and below it the
        # deployment FOCUS_ENV names.
        return init_settings, env_settings, TimeoutsSource(settings_cls), DeploymentSource(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _waits_into_the_timeout_context(cls, data: Any) -> Any:
        # A wait given by its own name (FOCUS_QUEUE_SHOWS_S, a YAML key, `Settings(http_timeout_s=5)`) is a field of
        # the timeout context: nested here, below what `timeouts=` gives.
        if not isinstance(data, dict):
            return data
        flat = {name: data.pop(name) for name in timeouts.NAMES if name in data}
        nested = data.get("timeouts") or {}
        if flat:
            given = nested.model_dump() if isinstance(nested, Timeouts) else dict(nested)
            data["timeouts"] = {**flat, **given}
        return data

    @property
    def timing(self) -> Timing:
        return Timing(self.stream_limit_s)

    @field_validator("base_url", "rabbitmq_api_url")
    @classmethod
    def _http_url(cls, url: str, info: ValidationInfo) -> str:
        _require_scheme(url, ("http", "https"))
        return url

    @field_validator("amqp_url")
    @classmethod
    def _amqp_url(cls, url: SecretStr) -> SecretStr:
        _require_scheme(url.get_secret_value(), ("amqp", "amqps"))
        return url

    @model_validator(mode="after")
    def _history_in_order(self) -> Settings:
        if self.history_from >= self.history_to:
            raise ValueError(
                f"FOCUS_HISTORY_FROM ({self.history_from.isoformat()}) is not before FOCUS_HISTORY_TO "
                f"({self.history_to.isoformat()}); accepted: a search window whose start comes before its end"
            )
        return self

    @model_validator(mode="after")
    def _shares_of_the_limit(self) -> Settings:
        timing = self.timing
        if self.stream_tolerance_s is None:
            self.stream_tolerance_s = timing.tolerance_s
        if self.listen_s is None:
            self.listen_s = timing.nightly_listen_s if self.profile == "nightly" else timing.quick_listen_s
        return self

    @model_validator(mode="after")
    def _password_into_the_url(self) -> Settings:
        # A URL without a password (the team's YAML keeps none) takes FOCUS_AMQP_PASSWORD, percent-encoded.
        url = self.amqp_url.get_secret_value()
        if self.amqp_password is not None and url:
            password = self.amqp_password.get_secret_value()
            scheme, _, rest = url.partition("://")
            userinfo, at, address = rest.rpartition("@")
            user = userinfo.partition(":")[0] if at else ""
            self.amqp_url = SecretStr(f"{scheme}://{user}:{quote(password, safe='')}@{address}")
        return self

    @model_validator(mode="after")
    def _management_credentials_default_to_amqp(self) -> Settings:
        # The URL carries them percent-encoded (`p%40ss`); the management API wants them as they are (`p@ss`).
        amqp = urlsplit(self.amqp_url.get_secret_value())
        if self.rabbitmq_api_user is None and amqp.username:
            self.rabbitmq_api_user = unquote(amqp.username)
        if self.rabbitmq_api_password is None and _url_password(self.amqp_url.get_secret_value()):
            self.rabbitmq_api_password = SecretStr(unquote(_url_password(self.amqp_url.get_secret_value()) or ""))
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

        Found by value, whatever characters they hold: a password as the URL carries it and as it is (also one
        with `/`, `#` or `?` that makes the URL unparsable), percent-encoded, and the `Authorization: Basic` value
        made of it; the Xray secret. The longest first, so that a secret holding another is masked whole.
        """
        found: set[str] = set()
        for url in (self.amqp_url.get_secret_value(), self.base_url):
            for user, password in _url_credentials(url):
                found |= {password, unquote(password), quote(unquote(password), safe="")}
                found.add(_basic(unquote(user), unquote(password)))
        for secret, user in (
            (self.rabbitmq_api_password, self.rabbitmq_api_user or ""),
            (self.amqp_password, ""),
            (self.xray_client_secret, ""),
        ):
            value = secret.get_secret_value() if secret is not None else ""
            if value:
                found |= {value, quote(value, safe=""), _basic(user, value)}
        return sorted((s for s in found if s), key=len, reverse=True)

    def with_timeouts(self, **waits: float) -> Settings:
        """These settings with some waits changed (the preflight's short ones)."""
        return self.model_copy(update={"timeouts": self.timeouts.model_copy(update=waits)})

    def waits(self) -> dict[str, float]:
        """Every wait in force: the timeout context's, and the shares of the stream limit at the limit under test."""
        timing = self.timing
        shares = {
            "stream_tolerance_s": self.stream_tolerance_s or timing.tolerance_s,
            "deadline_margin_s": timing.deadline_margin_s,
            "listen_s": self.listen_s or timing.quick_listen_s,
            "job_slot_wait_s": timing.job_slot_wait_s,
        }
        return {**self.timeouts.in_force(), **shares}

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
            "timeouts_s": ", ".join(f"{name.removesuffix('_s')} {value:g}" for name, value in self.waits().items()),
            "api_setting": self.api,
            "listen_s": f"{self.listen_s:g}",
        }


class TimeoutsSource(PydanticBaseSettingsSource):
    """Each wait of the timeout context by its own variable, `FOCUS_<NAME>` (`FOCUS_QUEUE_SHOWS_S=30`)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ gives the whole mapping at once

    def __call__(self) -> dict[str, Any]:
        found = {name: os.environ.get(f"FOCUS_{name.upper()}") for name in timeouts.NAMES}
        return {name: value for name, value in found.items() if value not in (None, "")}


class DeploymentSource(PydanticBaseSettingsSource):
    """The deployment `FOCUS_ENV` names, read from the environments YAML (support/deployments.py), below the
    environment's own `FOCUS_*` variables. A deployment that cannot be read is a SettingsError (one line)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ gives the whole mapping at once

    def __call__(self) -> dict[str, Any]:
        name = os.environ.get(deployments.NAME_VARIABLE)
        if not name:
            return {}
        try:
            found = deployments.read_deployment(name, deployments.environments_file())
        except deployments.DeploymentError as error:
            raise SettingsError(str(error)) from None
        values: dict[str, Any] = {}
        for variable, value in found.variables.items():
            values[variable if variable == "TARGET" else variable.removeprefix("FOCUS_").lower()] = value
        return {"TARGET": Target.EXTERNAL.value, **values}


class SettingsError(BrokenEnvironment):
    """A setting the suite cannot take. Its message is one line: the variable, what is wrong with its value, and
    what is accepted. A run that meets one ends at once with exit 2 (broken environment), before anything starts."""


def _require_scheme(url: str, schemes: tuple[str, ...]) -> None:
    if not url:
        return
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in schemes or not rest:
        raise ValueError(f"no {' or '.join(schemes)} scheme")


def _url_credentials(url: str) -> list[tuple[str, str]]:
    """The user and password a URL carries: as `urlsplit` reads them, and as the userinfo up to the URL's last
    `@` holds them (a password with `/`, `#` or `?` ends urlsplit's netloc early: it would miss that one)."""
    found = []
    with contextlib.suppress(ValueError):
        parts = urlsplit(url)
        if parts.password:
            found.append((parts.username or "", parts.password))
    password = _url_password(url)
    if password:
        found.append((url.partition("://")[2].rpartition("@")[0].partition(":")[0], password))
    return found


def _url_password(url: str) -> str | None:
    """The password of a URL's userinfo, everything between the user's `:` and the last `@`, parsable or not."""
    _, separator, rest = url.partition("://")
    userinfo, at, _ = rest.rpartition("@")
    if not separator or not at:
        return None
    _, colon, password = userinfo.partition(":")
    return password if colon and password else None


def _basic(user: str, password: str) -> str:
    """The value of an `Authorization: Basic` header for these credentials (without the scheme word)."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def mask_url(url: str) -> str:
    """`amqp://user:secret@host/` → `amqp://user:***@host/`, whatever characters the password holds."""
    password = _url_password(url)
    if not password:
        return url
    scheme, _, rest = url.partition("://")
    userinfo, _, address = rest.rpartition("@")
    return f"{scheme}://{userinfo.partition(':')[0]}:***@{address}"


def load_settings() -> Settings:
    """The settings of the environment, or a SettingsError whose message is the one line to print."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(_one_line(error)) from None


def _one_line(error: ValidationError) -> str:
    """The first problem of a ValidationError as one line: which variable, what is wrong, what is accepted."""
    problem = error.errors(include_url=False)[0]
    loc = [str(part) for part in problem["loc"]]
    if loc[:1] == ["timeouts"] and len(loc) > 1:  # a wait: read from its own FOCUS_<NAME>
        field = Timeouts.model_fields.get(loc[1])
        wrong = str(problem["msg"]).removeprefix("Value error, ")
        accepted = f"{SECONDS}, the wait for {field.description}" if field is not None else SECONDS
        return f"FOCUS_{loc[1].upper()}={problem.get('input')!r}: {wrong[:1].lower()}{wrong[1:]}; accepted: {accepted}"
    name = loc[0] if loc else ""
    field = Settings.model_fields.get(name)
    if field is None:  # a check of the whole model: its message says it all
        return str(problem["msg"]).removeprefix("Value error, ")
    variable = name if name == "TARGET" else f"FOCUS_{name.upper()}"
    if field.validation_alias is not None and name != "target":
        variable = str(getattr(field.validation_alias, "choices", [field.validation_alias])[0])
    secret = field.annotation in (SecretStr, SecretStr | None)
    shown = "(not shown: a secret)" if secret else repr(problem.get("input"))
    wrong = str(problem["msg"]).removeprefix("Value error, ")
    accepted = field.description or "see README.md"
    return f"{variable}={shown}: {wrong[:1].lower()}{wrong[1:]}; accepted: {accepted}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The run's settings (read once). Raises SettingsError, one line, on a value the suite cannot take."""
    return load_settings()
