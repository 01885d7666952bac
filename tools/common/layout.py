"""Where a run puts its files, and which commit of the suite it is: one place, so that the runner, the report and the
tests agree."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # tools/common/layout.py
FEATURES = ROOT / "features"
CLARIFICATIONS = ROOT / "docs" / "technical-specifications-clarifications.md"
MUTATION_MATRIX = ROOT / "reports" / "mutation" / "matrix.json"


@dataclass(frozen=True)
class RunLayout:
    """The folders of one run. `reports/` by default; the mutation matrix and the tests use others."""

    base: Path

    @property
    def results(self) -> Path:
        return self.base / "allure-results"

    @property
    def junit(self) -> Path:
        return self.base / "junit"

    @property
    def logs(self) -> Path:
        return self.base / "logs"

    @property
    def facts(self) -> Path:
        """The run record (profile, target, exit code, timings), for whoever builds the report later, elsewhere."""
        return self.logs / "run.json"

    @property
    def pages(self) -> Path:
        """The pages written beside the report (traceability, living docs, clarifications), before it is built."""
        return self.base / "pages"

    @property
    def report(self) -> Path:
        return self.base / "allure-report"

    @property
    def single_file(self) -> Path:
        return self.base / "allure-report-single"

    @property
    def history(self) -> Path:
        return self.base / "history"  # kept between runs: never cleared by a run

    def clear_run_outputs(self) -> None:
        """Empty what a run writes (results, junit, logs); the history stays."""
        for folder in (self.results, self.junit, self.logs):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)


DEFAULT_LAYOUT = RunLayout(ROOT / "reports")


def suite_commit(root: Path = ROOT) -> str:
    """The checkout's commit: git's word, else the CI's (GITHUB_SHA: a runner may check out without git on PATH)."""
    try:
        command = ["git", "rev-parse", "--short", "HEAD"]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, encoding="utf-8")
    except OSError:  # no git on PATH (the Windows runner needs Python alone)
        done = None
    if done is not None and done.returncode == 0:
        return done.stdout.strip()
    return os.environ.get("GITHUB_SHA", "")[:7] or "unknown"
