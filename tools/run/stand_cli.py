"""The harness's side of the embedded stand: its fault switches (`python -m stand faults --json`) and the environment
of a run against it. Starting and stopping it: support/stand_process.py, the one client of its `up` and `down`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from support.stand_process import Stand, StandFailed, run_stand


@dataclass(frozen=True)
class FaultSwitch:
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


def target_env(base: Mapping[str, str], stand: Stand) -> dict[str, str]:
    """`base` with the stand as the target: any FOCUS_* of the caller's shell (a CA bundle, say) is dropped."""
    env = {key: value for key, value in base.items() if not key.startswith("FOCUS_")}
    env.update(stand.focus_env)
    env["TARGET"] = "stand"
    return env


def list_faults() -> list[FaultSwitch]:
    done = run_stand("faults", "--json", timeout_s=60.0)
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
