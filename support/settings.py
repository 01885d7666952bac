"""Where the target is: the `FOCUS_*` variables of the contract, or a deployment by the QA team's name
(`FOCUS_ENV=staging` reads `environments.staging` of `FOCUS_ENVIRONMENTS_FILE`, default config/environments.yaml:
`focus_server`, `rabbitmq`, and `acceptance` for any FOCUS_* setting). A variable of the environment wins over the
file; passwords come from the environment only (one in the file is ignored with a warning). A bad value is a
`SettingsError` of one line: the variable, what is wrong, what is accepted. Secrets are `SecretStr`; `secrets()`
gives every form of each for masking."""

from __future__ import annotations

import base64
import contextlib
import os
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

import yaml
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from urllib3.exceptions import InsecureRequestWarning

from support.errors import BrokenEnvironment
from support.times import CLAUSE_LIMIT_S, WAIT_NAMES, Times, Waits

NAME_VARIABLE = "FOCUS_ENV"  # a deployment by its name …
FILE_VARIABLE = "FOCUS_ENVIRONMENTS_FILE"  # … in this file
DEFAULT_FILE = Path("config") / "environments.yaml"


class Target(StrEnum):
    STAND = "stand"  # the embedded stand, started for the run
    EXTERNAL = "external"  # a deployment named by the FOCUS_* variables or by its name


# What each setting accepts, in the words of the one line a bad value gets.
SECONDS = "a number of seconds above 0"
BOOLEAN = "true or false (also 1/0, yes/no, on/off)"
INSTANT = "an ISO 8601 instant, e.g. 2025-10-01T00:00:00Z"


