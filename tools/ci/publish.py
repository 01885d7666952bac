"""A run's report, sign-off sheet and Xray file, built from its results: on any machine, any time after the run.

    python -m tools.ci.publish [--base reports] [--features features] [--no-pdf]

From what a run with its results alone left (`--results-only`, as on the QA team's Windows runner), in that folder,
through each builder's command line: the Allure report with its trends, the sign-off sheet (its PDF needs a browser)
and the Xray file. One that fails does not stop the next; the exit code is the worst of theirs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.ci.ci_run import RunFacts, exit_meaning
from tools.common.console import plain_text_where_needed
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, ROOT, RunLayout


def publish(layout: RunLayout, features: Path = FEATURES, pdf: bool = True) -> int:
    if not layout.results.is_dir():
        print(f"publish: no results in {layout.results}: nothing to build (did the run's artifact land here?)")
        return 2
    facts = RunFacts.of(layout)
    code = f"exit {facts.exit_code}, {exit_meaning(facts.exit_code)}" if facts.exit_code is not None else "no exit"
    print(f"publish: the results of {facts.describe()} ({code}), in {layout.base}", flush=True)
    where = ["--base", str(layout.base), "--features", str(features)]
    worst = 0
    for what, command in (
        ("report", ["tools.report.build", *where]),
        ("sign-off sheet", ["tools.verdicts.signoff", *where, *([] if pdf else ["--no-pdf"])]),
        ("Xray file", ["tools.ci.xray", "build", *where]),
    ):
        done = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            print(f"publish: the {what} failed (exit {done.returncode}); the others are built regardless", flush=True)
        worst = max(worst, done.returncode)
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    plain_text_where_needed()
    parser = argparse.ArgumentParser(description="Build a run's report, sign-off sheet and Xray file from its results.")
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base, help="the run's folder (default reports/)")
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--no-pdf", action="store_true", help="the sign-off sheet in HTML only (no browser here)")
    args = parser.parse_args(argv)
    return publish(RunLayout(args.base.resolve()), args.features.resolve(), pdf=not args.no_pdf)


if __name__ == "__main__":
    sys.exit(main())
