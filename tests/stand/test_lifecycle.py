"""`up` is ready in under 15 s, several stands run side by side, the actors survive a broker restart,
and `down` leaves no process, port or directory behind."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from polls import until
from stand_wire import Probe, StandHandle, stand_cli

from stand.control import read_env_file

UP_BUDGET_S = 15.0
RECOVERY_BUDGET_S = 10.0


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_up_ready_in_budget_restart_recovers_and_down_leaves_nothing() -> None:
    env_file = Path(tempfile.mkdtemp(prefix="stand-life-")) / "stand.env"
    started = time.monotonic()
    done = stand_cli("up", "--env-file", str(env_file))
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    env = read_env_file(env_file)
    handle = StandHandle(env_file, env)
    state_dir = Path(env["STAND_STATE_DIR"])
    pids = json.loads((state_dir / "broker" / "node.json").read_text())["pids"]
    ports = [urlsplit(env[key]).port for key in ("FOCUS_BASE_URL", "FOCUS_RABBITMQ_API_URL", "FOCUS_AMQP_URL")]
    try:
        # 15 s on this 2-core machine when it is ours; when others load it, the budget grows with the load
        # (measured over the same minute), so that the test judges the stand and not the neighbours.
        budget = UP_BUDGET_S * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
        assert took < budget, f"up took {took:.1f} s (budget {budget:.1f} s at load {os.getloadavg()[0]:.1f})"
        # Everything answers at once after `up`.
        assert handle.get("/ack").status_code == 200
        assert handle.api("overview")["rabbitmq_version"]
        assert "focus-server" in [c["client_properties"].get("connection_name") for c in handle.connections()]
        # A broker restart: the actors come back by themselves.
        restarted = stand_cli("restart-broker", "--env-file", str(env_file))
        assert restarted.returncode == 0, restarted.stderr
        back = time.monotonic()
        with Probe(env["FOCUS_AMQP_URL"], [("prisma", "recorder.data.#")]) as probe:
            until(lambda: len(probe.messages) > 0, "recorder data after the restart", RECOVERY_BUDGET_S)
        actors = {"interrogator", "smart-recorder", "baby-analyzer", "focus-server"}

        def reconnected() -> bool:
            return actors <= {c["client_properties"].get("connection_name") for c in handle.connections()}

        # One budget for the whole recovery, counted from the restart's end.
        until(reconnected, f"all of {sorted(actors)} connected again", RECOVERY_BUDGET_S - (time.monotonic() - back))
    finally:
        down = stand_cli("down", "--env-file", str(env_file))
    assert down.returncode == 0, down.stderr
    assert not state_dir.exists()
    assert not _alive(int(env["STAND_PID"]))
    assert not [pid for pid in pids.values() if pid and _alive(pid)]
    assert not [port for port in ports if port_is_open(port)]
    shutil.rmtree(env_file.parent)


def test_two_stands_side_by_side_have_their_own_everything(stands: object, stand: StandHandle) -> None:
    other = stands.up("second", "--stream-limit", "8")
    try:
        mine, theirs = stand.env, other.env
        for key in ("FOCUS_BASE_URL", "FOCUS_AMQP_URL", "FOCUS_RABBITMQ_API_URL", "STAND_STATE_DIR"):
            assert mine[key] != theirs[key]
        assert other.get("/ack").status_code == 200 and stand.get("/ack").status_code == 200
    finally:
        stands.down(other)