class SettingsError(BrokenEnvironment):
    """A setting the suite cannot take; its message is the one line to print (exit 2, before anything starts)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOCUS_", extra="ignore")

    target: Target = Field(Target.STAND, validation_alias=AliasChoices("TARGET", "FOCUS_TARGET"))
    base_url: str = Field(
        "", description="the Focus Server's REST base with its scheme, e.g. https://host/focus-server"
    )
    amqp_url: SecretStr = Field(
        SecretStr(""), description="the broker's URL with its scheme, e.g. amqp://user@host/%2F"
    )
    amqp_password: SecretStr | None = Field(None, description="the broker's password")  # put into the URL
    rabbitmq_api_url: str = Field("", description="the management API's root with its scheme, e.g. http://host:15672")
    rabbitmq_api_user: str | None = None
    rabbitmq_api_password: SecretStr | None = None
    # Xray's secret is no setting of the target: here so that it is masked like the others wherever text goes.
    xray_client_secret: SecretStr | None = Field(None, validation_alias="XRAY_CLIENT_SECRET")
    verify_tls: bool = Field(True, description=BOOLEAN)
    ca_bundle: Path | None = Field(None, description="the path of a CA bundle file")
    history_from: datetime = Field(datetime(2025, 1, 1, tzinfo=UTC), description=f"{INSTANT}, before FOCUS_HISTORY_TO")
    history_to: datetime = Field(datetime(2025, 12, 31, tzinfo=UTC), description=f"{INSTANT}, after FOCUS_HISTORY_FROM")
    stream_limit_s: float = Field(CLAUSE_LIMIT_S, gt=0, description=f"{SECONDS} (default 180)")
    stream_tolerance_s: float | None = Field(
        None, ge=0, description="a number of seconds, 0 or more"
    )  # unset: 3 s at 180
    timeouts: Waits = Field(default_factory=Waits)  # each wait by its own FOCUS_<NAME> (support/times.py)
    api: Literal["auto", "task", "job", "both"] = Field("auto", description="auto, task, job or both")
    profile: Literal["quick", "nightly"] = Field(
        "quick", description="quick or nightly"
    )  # FOCUS_PROFILE, by the runner
    listen_s: float | None = Field(None, gt=0, description=SECONDS)  # unset: 3 s quick, a minute at 180 s nightly
    # Each job of a real server holds a GPU slot: at most this many of the run's alive at once (support/jobs.py).
    max_jobs: int = Field(10, ge=1, description="a whole number of jobs, 1 or more (default 10)")
    job_slots_dir: Path | None = Field(None, description="a folder the run's processes share")
    # Pictures of the data (FOCUS_PICTURES): the mutation matrix turns them off, its runs only decide kills.
    pictures: bool = Field(True, description=BOOLEAN)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        **_: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env file, no secrets folder: the environment (a wait by its own FOCUS_<NAME>), then the deployment.
        return init_settings, env_settings, _WaitsSource(settings_cls), _DeploymentSource(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _waits_into_their_context(cls, data: Any) -> Any:
        # A wait given by its own name (FOCUS_QUEUE_SHOWS_S, a YAML key, `Settings(http_timeout_s=5)`) is a field of
        # `timeouts`, below what `timeouts=` gives.
        if isinstance(data, dict) and (flat := {name: data.pop(name) for name in WAIT_NAMES if name in data}):
            nested = data.get("timeouts") or {}
            data["timeouts"] = {**flat, **(nested.model_dump() if isinstance(nested, Waits) else dict(nested))}
        return data

    @field_validator("base_url", "rabbitmq_api_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        _require_scheme(url, ("http", "https"))
        return url

    @field_validator("amqp_url")
    @classmethod
    def _amqp_url(cls, url: SecretStr) -> SecretStr:
        _require_scheme(url.get_secret_value(), ("amqp", "amqps"))
        return url

    @model_validator(mode="after")
    def _complete(self) -> Settings:
        if self.history_from >= self.history_to:
            raise ValueError(
                f"FOCUS_HISTORY_FROM ({self.history_from.isoformat()}) is not before FOCUS_HISTORY_TO "
                f"({self.history_to.isoformat()}); accepted: a search window whose start comes before its end"
            )
        url = self.amqp_url.get_secret_value()
        if self.amqp_password is not None and url:  # a URL without a password (the team's YAML keeps none)
            scheme, _, rest = url.partition("://")
            userinfo, at, address = rest.rpartition("@")
            user = userinfo.partition(":")[0] if at else ""
            url = f"{scheme}://{user}:{quote(self.amqp_password.get_secret_value(), safe='')}@{address}"
            self.amqp_url = SecretStr(url)
        # The management API's credentials default to the URL's, which carries them percent-encoded.
        if self.rabbitmq_api_user is None and (user := urlsplit(url).username):
            self.rabbitmq_api_user = unquote(user)
        if self.rabbitmq_api_password is None and (password := _url_password(url)):
            self.rabbitmq_api_password = SecretStr(unquote(password))
        return self

    @property
    def tls_verify(self) -> bool | str:
        """What `requests` takes as `verify`. Pass it with every request, never only as `Session.verify`: requests
        lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's, ignoring FOCUS_CA_BUNDLE and FOCUS_VERIFY_TLS."""
        if self.ca_bundle:
            return str(self.ca_bundle)
        if not self.verify_tls:  # switched off on purpose (shown in the report): no warning per request
            warnings.simplefilter("ignore", InsecureRequestWarning)
        return self.verify_tls

    def secrets(self) -> list[str]:
        """Every secret value in every form it may take on the wire, longest first (a secret holding another is
        masked whole): a password as a URL carries it and as it is (one with `/`, `#` or `?` too), percent-encoded,
        and the `Authorization: Basic` value made of it; the Xray secret."""
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
            if secret is not None and (value := secret.get_secret_value()):
                found |= {value, quote(value, safe=""), _basic(user, value)}
        return sorted((s for s in found if s), key=len, reverse=True)

    def mask(self, text: str) -> str:
        """`text` with every secret replaced by ***."""
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text

    def with_timeouts(self, **waits: float) -> Settings:
        """These settings with some waits changed (the preflight's short ones)."""
        return self.model_copy(update={"timeouts": self.timeouts.model_copy(update=waits)})

    def public_view(self) -> dict[str, str]:
        """The settings as they may appear in a report: URLs without their passwords, every duration in force."""
        times = Times.of(self)
        return {
            "target": self.target.value,
            "base_url": mask_url(self.base_url),
            "amqp_url": mask_url(self.amqp_url.get_secret_value()),
            "rabbitmq_api_url": mask_url(self.rabbitmq_api_url),
            "rabbitmq_api_user": self.rabbitmq_api_user or "",
            "verify_tls": str(self.tls_verify),
            "history_window": f"{self.history_from.isoformat()} .. {self.history_to.isoformat()}",
            "stream_limit_s": f"{self.stream_limit_s:g}",
            "stream_tolerance_s": f"{times.tolerance_s:g}",
            "timeouts_s": ", ".join(f"{name.removesuffix('_s')} {value:g}" for name, value in times.in_force().items()),
            "api_setting": self.api,
            "listen_s": f"{times.listen_s:g}",
        }


