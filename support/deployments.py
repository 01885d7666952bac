"""A deployment by the QA team's name (`--env staging`), read from their environments YAML as `FOCUS_*` settings.

The team keeps its deployments in `config/environments.yaml`, one entry per name:

    environments:
      staging:
        focus_server: {base_url: "https://host/focus-server/", verify_ssl: false}
        rabbitmq: {host: host, port: 5672, management_port: 15672, username: user, vhost: "/"}
        acceptance: {history_from: "2025-10-01T00:00:00Z", task_ready_s: 60}   # optional: any FOCUS_* setting

Their file also holds passwords in clear; this suite takes passwords from the environment only
(`FOCUS_AMQP_PASSWORD`, `FOCUS_RABBITMQ_API_PASSWORD`): a password in the file is ignored, said in one warning that
names its key (never its value), and copied nowhere. A `FOCUS_*` variable already set wins over the file.
Keys the suite has no use for (`name`, `grpc.timeout_seconds`, the client's own gRPC timeout; `constraints`) are
left alone: the stream limit under test stays the clarifications' 180 s unless `acceptance.stream_limit_s` says so.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from support.errors import BrokenEnvironment

# The variables that name a deployment: its name, and the file (default: the team's own path, from the checkout).
NAME_VARIABLE = "FOCUS_ENV"
FILE_VARIABLE = "FOCUS_ENVIRONMENTS_FILE"
DEFAULT_FILE = Path("config") / "environments.yaml"


class DeploymentError(BrokenEnvironment):
    """The deployment cannot be read; its message is the one line to print (the run ends with exit 2)."""


@dataclass(frozen=True)
class Deployment:
    name: str
    path: Path
    variables: dict[str, str]  # FOCUS_* settings, never a password
    warnings: list[str] = field(default_factory=list)


def environments_file(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the environments YAML is: `FOCUS_ENVIRONMENTS_FILE`, else `config/environments.yaml`."""
    return Path(environ.get(FILE_VARIABLE) or DEFAULT_FILE)


def read_deployment(name: str, path: Path) -> Deployment:
    """The deployment `name` of the YAML at `path`, as `FOCUS_*` variables; DeploymentError when it cannot be."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeploymentError(
            f"{path}: no such file (the environments YAML: --environments or {FILE_VARIABLE})"
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DeploymentError(f"{path}: not a readable YAML file ({first})") from None
    environments = document.get("environments") if isinstance(document, dict) else None
    if not isinstance(environments, dict):
        raise DeploymentError(f"{path}: no `environments:` mapping at the top (the team's shape)")
    entry = environments.get(name)
    if not isinstance(entry, dict):
        known = ", ".join(sorted(str(key) for key in environments)) or "none"
        raise DeploymentError(f"{path}: no environment {name!r} (it has: {known})")
    variables, warnings = _variables(entry, f"{path}: environments.{name}")
    return Deployment(name, path, variables, warnings)


def deployment_env(name: str, path: Path) -> dict[str, str]:
    """The `FOCUS_*` variables of deployment `name` (and `TARGET=external`); each warning said once on stderr."""
    deployment = read_deployment(name, path)
    for warning in deployment.warnings:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    return {"TARGET": "external", **deployment.variables}


def _section(entry: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    section = entry.get(key) or {}
    if not isinstance(section, dict):
        raise DeploymentError(f"{where}.{key}: a mapping was expected, not {type(section).__name__}")
    return section


def _variables(entry: dict[str, Any], where: str) -> tuple[dict[str, str], list[str]]:
    focus = _section(entry, "focus_server", where)
    rabbitmq = _section(entry, "rabbitmq", where)
    acceptance = _section(entry, "acceptance", where)
    variables: dict[str, str] = {}
    warnings: list[str] = []
    if focus.get("base_url"):
        variables["FOCUS_BASE_URL"] = str(focus["base_url"]).rstrip("/")
    if "verify_ssl" in focus:
        variables["FOCUS_VERIFY_TLS"] = "true" if focus["verify_ssl"] else "false"
    if rabbitmq.get("host"):
        variables |= _broker(rabbitmq)
    for section, values in (("rabbitmq", rabbitmq), ("focus_server", focus), ("acceptance", acceptance)):
        warnings += [
            f"{where}.{section}.{key} is ignored: passwords come from the environment only "
            "(FOCUS_AMQP_PASSWORD, FOCUS_RABBITMQ_API_PASSWORD)"
            for key in values
            if _secret(key)
        ]
    for key, value in acceptance.items():
        if _secret(key):
            continue
        if isinstance(value, dict | list):
            raise DeploymentError(f"{where}.acceptance.{key}: a single value was expected")
        variables[f"FOCUS_{str(key).upper()}"] = _text(value)
    return variables, warnings


def _secret(key: object) -> bool:
    return "password" in str(key).lower() or "secret" in str(key).lower()


def _broker(rabbitmq: dict[str, Any]) -> dict[str, str]:
    """The broker's addresses without a password: `amqp://user@host:5672/%2F` and the management API's root."""
    host = str(rabbitmq["host"])
    tls = bool(rabbitmq.get("ssl"))
    port = rabbitmq.get("ssl_port", 5671) if tls else rabbitmq.get("port", 5672)
    user = str(rabbitmq.get("username") or "")
    userinfo = f"{quote(user, safe='')}@" if user else ""
    vhost = quote(str(rabbitmq.get("vhost", "/")), safe="")
    variables = {"FOCUS_AMQP_URL": f"{'amqps' if tls else 'amqp'}://{userinfo}{host}:{port}/{vhost}"}
    if rabbitmq.get("management_port"):
        scheme = "https" if rabbitmq.get("management_ssl") else "http"
        variables["FOCUS_RABBITMQ_API_URL"] = f"{scheme}://{host}:{rabbitmq['management_port']}"
    if user:
        variables["FOCUS_RABBITMQ_API_USER"] = user
    return variables


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):  # YAML reads an unquoted timestamp as a datetime
        return value.isoformat()
    return str(value)
