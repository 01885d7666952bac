"""The embedded stand through its command line: how the tools start, stop and list it (the suite never imports it),
and what `up` (a detached stand that writes `FOCUS_*`/`STAND_*` lines to its env file), `down`, `broker-up` and
`broker-down` do. Imports nothing heavy, so that a runner on Windows (which never starts a stand) pays nothing for it.
"""

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from stand.timing import StandTiming

ROOT = Path(__file__).resolve().parent.parent
STAND_DIR = ROOT / ".stand"  # where env files go: ignored by git, like every *.env file
LOG_FILE = "stand.log"
OWN_VHOST = "STAND_OWN_VHOST"
SHARED = ("AMQP_URL", "RABBITMQ_API_URL", "RABBITMQ_API_USER", "RABBITMQ_API_PASSWORD")  # a shared broker's env file


class StandFailed(RuntimeError):
    """The stand did not come up; the message's first line says why, the tail of its output follows."""


def run_stand(*args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stand", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
        encoding="utf-8",
    )


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            values[key.strip()] = value.strip()
    return values


def write_env_file(path: Path, values: Mapping[str, object]) -> None:
    """Readable by the owner only (it holds the broker's password), written whole (rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(f"{key}={value}\n" for key, value in values.items()), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


# -- what `up` and `down` do -----------------------------------------------------------------------------------------


def up(env_file: Path, child_env: dict[str, str], own_vhost: str | None = None) -> dict[str, str]:
    """Start `python -m stand run` detached, wait until it says everything answers (its ready file: the env file's
    lines), write the env file. `own_vhost`: its vhost of a shared broker, which `down` removes with it."""
    state_dir = Path(tempfile.mkdtemp(prefix="focus-stand-"))
    ready = state_dir / "ready.env"
    env = {**os.environ, **child_env}
    env.setdefault("STAND_BROKER_PASSWORD", secrets.token_hex(12))  # passed by environment, never on a command line
    run = [sys.executable, "-m", "stand", "run", "--state-dir", str(state_dir), "--ready-file", str(ready)]
    with open(state_dir / LOG_FILE, "ab") as log_file:
        # detached: a session of its own
        output = {"stdin": subprocess.DEVNULL, "stdout": log_file, "stderr": subprocess.STDOUT}
        proc = subprocess.Popen(run, cwd=ROOT, env=env, start_new_session=True, **output)
    deadline = time.monotonic() + StandTiming.up_s
    while not ready.exists():
        if proc.poll() is not None:
            tail = "\n".join((state_dir / LOG_FILE).read_text(encoding="utf-8", errors="replace").splitlines()[-30:])
            shutil.rmtree(state_dir, ignore_errors=True)
            raise StandFailed(f"the stand exited with {proc.returncode} while starting:\n{tail}")
        if time.monotonic() > deadline:
            _terminate(proc.pid, state_dir)
            raise StandFailed(f"the stand was not ready within {StandTiming.up_s:g} s")
        time.sleep(StandTiming.poll_s)
    values = read_env_file(ready) | ({OWN_VHOST: own_vhost} if own_vhost else {})
    ready.unlink()  # it holds the password; the env file is the one place for it now
    write_env_file(env_file, values)
    return values


def down(env_file: Path, keep_logs: Path | None = None) -> None:
    """Stop exactly what `up` started: the stand process (which stops its broker), then anything left over."""
    values = read_env_file(env_file)
    state_dir = Path(values["STAND_STATE_DIR"])
    _terminate(int(values["STAND_PID"]), state_dir)
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
        deadline = time.monotonic() + StandTiming.down_s
        while _is_our_stand(pid, state_dir) and time.monotonic() < deadline:
            time.sleep(StandTiming.poll_s)
        if _is_our_stand(pid, state_dir):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    from stand.broker import kill_leftovers  # imported here: `up` must not wait for pika and requests to load

    kill_leftovers(state_dir / "broker")


# -- one broker, many stands (`broker-up`, `up --broker-env`): what the mutation matrix and the stand tests share ----


def broker_up(env_file: Path) -> None:
    """Start a private node that outlives this command (its processes lead sessions of their own); write where it
    answers, with its password, to `env_file`."""
    from stand.broker import PrivateBroker

    state_dir = Path(tempfile.mkdtemp(prefix="focus-broker-"))
    broker = PrivateBroker(state_dir / "broker", "focus", None)
    try:
        root = broker.start()
    except BaseException:
        broker.stop()
        shutil.rmtree(state_dir, ignore_errors=True)
        raise
    shared = dict(zip(SHARED, (root.amqp_url, root.api_url, root.api_user, root.api_password), strict=True))
    values = {f"STAND_SHARED_{k}": v for k, v in shared.items()}
    write_env_file(env_file, values | {"STAND_SHARED_STATE_DIR": state_dir})


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
    name = f"stand-{secrets.token_hex(4)}"
    mine = add_vhost(BrokerEndpoints(*(values[f"STAND_SHARED_{k}"] for k in SHARED)), name)
    return name, dict(
        zip(
            (f"STAND_{k}" for k in SHARED), (mine.amqp_url, mine.api_url, mine.api_user, mine.api_password), strict=True
        )
    )


def drop_vhost(values: dict[str, str], name: str) -> None:
    """Remove a stand's vhost; `values` are the stand's env file or the shared broker's."""
    from stand.broker import delete_vhost

    prefix = "FOCUS_" if "FOCUS_RABBITMQ_API_URL" in values else "STAND_SHARED_"
    delete_vhost(*(values.get(f"{prefix}RABBITMQ_API_{k}", "") for k in ("URL", "USER", "PASSWORD")), name)


