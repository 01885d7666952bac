"""A run's report, sign-off sheet and Xray file, built from its results: on any machine, any time after the run.

    python -m tools.ci.publish [--base reports] [--features features] [--no-pdf]

A run with its results alone (`py -m tools.run.nightly --results-only`, or any run on a machine without Node, such
as the QA team's Windows runner) leaves in its folder allure-results/ (the report's environment included), junit/
and logs/ (run.json: the run's facts). This builds from them, in that folder, what `make acceptance` would have:

- the Allure report with its trends (history/, kept between runs) and the pages beside it (`tools.report.build`);
- the sign-off sheet, HTML and PDF (a browser, `make setup`; `--no-pdf` leaves the PDF out: `tools.verdicts.signoff`);
- the Xray execution file, xray/execution.json, or why there is none (`tools.ci.xray build`).

Each is its builder's own command, run as a person would run it: this module is the one place that calls the
report, sign-off and Xray builders after a run, and it does so through their command lines only. One that fails
does not stop the next; the exit code is the worst of theirs (0: all built).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.ci.run_facts import exit_meaning, read
from tools.common.console import plain_text_where_needed
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, ROOT, RunLayout


def steps(base: Path, features: Path, pdf: bool = True) -> list[tuple[str, list[str]]]:
    """(what, the `python -m` command that builds it), in the order they must run: the report's pages first."""
    where = ["--base", str(base), "--features", str(features)]
    return [
        ("report", ["tools.report.build", *where]),
        ("sign-off sheet", ["tools.verdicts.signoff", *where, *([] if pdf else ["--no-pdf"])]),
        ("Xray file", ["tools.ci.xray", "build", *where]),
    ]


def publish(layout: RunLayout, features: Path = FEATURES, pdf: bool = True) -> int:
    """Build each of `steps` from the results in `layout`; the worst exit code of them."""
    if not layout.results.is_dir():
        print(f"publish: no results in {layout.results}: nothing to build (did the run's artifact land here?)")
        return 2
    facts = read(layout)
    outcome = f"exit {facts.exit_code}, {exit_meaning(facts.exit_code)}" if facts.exit_code is not None else "no exit"
    print(f"publish: the results of {facts.describe()} ({outcome}), in {layout.base}", flush=True)
    worst = 0
    for what, command in steps(layout.base, features, pdf):
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
