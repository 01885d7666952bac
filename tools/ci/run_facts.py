"""What a finished run was, read back from what it left in reports/: profile, target, shape, versions, outcome.

The CI summary and the Xray file both say which run they describe; they read it here, from the files the runner
and the report already write (logs/timings.json, allure-results/environment.properties) and from the outcome that
`python -m tools.ci.ci_run acceptance` records (ci/outcome.json), or else the runner itself (logs/run.json: a run
started without it, e.g. `py -m tools.run.nightly` on the QA team's Windows runner).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from tools.common.layout import RunLayout
from tools.run.outcome import Exit
from tools.verdicts.clause_verdict import run_properties

# What each exit code of a run means, in the words of the CI summary. 4 is issue 12's "not verified"
# (tools/run/outcome.py gains it at merge); 130 is Ctrl-C or a cancelled CI job.
EXIT_MEANINGS: dict[int, str] = {
    int(Exit.GREEN): "green: every scenario that ran passed",
    int(Exit.PRODUCT_DEFECT): "product defect: the target does not do what the clarifications say",
    int(Exit.BROKEN_ENVIRONMENT): "broken environment: the target could not be reached or lacks a precondition; "
    "no verdict on the product",
    int(Exit.SUITE_DEFECT): "suite defect: an error in the suite itself; the results cannot be trusted",
    4: "not verified: some clause could not be judged (not run, skipped or broken)",
    int(Exit.INTERRUPTED): "interrupted: the run was stopped before its end",
}


def exit_meaning(code: int) -> str:
    return EXIT_MEANINGS.get(code, "unknown exit code")


def ci_dir(layout: RunLayout) -> Path:
    """What the CI steps write besides the run: the recorded outcome, the summary, the artifacts to upload."""
    return layout.base / "ci"


def outcome_file(layout: RunLayout) -> Path:
    return ci_dir(layout) / "outcome.json"


def recorded_outcome(layout: RunLayout) -> dict:
    """The run's outcome as recorded by `tools.ci.ci_run acceptance` (ci/outcome.json), else by the runner itself
    (logs/run.json); {} when neither ran to its end."""
    return _json(outcome_file(layout)) or _json(layout.facts)


@dataclass(frozen=True)
class RunFacts:
    profile: str  # nightly | quick
    target: str  # stand | external, as the runner saw it
    target_name: str  # the CI's name for the target: "stand" or the GitHub environment's name
    api: str  # the target's shape (task, job, both) as the run reported it; "" if it did not say
    product_version: str  # the Focus Server's sw_version, "unknown" if the target did not say
    suite_commit: str
    exit_code: int | None  # as recorded by `tools.ci.ci_run acceptance`; None when the run was not started that way

    @property
    def sign_off_profile(self) -> bool:
        return self.profile == "nightly"

    def describe(self) -> str:
        """`nightly on staging (job API)`, `quick on stand (both APIs)`."""
        shape = f" ({'both APIs' if self.api == 'both' else f'{self.api} API'})" if self.api else ""
        return f"{self.profile} on {self.target_name}{shape}"


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read(layout: RunLayout) -> RunFacts:
    env = run_properties(layout.results)
    timings = _json(layout.logs / "timings.json")
    outcome = recorded_outcome(layout)
    profile = str(outcome.get("profile") or timings.get("profile") or env.get("profile") or "unknown")
    target = str(timings.get("target") or env.get("target") or "stand")
    # The CI names an external target after its GitHub environment; a run by hand may name it so too.
    target_name = str(outcome.get("target_name") or os.environ.get("ACCEPTANCE_TARGET") or target)
    code = outcome.get("exit_code")
    return RunFacts(
        profile=profile,
        target=target,
        target_name=target_name,
        api=env.get("target.api", ""),
        product_version=env.get("focus_server_sw_version", "unknown"),
        suite_commit=env.get("suite_commit", "unknown"),
        exit_code=int(code) if isinstance(code, int) else None,
    )