# -- the tools' client -----------------------------------------------------------------------------------------------


def _said(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]


@dataclass
class SharedBroker:
    """One private broker for many stands (`stand broker-up`), each stand in a vhost of its own (`up --broker-env`):
    the mutation matrix starts a node once instead of once per fault. A context manager that stops it at the end."""

    env_file: Path

    @classmethod
    def up(cls, env_file: Path) -> SharedBroker:
        env_file.parent.mkdir(parents=True, exist_ok=True)
        done = run_stand("broker-up", "--env-file", str(env_file), timeout_s=StandTiming.up_s * 2)
        if done.returncode != 0 or not env_file.exists():
            said = _said(done)
            raise StandFailed(f"`stand broker-up` exited {done.returncode}: {said[-1] if said else ''}")
        return cls(env_file)

    def __enter__(self) -> SharedBroker:
        return self

    def __exit__(self, *_: object) -> None:
        run_stand("broker-down", "--env-file", str(self.env_file), timeout_s=StandTiming.down_s * 1.5)
        self.env_file.unlink(missing_ok=True)


@dataclass
class Stand:
    env_file: Path
    focus_env: dict[str, str]  # the FOCUS_* variables it wrote: hold secrets, never print them

    @classmethod
    def up(cls, env_file: Path, fault: str | None = None, extra_args: Sequence[str] = ()) -> Stand:
        timeout_s = StandTiming.up_s * 2
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.unlink(missing_ok=True)
        args = ["up", "--env-file", str(env_file), *extra_args, *(["--fault", fault] if fault else [])]
        try:
            done = run_stand(*args, timeout_s=timeout_s)
        except subprocess.TimeoutExpired as exc:
            cls(env_file, {}).down()
            raise StandFailed(f"`stand up` did not finish in {timeout_s:g} s") from exc
        except KeyboardInterrupt:
            cls(env_file, {}).down()  # whatever it had started
            raise
        if done.returncode != 0 or not env_file.exists():
            said = _said(done)
            # The first line stands alone (a runner's one-line stop); the tail of the output follows.
            raise StandFailed(
                f"`stand up` exited {done.returncode}{': ' + said[-1] if said else ''}\n" + "\n".join(said[-15:])
            )
        variables = read_env_file(env_file)
        return cls(env_file, {k: v for k, v in variables.items() if k.startswith("FOCUS_")})

    def down(self, keep_logs: Path | None = None) -> None:
        """Stop it; with `keep_logs`, its log is copied there first (stand.log, beside the run's behave logs)."""
        if not self.env_file.exists():
            return
        timeout_s = StandTiming.down_s * 1.5
        args = ["down", "--env-file", str(self.env_file), *(["--keep-logs", str(keep_logs)] if keep_logs else [])]
        try:
            done = run_stand(*args, timeout_s=timeout_s)
        except subprocess.TimeoutExpired:
            print(f"warning: `stand down` did not finish in {timeout_s:g} s ({self.env_file})", file=sys.stderr)
            return
        if done.returncode == 0:
            self.env_file.unlink(missing_ok=True)  # it holds the broker's password; the stand is gone anyway
        else:
            print(f"warning: `stand down` exited {done.returncode}: {done.stderr.strip()[-300:]}", file=sys.stderr)


def target_env(base: Mapping[str, str], stand: Stand) -> dict[str, str]:
    """`base` with the stand as the target: any FOCUS_* of the caller's shell (a CA bundle, say) is dropped."""
    env = {key: value for key, value in base.items() if not key.startswith("FOCUS_")}
    env.update(stand.focus_env)
    env["TARGET"] = "stand"
    return env


@dataclass(frozen=True)
class FaultSwitch:
    """A fault switch as `stand faults --json` describes it."""

    name: str
    clauses: tuple[str, ...]
    slow: bool
    description: str
    shapes: tuple[str, ...] = ("both", "task", "job")  # the stand shapes that can show it (`--api`)
    slow_on: tuple[str, ...] = ()  # the shapes on which only @slow scenarios can show it
    unjudged: tuple[str, ...] = ()  # clauses it may leave not verified: they read the broken clause's data

    def applies_to(self, shape: str) -> bool:
        return shape in self.shapes

    def slow_there(self, shape: str) -> bool:
        return self.slow or shape in self.slow_on


def list_faults() -> list[FaultSwitch]:
    done = run_stand("faults", "--json", timeout_s=StandTiming.up_s)
    if done.returncode != 0:
        raise StandFailed(f"`stand faults --json` exited {done.returncode}: {done.stderr.strip()[-500:]}")
    known = {f.name for f in fields(FaultSwitch)}
    return [
        FaultSwitch(**{key: tuple(v) if isinstance(v, list) else v for key, v in item.items() if key in known})
        for item in json.loads(done.stdout)
    ]