class _WaitsSource(PydanticBaseSettingsSource):
    """Each wait by its own variable, `FOCUS_<NAME>` (`FOCUS_QUEUE_SHOWS_S=30`)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ gives the whole mapping at once

    def __call__(self) -> dict[str, Any]:
        found = {name: os.environ.get(f"FOCUS_{name.upper()}") for name in WAIT_NAMES}
        return {name: value for name, value in found.items() if value not in (None, "")}


class _DeploymentSource(PydanticBaseSettingsSource):
    """The deployment FOCUS_ENV names, below the environment's own FOCUS_* variables."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        name = os.environ.get(NAME_VARIABLE)
        if not name:
            return {}
        variables, _ = read_deployment(name, environments_file())
        found = {k if k == "TARGET" else k.removeprefix("FOCUS_").lower(): v for k, v in variables.items()}
        return {"TARGET": Target.EXTERNAL.value, **found}


def environments_file(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the environments YAML is: `FOCUS_ENVIRONMENTS_FILE`, else `config/environments.yaml`."""
    return Path(environ.get(FILE_VARIABLE) or DEFAULT_FILE)


def read_deployment(name: str, path: Path) -> tuple[dict[str, str], list[str]]:
    """The deployment `name` of the YAML at `path` as FOCUS_* variables (never a password), and its warnings."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(
            f"{path}: no such file (the environments YAML: --environments or {FILE_VARIABLE})"
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SettingsError(f"{path}: not a readable YAML file ({first})") from None
    environments = document.get("environments") if isinstance(document, dict) else None
    if not isinstance(environments, dict):
        raise SettingsError(f"{path}: no `environments:` mapping at the top (the team's shape)")
    entry = environments.get(name)
    if not isinstance(entry, dict):
        known = ", ".join(sorted(str(key) for key in environments)) or "none"
        raise SettingsError(f"{path}: no environment {name!r} (it has: {known})")
    return _variables(entry, f"{path}: environments.{name}")


def _section(entry: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    section = entry.get(key) or {}
    if not isinstance(section, dict):
        raise SettingsError(f"{where}.{key}: a mapping was expected, not {type(section).__name__}")
    return section


def _secret(key: object) -> bool:
    return "password" in str(key).lower() or "secret" in str(key).lower()


def _variables(entry: dict[str, Any], where: str) -> tuple[dict[str, str], list[str]]:
    focus, rabbitmq, acceptance = (_section(entry, key, where) for key in ("focus_server", "rabbitmq", "acceptance"))
    variables: dict[str, str] = {}
    if focus.get("base_url"):
        variables["FOCUS_BASE_URL"] = str(focus["base_url"]).rstrip("/")
    if "verify_ssl" in focus:
        variables["FOCUS_VERIFY_TLS"] = "true" if focus["verify_ssl"] else "false"
    if rabbitmq.get("host"):
        variables |= _broker(rabbitmq)
    warned = [
        f"{where}.{section}.{key} is ignored: passwords come from the environment only "
        "(FOCUS_AMQP_PASSWORD, FOCUS_RABBITMQ_API_PASSWORD)"
        for section, values in (("rabbitmq", rabbitmq), ("focus_server", focus), ("acceptance", acceptance))
        for key in values
        if _secret(key)
    ]
    for key, value in acceptance.items():
        if _secret(key):
            continue
        if isinstance(value, dict | list):
            raise SettingsError(f"{where}.acceptance.{key}: a single value was expected")
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)  # YAML reads a timestamp as datetime
        variables[f"FOCUS_{str(key).upper()}"] = ("true" if value else "false") if isinstance(value, bool) else text
    return variables, warned


def _broker(rabbitmq: dict[str, Any]) -> dict[str, str]:
    """The broker's addresses without a password: `amqp://user@host:5672/%2F` and the management API's root."""
    host, tls, user = str(rabbitmq["host"]), bool(rabbitmq.get("ssl")), str(rabbitmq.get("username") or "")
    port = rabbitmq.get("ssl_port", 5671) if tls else rabbitmq.get("port", 5672)
    userinfo = f"{quote(user, safe='')}@" if user else ""
    vhost = quote(str(rabbitmq.get("vhost", "/")), safe="")
    variables = {"FOCUS_AMQP_URL": f"{'amqps' if tls else 'amqp'}://{userinfo}{host}:{port}/{vhost}"}
    if rabbitmq.get("management_port"):
        scheme = "https" if rabbitmq.get("management_ssl") else "http"
        variables["FOCUS_RABBITMQ_API_URL"] = f"{scheme}://{host}:{rabbitmq['management_port']}"
    if user:
        variables["FOCUS_RABBITMQ_API_USER"] = user
    return variables


def _require_scheme(url: str, schemes: tuple[str, ...]) -> None:
    scheme, separator, rest = url.partition("://")
    if url and (not separator or scheme.lower() not in schemes or not rest):
        raise ValueError(f"no {' or '.join(schemes)} scheme")


def _url_password(url: str) -> str | None:
    """The password of a URL's userinfo: everything between the user's `:` and the last `@`, parsable or not."""
    _, separator, rest = url.partition("://")
    userinfo, at, _ = rest.rpartition("@")
    _, colon, password = userinfo.partition(":")
    return password if separator and at and colon and password else None


def _url_credentials(url: str) -> list[tuple[str, str]]:
    """The user and password a URL carries, as `urlsplit` reads them and as the userinfo up to the last `@` holds
    them (a password with `/`, `#` or `?` ends urlsplit's netloc early)."""
    found = []
    with contextlib.suppress(ValueError):
        parts = urlsplit(url)
        if parts.password:
            found.append((parts.username or "", parts.password))
    if password := _url_password(url):
        found.append((url.partition("://")[2].rpartition("@")[0].partition(":")[0], password))
    return found


def _basic(user: str, password: str) -> str:
    """The value of an `Authorization: Basic` header for these credentials (without the scheme word)."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def mask_url(url: str) -> str:
    """`amqp://user:secret@host/` → `amqp://user:***@host/`, whatever characters the password holds."""
    if not _url_password(url):
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
    wrong = str(problem["msg"]).removeprefix("Value error, ")
    wrong = wrong[:1].lower() + wrong[1:]
    if loc[:1] == ["timeouts"] and len(loc) > 1:  # a wait: read from its own FOCUS_<NAME>
        field = Waits.model_fields.get(loc[1])
        accepted = f"{SECONDS}, the wait for {field.description}" if field is not None else SECONDS
        return f"FOCUS_{loc[1].upper()}={problem.get('input')!r}: {wrong}; accepted: {accepted}"
    field = Settings.model_fields.get(loc[0] if loc else "")
    if field is None:  # a check of the whole model: its message says it all
        return str(problem["msg"]).removeprefix("Value error, ")
    name = loc[0]
    variable = "TARGET" if name == "target" else f"FOCUS_{name.upper()}"
    if name == "xray_client_secret":
        variable = "XRAY_CLIENT_SECRET"
    shown = "(not shown: a secret)" if field.annotation in (SecretStr, SecretStr | None) else repr(problem.get("input"))
    return f"{variable}={shown}: {wrong}; accepted: {field.description or 'see README.md'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once: for its entry points (environment.py, the commands), never inside support/."""
    return load_settings()
