"""Does this machine reach the target at all? The nightly's first step on the QA team's runner (its VPN check).

    python -m tools.ci.reachability [--env NAME [--environments FILE]]

As the team's own nightly checks its VPN: a ping of the Focus Server's host, then an HTTPS `GET …/ack` (certificate
not checked: this asks whether anything answers, the run's preflight judges the rest). When neither answers, one
GitHub annotation, `::error title=VPN NOT CONNECTED::…`, and exit 2 (a broken environment), so the run is not started
for nothing. The target: `--env NAME` in the environments YAML (support/deployments.py), or FOCUS_BASE_URL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3

from support import deployments
from support.settings import SettingsError, load_settings, mask_url
from support.timeouts import Timeouts
from tools.common.console import plain_text_where_needed

EXIT_UNREACHABLE = 2


def ping(host: str, timeout_s: float = Timeouts().preflight_s) -> str | None:
    """None when the host answers one ping; else why not. Windows' ping counts in milliseconds, others' in seconds."""
    command = shutil.which("ping")
    if command is None:
        return "no ping command here"
    if os.name == "nt":
        count, wait = ["-n", "1"], ["-w", str(int(timeout_s * 1000))]
    else:
        count, wait = ["-c", "1"], ["-W", str(max(1, int(timeout_s)))]
    try:
        done = subprocess.run(
            [command, *count, *wait, host], capture_output=True, timeout=timeout_s + 2, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return type(error).__name__
    return None if done.returncode == 0 else "no answer"


def ack(base_url: str, timeout_s: float = Timeouts().preflight_s) -> tuple[int | None, str]:
    """(the HTTP status of `GET {base_url}/ack`, "") when anything answers (any status: the network reaches it),
    else (None, why not)."""
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # -k, as the team's curl: reachability only
    try:
        answer = requests.get(f"{base_url.rstrip('/')}/ack", timeout=timeout_s, verify=False)
    except requests.RequestException as error:
        return None, type(error).__name__
    return answer.status_code, ""


def check(base_url: str) -> int:
    host = urlsplit(base_url).hostname or ""
    pinged, (status, acked) = ping(host), ack(base_url)
    shown = mask_url(base_url)
    print(f"ping {host}: {'answers' if pinged is None else pinged}")
    print(f"GET {shown}/ack: {f'answers {status}' if status is not None else acked}")
    if pinged is None or status is not None:
        print("the target is reachable: the run's preflight checks each of its parts")
        return 0
    why = f"this runner reaches neither {host} (ping: {pinged}) nor {shown}/ack ({acked}): is the VPN connected?"
    if os.environ.get("GITHUB_ACTIONS"):
        print(f"::error title=VPN NOT CONNECTED::{why}")
    print(f"VPN NOT CONNECTED: {why}")
    return EXIT_UNREACHABLE


def main(argv: Sequence[str] | None = None) -> int:
    plain_text_where_needed()
    parser = argparse.ArgumentParser(description="Does this machine reach the target at all (ping, GET /ack)?")
    parser.add_argument("--env", metavar="NAME", help="a deployment by its name in the environments YAML")
    parser.add_argument("--environments", type=Path, metavar="FILE", help="the environments YAML")
    args = parser.parse_args(argv)
    if args.env:
        os.environ[deployments.NAME_VARIABLE] = args.env
    if args.environments:
        os.environ[deployments.FILE_VARIABLE] = str(args.environments.resolve())
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"bad setting: {error}")
        return EXIT_UNREACHABLE
    if not settings.base_url:
        print("no target: --env NAME, or FOCUS_BASE_URL (README.md)")
        return EXIT_UNREACHABLE
    return check(settings.base_url)


if __name__ == "__main__":
    sys.exit(main())
