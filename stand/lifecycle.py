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
from stand.timing import StandTiming

PROJECT_ROOT = Path(__file__).resolve().parent.parent
UP_TIMEOUT_S = StandTiming.up_s
DOWN_TIMEOUT_S = StandTiming.down_s
LOG_FILE = "stand.log"
READY_FILE = "ready.json"


class StandFailed(RuntimeError):
    pass


def up(run_args: list[str], env_file: Path, child_env: dict[str, str], own_vhost: str | None = None) -> StandInfo:
    """Start `python -m stand run` detached, wait until it says everything answers, write the env file.

    `own_vhost`: the stand lives in this vhost of a shared broker, which `down` removes with it."""
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
        time.sleep(StandTiming.spawn_poll_s)
    info = StandInfo(**json.loads(ready.read_text()))
    ready.unlink()  # it holds the password; the env file is the one place for it now
    write_env_file(env_file, info, own_vhost)
    return info


def write_env_file(env_file: Path, info: StandInfo, own_vhost: str | None = None) -> None:
    lines = info.env_lines() + ([f"{OWN_VHOST}={own_vhost}"] if own_vhost else [])
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env_file.chmod(0o600)


# -- one broker, many stands (`broker-up`, `up --broker-env`): what the mutation matrix and the stand tests share ----

OWN_VHOST = "STAND_OWN_VHOST"


def broker_up(env_file: Path) -> None:
    """Start a private node that outlives this command (its processes lead sessions of their own); write where it
    answers, with its password, to `env_file` (mode 600)."""
    from stand.broker import PrivateBroker

    state_dir = Path(tempfile.mkdtemp(prefix="focus-broker-"))
    broker = PrivateBroker(state_dir / "broker", "focus", None)
    try:
        root = broker.start()
    except BaseException:
        broker.stop()
        shutil.rmtree(state_dir, ignore_errors=True)
        raise
    env_file.write_text(
        f"STAND_SHARED_AMQP_URL={root.amqp_url}\nSTAND_SHARED_API_URL={root.api_url}\n"
        f"STAND_SHARED_API_USER={root.api_user}\nSTAND_SHARED_API_PASSWORD={root.api_password}\n"
        f"STAND_SHARED_STATE_DIR={state_dir}\n",
        encoding="utf-8",
    )
    env_file.chmod(0o600)


def broker_down(env_file: Path) -> None:
    from stand.broker import kill_leftovers

    state_dir = Path(read_env_file(env_file)["STAND_SHARED_STATE_DIR"])
    kill_leftovers(state_dir / "broker")
    if state_dir.name.startswith("focus-broker-"):
        shutil.rmtree(state_dir, ignore_errors=True)


def vhost_on_shared_broker(broker_env: Path) -> tuple[str, dict[str, str]]:
    """A new vhost on the shared broker, and the STAND_* variables that put a stand in it."""
    from stand.broker import BrokerEndpoints, add_vhost

    values = read_env_file(broker_env)
    root = BrokerEndpoints(
        values["STAND_SHARED_AMQP_URL"],
        values["STAND_SHARED_API_URL"],
        values["STAND_SHARED_API_USER"],
        values["STAND_SHARED_API_PASSWORD"],
    )
    name = f"stand-{secrets.token_hex(4)}"
    mine = add_vhost(root, name)
    return name, {
        "STAND_AMQP_URL": mine.amqp_url,
        "STAND_RABBITMQ_API_URL": mine.api_url,
        "STAND_RABBITMQ_API_USER": mine.api_user,
        "STAND_RABBITMQ_API_PASSWORD": mine.api_password,
    }


def drop_vhost(values: dict[str, str], name: str) -> None:
    from stand.broker import delete_vhost

    user, password = values.get("FOCUS_RABBITMQ_API_USER"), values.get("FOCUS_RABBITMQ_API_PASSWORD")
    url = values.get("FOCUS_RABBITMQ_API_URL")
    if url is None:  # the broker's own env file
        url, user, password = (values[f"STAND_SHARED_API_{k}"] for k in ("URL", "USER", "PASSWORD"))
    delete_vhost(url, user or "", password or "", name)


def read_env_file(env_file: Path) -> dict[str, str]:
    values = {}
    for line in env_file.read_text(encoding="utf-8").splitlines():
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
    if values.get(OWN_VHOST):
        drop_vhost(values, values[OWN_VHOST])
    if keep_logs is not None and (state_dir / LOG_FILE).exists():
        keep_logs.mkdir(parents=True, exist_ok=True)
        shutil.copy(state_dir / LOG_FILE, keep_logs / LOG_FILE)
    if state_dir.name.startswith("focus-stand-"):
        shutil.rmtree(state_dir, ignore_errors=True)


def _is_our_stand(pid: int, state_dir: Path) -> bool:
    """True while `pid` is alive and is the stand of `state_dir` (a reused pid is someone else's)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z" and str(state_dir) in cmdline


def _terminate(pid: int, state_dir: Path) -> None:
    if _is_our_stand(pid, state_dir):
        os.kill(pid, signal.SIGTERM)  # the stand stops its servers, actors and broker itself
        deadline = time.monotonic() + DOWN_TIMEOUT_S
        while _is_our_stand(pid, state_dir) and time.monotonic() < deadline:
            time.sleep(StandTiming.exit_poll_s)
        if _is_our_stand(pid, state_dir):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    from stand.broker import kill_leftovers  # imported here: `up` must not wait for pika and requests to load

    kill_leftovers(state_dir / "broker")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""
