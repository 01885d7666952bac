"""The run header: what every page that can be printed or forwarded says first, so that a sheet out of context still
tells which run it speaks of: when (UTC), which target (URL and API shape), which product and broker versions, which
version of the clarifications was judged (their Date line and the sha256 of the project's copy), which suite commit
and profile, which run, and how many Focus Server jobs it configured (and the most alive at once).

Read from the run's environment.properties (written into the results folder by the runner, tools/common/target_info.py
and tools/report/build.write_run_metadata); a run older than a key says "unknown" or "not counted".
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from tools.common.html_page import esc
from tools.common.layout import CLARIFICATIONS
from tools.verdicts.clause_verdict import run_properties

UNKNOWN = "unknown"
NOT_COUNTED = "not counted"
# environment.properties keys: the clarifications judged, and the jobs the run configured (the nightly runner's).
SPEC_DATE, SPEC_SHA256 = "spec.date", "spec.sha256"
JOBS_CONFIGURED, JOBS_MAX_ALIVE = "jobs.configured", "jobs.max_alive"


@dataclass(frozen=True)
class SpecVersion:
    """Which clarifications a run judged: the document's own Date line and the sha256 of the project's copy."""

    date: str
    sha256: str

    @classmethod
    def of(cls, path: Path = CLARIFICATIONS) -> SpecVersion:
        try:
            data = path.read_bytes()
        except OSError:
            return cls(UNKNOWN, UNKNOWN)
        found = re.search(r"^\*\*Date:\*\*\s*(.+?)\s*$", data.decode("utf-8", "replace"), re.M)
        return cls(found[1] if found else UNKNOWN, hashlib.sha256(data).hexdigest())

    def properties(self) -> dict[str, str]:
        return {SPEC_DATE: self.date, SPEC_SHA256: self.sha256}

    @property
    def short(self) -> str:
        return self.sha256[:12] if self.sha256 != UNKNOWN else UNKNOWN

    def text(self) -> str:
        """ "October 9, 2025 (sha256 1a2b3c…)": what a page says of the version judged."""
        return f"{self.date} (sha256 {self.sha256})"


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
    spec: SpecVersion = SpecVersion(UNKNOWN, UNKNOWN)
    jobs_configured: str = NOT_COUNTED  # Focus Server jobs the run configured (the nightly runner counts them)
    jobs_max_alive: str = NOT_COUNTED  # the most of them alive at once

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
            # A run older than the key judged the copy of its commit, unknown here: say so rather than guess.
            spec=SpecVersion(props.get(SPEC_DATE, UNKNOWN), props.get(SPEC_SHA256, UNKNOWN)),
            jobs_configured=props.get(JOBS_CONFIGURED) or NOT_COUNTED,
            jobs_max_alive=props.get(JOBS_MAX_ALIVE) or NOT_COUNTED,
        )

    @property
    def jobs(self) -> str:
        if self.jobs_configured == NOT_COUNTED:
            return NOT_COUNTED
        alive = f", at most {self.jobs_max_alive} alive at once" if self.jobs_max_alive != NOT_COUNTED else ""
        return f"{self.jobs_configured} configured{alive}"

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
            ("Clarifications judged", self.spec.text()),
            ("Focus Server jobs", self.jobs),
        ]

    def html(self) -> str:
        # A digest is one long word: it may break anywhere rather than run out of its cell.
        cells = "".join(
            f'<div><dt>{esc(k)}</dt><dd style="overflow-wrap:anywhere">{esc(v)}</dd></div>' for k, v in self.items()
        )
        return f'<dl class="run-header">{cells}</dl>'

    def lines(self) -> list[str]:
        return [f"{k}: {v}" for k, v in self.items()]
