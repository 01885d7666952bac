"""What the report says about the run's target and tools: versions, broker, settings with every secret masked."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import requests

from support.errors import MalformedAnswer, TargetUnreachable
from support.rabbit_admin import RabbitAdmin
from support.settings import Settings
from tools.common.layout import ROOT

PROBE_TIMEOUT_S = 3.0


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def allure_version(root: Path = ROOT) -> str:
    try:
        return json.loads((root / "node_modules" / "allure" / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "not installed"


def suite_commit(root: Path = ROOT) -> str:
    """The checkout's commit: git's word, else the CI's (GITHUB_SHA: a runner may check out without git on PATH)."""
    try:
        command = ["git", "rev-parse", "--short", "HEAD"]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, encoding="utf-8")
    except OSError:  # no git on PATH (the Windows runner needs Python alone)
        done = None
    if done is not None and done.returncode == 0:
        return done.stdout.strip()
    return os.environ.get("GITHUB_SHA", "")[:7] or "unknown"


def tool_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "behave": _package_version("behave"),
        "allure_behave": _package_version("allure-behave"),
        "allure_report": allure_version(),
        "suite_commit": suite_commit(),
    }


def probe_target(settings: Settings) -> dict[str, str]:
    """The Focus Server software version and the broker's, asked of the target itself; "unknown" if it won't say."""
    found = {"focus_server_sw_version": "unknown", "broker": "unknown"}
    verify = settings.tls_verify
    if settings.base_url:
        try:
            answer = requests.get(f"{settings.base_url}/live_metadata", timeout=PROBE_TIMEOUT_S, verify=verify)
            found["focus_server_sw_version"] = str(answer.json().get("sw_version", "unknown"))
        except (requests.RequestException, ValueError, AttributeError):
            pass
    if settings.rabbitmq_api_url:
        # The suite's own client: it knows whether the setting already ends in /api, and masks what it reports.
        try:
            overview = RabbitAdmin(settings, timeout_s=PROBE_TIMEOUT_S).overview()
            found["broker"] = f"RabbitMQ {overview.rabbitmq_version or '?'} (Erlang {overview.erlang_version or '?'})"
        except (TargetUnreachable, MalformedAnswer):
            pass
    return found


def run_identity(now: datetime | None = None) -> dict[str, str]:
    """When the run started (UTC) and an id for it, shown in every run header (tools/verdicts/run_header.py)."""
    now = now or datetime.now(UTC)
    return {"run_started": now.strftime("%Y-%m-%d %H:%M:%S UTC"), "run_id": f"{now:%Y%m%d-%H%M%S}-{os.getpid()}"}


def masked(settings: Settings, values: dict[str, str]) -> dict[str, str]:
    """Every value with every secret of the settings replaced by ***: belt and braces over `public_view()`."""
    secrets = settings.secrets()
    out = {}
    for key, value in values.items():
        for secret in secrets:
            value = value.replace(secret, "***")
        out[key] = value
    return out


def environment(
    settings: Settings, *, profile: str, stand_fault: str | None = None, probe: bool = True
) -> dict[str, str]:
    """The report's environment block: target settings (public view), versions, broker; `probe=False` asks the
    target nothing (one that did not answer the preflight), its versions then "unknown"."""
    values = {"profile": profile, **run_identity(), **settings.public_view()}
    if settings.target.value == "stand":
        values["stand_fault"] = stand_fault or "none"
    values.update(probe_target(settings) if probe else {"focus_server_sw_version": "unknown", "broker": "unknown"})
    values.update(tool_versions())
    values["host"] = platform.node()
    values["ci"] = "yes" if os.environ.get("CI") else "no"
    return masked(settings, values)
