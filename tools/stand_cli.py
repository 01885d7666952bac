"""The embedded stand, through its command line only (the suite and its tools never import `stand`).

`python -m stand up --env-file F [--fault NAME]` starts it and writes `FOCUS_*` (what the suite needs) and
`STAND_*` (what `down` needs) lines to F; `python -m stand down --env-file F` stops it;
`python -m stand faults --json` lists the fault switches.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.layout import ROOT

STAND_DIR = ROOT / ".stand"  # ignored by git, like every *.env file


class StandFailed(RuntimeError):
    """The stand did not come up; the message carries the tail of its output."""


@dataclass(frozen=True)
class FaultSwitch:
    name: str
    clauses: tuple[str, ...]
    slow: bool
    description: str


def _stand(*args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stand", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
    )


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            values[key.strip()] = value.strip()
    return values


@dataclass
class Stand:
    env_file: Path
    focus_env: dict[str, str]  # the FOCUS_* variables it wrote: hold secrets, never print them

    @classmethod
    def up(
        cls, env_file: Path, fault: str | None = None, extra_args: Sequence[str] = (), timeout_s: float = 120.0
    ) -> Stand:
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.unlink(missing_ok=True)
        args = ["up", "--env-file", str(env_file), *extra_args]
        if fault:
            args += ["--fault", fault]
        try:
            done = _stand(*args, timeout_s=timeout_s)
        except subprocess.TimeoutExpired as exc:
            cls(env_file, {}).down()
            raise StandFailed(f"`stand up` did not finish in {timeout_s:g} s") from exc
        except KeyboardInterrupt:
            cls(env_file, {}).down()  # whatever it had started
            raise
        if done.returncode != 0 or not env_file.exists():
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
            raise StandFailed(f"`stand up` exited {done.returncode}:\n{tail}")
        variables = read_env_file(env_file)
        return cls(env_file, {k: v for k, v in variables.items() if k.startswith("FOCUS_")})

    def down(self, timeout_s: float = 60.0, keep_logs: Path | None = None) -> None:
        """Stop it; with `keep_logs`, its log is copied there first (stand.log, beside the run's behave logs)."""
        if not self.env_file.exists():
            return
        args = ["down", "--env-file", str(self.env_file)]
        if keep_logs is not None:
            args += ["--keep-logs", str(keep_logs)]
        try:
            done = _stand(*args, timeout_s=timeout_s)
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


def list_faults() -> list[FaultSwitch]:
    done = _stand("faults", "--json", timeout_s=60.0)
    if done.returncode != 0:
        raise StandFailed(f"`stand faults --json` exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return [
        FaultSwitch(
            name=item["name"],
            clauses=tuple(item.get("clauses", ())),
            slow=bool(item.get("slow", False)),
            description=item.get("description", ""),
        )
        for item in json.loads(done.stdout)
    ]
