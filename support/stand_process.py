"""The embedded stand through its command line: the one client of it (the suite and its tools never import `stand`).

`python -m stand up --env-file F [--fault NAME]` starts it and writes `FOCUS_*` (what the suite needs) and
`STAND_*` (what `down` needs) lines to F; `python -m stand down --env-file F` stops it. behave run on its own starts
one for its run (environment.py); the nightly runner and the mutation matrix start theirs (tools/run/nightly.py,
tools/proof/mutation.py).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from support.errors import TargetUnreachable
from support.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
STAND_DIR = ROOT / ".stand"  # where env files go: ignored by git, like every *.env file


class StandFailed(TargetUnreachable):
    """The stand did not come up; the message carries the tail of its output. The stand is the run's target, so a
    broken environment (support/errors.py), as is a real target that does not answer."""


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


@dataclass
class SharedBroker:
    """One private broker for many stands (`stand broker-up`), each stand in a vhost of its own (`up --broker-env`):
    the mutation matrix starts a node once instead of once per fault. A context manager that stops it at the end."""

    env_file: Path

    @classmethod
    def up(cls, env_file: Path) -> SharedBroker:
        env_file.parent.mkdir(parents=True, exist_ok=True)
        done = run_stand("broker-up", "--env-file", str(env_file), timeout_s=get_settings().timeouts.stand_up_s)
        if done.returncode != 0 or not env_file.exists():
            said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
            raise StandFailed(f"`stand broker-up` exited {done.returncode}: {said[-1] if said else ''}")
        return cls(env_file)

    def __enter__(self) -> SharedBroker:
        return self

    def __exit__(self, *_: object) -> None:
        run_stand("broker-down", "--env-file", str(self.env_file), timeout_s=get_settings().timeouts.stand_down_s)
        self.env_file.unlink(missing_ok=True)


@dataclass
class Stand:
    env_file: Path
    focus_env: dict[str, str]  # the FOCUS_* variables it wrote: hold secrets, never print them

    @classmethod
    def up(
        cls,
        env_file: Path,
        fault: str | None = None,
        extra_args: Sequence[str] = (),
        timeout_s: float | None = None,
    ) -> Stand:
        timeout_s = timeout_s or get_settings().timeouts.stand_up_s
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.unlink(missing_ok=True)
        args = ["up", "--env-file", str(env_file), *extra_args]
        if fault:
            args += ["--fault", fault]
        try:
            done = run_stand(*args, timeout_s=timeout_s)
        except subprocess.TimeoutExpired as exc:
            cls(env_file, {}).down()
            raise StandFailed(f"`stand up` did not finish in {timeout_s:g} s") from exc
        except KeyboardInterrupt:
            cls(env_file, {}).down()  # whatever it had started
            raise
        if done.returncode != 0 or not env_file.exists():
            said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
            last = f": {said[-1].strip()}" if said else ""
            # The first line stands alone (behave's one-line stop); the tail of the output follows for the runner.
            raise StandFailed(f"`stand up` exited {done.returncode}{last}\n" + "\n".join(said[-15:]))
        variables = read_env_file(env_file)
        return cls(env_file, {k: v for k, v in variables.items() if k.startswith("FOCUS_")})

    def down(self, timeout_s: float | None = None, keep_logs: Path | None = None) -> None:
        """Stop it; with `keep_logs`, its log is copied there first (stand.log, beside the run's behave logs)."""
        if not self.env_file.exists():
            return
        timeout_s = timeout_s or get_settings().timeouts.stand_down_s
        args = ["down", "--env-file", str(self.env_file)]
        if keep_logs is not None:
            args += ["--keep-logs", str(keep_logs)]
        try:
            done = run_stand(*args, timeout_s=timeout_s)
        except subprocess.TimeoutExpired:
            print(f"warning: `stand down` did not finish in {timeout_s:g} s ({self.env_file})", file=sys.stderr)
            return
        if done.returncode == 0:
            self.env_file.unlink(missing_ok=True)  # it holds the broker's password; the stand is gone anyway
        else:
            print(f"warning: `stand down` exited {done.returncode}: {done.stderr.strip()[-300:]}", file=sys.stderr)
