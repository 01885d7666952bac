"""`up` and `down`: a stand as a detached background process, named by an env file."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stand.info import StandInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
UP_TIMEOUT_S = 60.0
DOWN_TIMEOUT_S = 40.0
LOG_FILE = "stand.log"
READY_FILE = "ready.json"


class StandFailed(RuntimeError):
    pass


def up(run_args: list[str], env_file: Path, child_env: dict[str, str]) -> StandInfo:
    """Start `python -m stand run` detached, wait until it says everything answers, write the env file."""
    state_dir = Path(tempfile.mkdtemp(prefix="focus-stand-"))
    ready = state_dir / READY_FILE
    env = {**os.environ, **child_env}
    env.setdefault("STAND_BROKER_PASSWORD", secrets.token_hex(12))  # passed by environment, never on a command line
    with open(state_dir / LOG_FILE, "ab") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stand",
                "run",
                "--state-dir",
                str(state_dir),
                "--ready-file",
                str(ready),
                *run_args,
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # detached: its own session and process group
        )
    deadline = time.monotonic() + UP_TIMEOUT_S
    while not ready.exists():
        if proc.poll() is not None:
            tail = _tail(state_dir / LOG_FILE)
            shutil.rmtree(state_dir, ignore_errors=True)
            raise StandFailed(f"the stand exited with {proc.returncode} while starting:\n{tail}")
        if time.monotonic() > deadline:
            _terminate(proc.pid, state_dir)
            raise StandFailed(f"the stand was not ready within {UP_TIMEOUT_S:g} s")
        time.sleep(0.05)
    info = StandInfo(**json.loads(ready.read_text()))
    ready.unlink()  # it holds the password; the env file is the one place for it now
    write_env_file(env_file, info)
    return info


def write_env_file(env_file: Path, info: StandInfo) -> None:
    env_file.write_text("\n".join(info.env_lines()) + "\n")
    env_file.chmod(0o600)


def read_env_file(env_file: Path) -> dict[str, str]:
    values = {}
    for line in env_file.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def down(env_file: Path, keep_logs: Path | None = None) -> None:
    """Stop exactly what `up` started: the stand process (which stops its broker), then anything left over."""
    values = read_env_file(env_file)
    pid = int(values["STAND_PID"])
    state_dir = Path(values["STAND_STATE_DIR"])
    _terminate(pid, state_dir)
    if keep_logs is not None and (state_dir / LOG_FILE).exists():
        keep_logs.mkdir(parents=True, exist_ok=True)
        shutil.copy(state_dir / LOG_FILE, keep_logs / LOG_FILE)
    if state_dir.name.startswith("focus-stand-"):
        shutil.rmtree(state_dir, ignore_errors=True)


def _is_our_stand(pid: int, state_dir: Path) -> bool:
    """True while `pid` is alive and is the stand of `state_dir` (a reused pid is someone else's)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z" and str(state_dir) in cmdline


def _terminate(pid: int, state_dir: Path) -> None:
    if _is_our_stand(pid, state_dir):
        os.kill(pid, signal.SIGTERM)  # the stand stops its servers, actors and broker itself
        deadline = time.monotonic() + DOWN_TIMEOUT_S
        while _is_our_stand(pid, state_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _is_our_stand(pid, state_dir):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    from stand.broker import kill_leftovers  # imported here: `up` must not wait for pika and requests to load

    kill_leftovers(state_dir / "broker")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""
