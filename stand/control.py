"""The embedded stand through its command line: how the tools start, stop and list it (the suite never imports it).

`python -m stand up --env-file F [--fault NAME]` starts it and writes `FOCUS_*` (what the suite needs) and
`STAND_*` (what `down` needs) lines to F; `python -m stand down --env-file F` stops it; `broker-up`/`broker-down`
one private broker for many stands (a vhost each); `faults --json` the fault switches. Imports nothing heavy, so
that a runner on Windows (which never starts a stand) pays nothing for it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from stand.timing import StandTiming

ROOT = Path(__file__).resolve().parent.parent
STAND_DIR = ROOT / ".stand"  # where env files go: ignored by git, like every *.env file


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


def _said(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


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
    def up(
        cls, env_file: Path, fault: str | None = None, extra_args: Sequence[str] = (), timeout_s: float | None = None
    ) -> Stand:
        timeout_s = timeout_s or StandTiming.up_s * 2
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
            last = f": {said[-1].strip()}" if said else ""
            # The first line stands alone (a runner's one-line stop); the tail of the output follows.
            raise StandFailed(f"`stand up` exited {done.returncode}{last}\n" + "\n".join(said[-15:]))
        variables = read_env_file(env_file)
        return cls(env_file, {k: v for k, v in variables.items() if k.startswith("FOCUS_")})

    def down(self, timeout_s: float | None = None, keep_logs: Path | None = None) -> None:
        """Stop it; with `keep_logs`, its log is copied there first (stand.log, beside the run's behave logs)."""
        if not self.env_file.exists():
            return
        timeout_s = timeout_s or StandTiming.down_s * 1.5
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
    return [
        FaultSwitch(
            name=item["name"],
            clauses=tuple(item.get("clauses", ())),
            slow=bool(item.get("slow", False)),
            description=item.get("description", ""),
            shapes=tuple(item.get("shapes", ("both", "task", "job"))),
            slow_on=tuple(item.get("slow_on", ())),
            unjudged=tuple(item.get("unjudged", ())),
        )
        for item in json.loads(done.stdout)
    ]
