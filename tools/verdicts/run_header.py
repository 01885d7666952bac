"""The run header: what every page that can be printed or forwarded says first, so that a sheet out of context still
tells which run it speaks of: when (UTC), which target (URL and API shape), which product and broker versions, which
suite commit and profile, which run.

Read from the run's environment.properties (written into the results folder by the runner, tools/common/target_info.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tools.common.html_page import esc
from tools.verdicts.clause_verdict import run_properties

UNKNOWN = "unknown"


@dataclass(frozen=True)
class RunHeader:
    started: str
    target: str  # stand or external
    target_url: str
    shape: str  # the APIs the target offers: task, job or both
    sw_version: str
    broker: str
    commit: str
    profile: str
    run_id: str
    listen_s: str = UNKNOWN  # the listening window the behave processes used (seconds)

    @classmethod
    def of(cls, results: Path, profile: str | None = None) -> RunHeader:
        props = run_properties(results)
        target = props.get("target", UNKNOWN)
        # The target's shape as the run detected it (`target.api`); a run that did not detect it tested the stand's
        # default shape (both APIs), or an external target of unknown shape.
        shape = props.get("target.api") or ("both" if target == "stand" else UNKNOWN)
        return cls(
            started=props.get("run_started", UNKNOWN),
            target=target,
            target_url=props.get("base_url", UNKNOWN),
            shape=shape,
            sw_version=props.get("focus_server_sw_version", UNKNOWN),
            broker=props.get("broker", UNKNOWN),
            commit=props.get("suite_commit", UNKNOWN),
            profile=profile or props.get("profile", UNKNOWN),
            run_id=props.get("run_id", UNKNOWN),
            listen_s=props.get("listen_s", UNKNOWN),
        )

    def items(self) -> list[tuple[str, str]]:
        return [
            ("Run", f"{self.run_id}, started {self.started}"),
            ("Target", f"{self.target_url} ({self.target}; API shape: {self.shape})"),
            ("Focus Server sw_version", self.sw_version),
            ("Broker", self.broker),
            ("Suite commit", self.commit),
            (
                "Profile",
                f"{self.profile} (listening window {self.listen_s} s)" if self.listen_s != UNKNOWN else self.profile,
            ),
        ]

    def html(self) -> str:
        cells = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in self.items())
        return f'<dl class="run-header">{cells}</dl>'

    def lines(self) -> list[str]:
        return [f"{k}: {v}" for k, v in self.items()]
