"""Does this machine reach the target at all (the QA runner's VPN check)? A ping of its host, then `GET …/ack` (any
answer will do); neither: `::error title=VPN NOT CONNECTED::…` and exit 2, so that no run starts for nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3

from support.settings import FILE_VARIABLE, NAME_VARIABLE, SettingsError, load_settings, mask_url

TIMEOUT_S = 4.0  # a host inside the network answers a ping or a GET within it, or the VPN is down


def ping(host: str, timeout_s: float = TIMEOUT_S) -> str | None:
    """None when the host answers one ping, else why not. Windows' ping counts in milliseconds, others' in seconds."""
    wait = ["-n", "1", "-w", str(int(timeout_s * 1000))] if os.name == "nt" else ["-c", "1", "-W", str(int(timeout_s))]
    try:
        done = subprocess.run(
            ["ping", *wait, host], capture_output=True, timeout=timeout_s + 2, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return type(error).__name__
    return None if done.returncode == 0 else "no answer"


def ack(base_url: str, timeout_s: float = TIMEOUT_S) -> str | None:
    """None when anything answers `GET {base_url}/ack` (any status: the network reaches it), else why not."""
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # -k, as the team's curl: reachability only
    try:
        requests.get(f"{base_url.rstrip('/')}/ack", timeout=timeout_s, verify=False)
    except requests.RequestException as error:
        return type(error).__name__
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", metavar="NAME", help="a deployment by its name in the environments YAML")
    parser.add_argument("--environments", type=Path, metavar="FILE", help="the environments YAML")
    args = parser.parse_args(argv)
    os.environ.update({NAME_VARIABLE: args.env} if args.env else {})
    os.environ.update({FILE_VARIABLE: str(args.environments.resolve())} if args.environments else {})
    try:
        base_url = load_settings().base_url
    except SettingsError as error:
        print(f"bad setting: {error}")
        return 2
    if not base_url:
        print("no target: --env NAME, or FOCUS_BASE_URL (README.md)")
        return 2
    host, shown = urlsplit(base_url).hostname or "", mask_url(base_url)
    pinged, acked = ping(host), ack(base_url)
    print(f"ping {host}: {pinged or 'answers'}\nGET {shown}/ack: {acked or 'answers'}")
    if pinged is None or acked is None:
        print("the target is reachable: the run's preflight checks each of its parts")
        return 0
    why = f"this runner reaches neither {host} (ping: {pinged}) nor {shown}/ack ({acked}): is the VPN connected?"
    if os.environ.get("GITHUB_ACTIONS"):
        print(f"::error title=VPN NOT CONNECTED::{why}")
    print(f"VPN NOT CONNECTED: {why}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
