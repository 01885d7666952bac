"""The run header every printable page starts with, so that a sheet out of context still names its run: when, which
target and API shape, product and broker versions, which clarifications (Date line, sha256), suite commit, profile,
run id and Focus Server jobs. Read from the run's environment.properties; a key an older run lacks says "unknown"."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from tools.common.html_page import esc
from tools.common.layout import CLARIFICATIONS
from tools.common.results import run_properties

UNKNOWN = "unknown"


@dataclass(frozen=True)
class SpecVersion:  # which clarifications a run judged: the document's own Date line, the sha256 of the copy
    date: str
    sha256: str

    @classmethod
    def of(cls, path: Path = CLARIFICATIONS) -> SpecVersion:
        data = path.read_bytes()
        found = re.search(r"^\*\*Date:\*\*\s*(.+?)\s*$", data.decode("utf-8", "replace"), re.M)
        return cls(found[1] if found else UNKNOWN, hashlib.sha256(data).hexdigest())

    def properties(self) -> dict[str, str]:
        return {"spec.date": self.date, "spec.sha256": self.sha256}  # environment.properties keys

    @property
    def short(self) -> str:
        return self.sha256[:12]


# Each field of the header and its key in environment.properties.
KEYS = {"started": "run_started", "target": "target", "target_url": "base_url", "shape": "target.api"}
KEYS |= {"sw_version": "focus_server_sw_version", "broker": "broker", "commit": "suite_commit", "profile": "profile"}
KEYS |= {"run_id": "run_id", "listen_s": "listen_s"}


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
    listen_s: str  # the listening window the behave processes used (seconds)
    spec: SpecVersion  # a run older than the keys judged the copy of its commit, unknown here: said so, not guessed
    jobs: str  # "23 configured, at most 12 alive at once", or "not counted"

    @classmethod
    def of(cls, results: Path, profile: str | None = None) -> RunHeader:
        props = run_properties(results)
        found = {name: props.get(key) or UNKNOWN for name, key in KEYS.items()}
        # The shape as the run detected it; a run that did not tested the stand's default shape, or an unknown one.
        found["shape"] = props.get("target.api") or ("both" if found["target"] == "stand" else UNKNOWN)
        found["profile"] = profile or found["profile"]
        configured, alive = props.get("jobs.configured"), props.get("jobs.max_alive")
        jobs = f"{configured} configured" + (f", at most {alive} alive at once" if alive else "") if configured else ""
        spec = SpecVersion(props.get("spec.date", UNKNOWN), props.get("spec.sha256", UNKNOWN))
        return cls(**found, spec=spec, jobs=jobs or "not counted")

    def items(self) -> list[tuple[str, str]]:
        listening = f" (listening window {self.listen_s} s)" if self.listen_s != UNKNOWN else ""
        return [
            ("Run", f"{self.run_id}, started {self.started}"),
            ("Target", f"{self.target_url} ({self.target}; API shape: {self.shape})"),
            ("Focus Server sw_version", self.sw_version),
            ("Broker", self.broker),
            ("Suite commit", self.commit),
            ("Profile", self.profile + listening),
            ("Clarifications judged", f"{self.spec.date} (sha256 {self.spec.sha256})"),
            ("Focus Server jobs", self.jobs),
        ]

    def html(self) -> str:
        cells = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in self.items())
        return f'<dl class="run-header">{cells}</dl>'
