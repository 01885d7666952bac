"""The steps of the CI workflows that are about the run itself, runnable by hand as they run in CI.

    python -m tools.ci.ci_run acceptance --target stand|ENVIRONMENT --profile nightly|quick --api auto|task|job|both
    python -m tools.ci.ci_run artifacts      # what the upload takes: reports/ci/artifacts/ (open index.html)
    python -m tools.ci.ci_run outcome        # end with the run's own exit code, and say what it means

`acceptance` runs `make acceptance` on the embedded stand (target `stand`) or on the deployment that the `FOCUS_*`
variables name (any other target: the name of the GitHub environment that holds them), records its exit code in
reports/ci/outcome.json and ends with it. The steps after it (sign-off sheet, Xray file, summary, artifacts) run
whatever the code; `outcome` ends the job with that same code, so that a product defect (1), a broken environment
(2), a suite defect (3) and "not verified" (4) stay apart in CI as they are on a terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from tools.ci.run_facts import ci_dir, exit_meaning, outcome_file
from tools.common.layout import DEFAULT_LAYOUT, ROOT, RunLayout
from tools.run.outcome import Exit

STAND = "stand"
PROFILES = ("nightly", "quick")
APIS = ("auto", "task", "job", "both")


def say(text: str) -> None:
    print(text, flush=True)


def suite_env(target: str, api: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of the run: GitHub gives a variable or secret that is not set as an empty string, which the
    settings would read as a value (FOCUS_VERIFY_TLS="" is no boolean); on the stand no FOCUS_* of the shell counts.
    """
    env = {key: value for key, value in environ.items() if not (key.startswith("FOCUS_") and value == "")}
    if target == STAND:
        env = {key: value for key, value in env.items() if not key.startswith("FOCUS_")}
    elif api != "auto":
        env["FOCUS_API"] = api  # the suite's setting (issue 11): the shape the deployment is said to have
    return env


def acceptance_command(target: str, profile: str, api: str) -> list[str]:
    """README's `./acceptance` as a person types it (make would turn every failing code into 2); `--api` picks the
    stand's shape, or says the deployment's outright."""
    command = ["./acceptance", "--profile", profile, "--target", "stand" if target == STAND else "external"]
    if api != "auto":
        command += ["--api", api]
    return command


def run_to_its_end(command: Sequence[str], env: Mapping[str, str]) -> int:
    """Run the command and wait for it, also on Ctrl-C or a CI's cancel: the runner below stops its behave processes
    and the stand on that signal and then exits 130, and its code is what gets recorded (not a traceback of ours)."""
    process = subprocess.Popen(list(command), cwd=ROOT, env=dict(env))
    # Ctrl-C reaches the whole process group, the run included; a SIGTERM for us alone is passed on to it.
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previous_term = signal.signal(signal.SIGTERM, lambda signum, frame: process.send_signal(signal.SIGTERM))
    try:
        code = process.wait()
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
    return int(Exit.INTERRUPTED) if code < 0 else code  # ended by a signal without a word: interrupted


def record(layout: RunLayout, code: int, **facts: str | float) -> Path:
    path = outcome_file(layout)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"exit_code": code, "meaning": exit_meaning(code), **facts}, indent=2) + "\n")
    return path


def acceptance(layout: RunLayout, target: str, profile: str, api: str) -> int:
    env = suite_env(target, api, os.environ)
    facts: dict[str, str | float] = {"target_name": target, "profile": profile, "api": api}
    if target != STAND and not env.get("FOCUS_BASE_URL"):
        say(
            f"target {target!r}: FOCUS_BASE_URL is not set. Give the GitHub environment {target!r} the FOCUS_* "
            "variables and secrets (README.md, 'In CI'), or run with --target stand."
        )
        record(layout, int(Exit.BROKEN_ENVIRONMENT), **facts)
        return int(Exit.BROKEN_ENVIRONMENT)
    command = acceptance_command(target, profile, api)
    say(f"$ {' '.join(command)}")
    started = time.time()
    code = run_to_its_end(command, env)
    record(
        layout,
        code,
        **facts,
        started_at=datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        seconds=round(time.time() - started, 1),
    )
    say(f"acceptance: exit {code}, {exit_meaning(code)} (recorded in {outcome_file(layout).relative_to(ROOT)})")
    return code


# What the upload step takes, under reports/ci/artifacts/: one folder whose every link works offline. At its top the
# single-file report as index.html with the pages it links to (clarifications, living docs, traceability, sign-off
# sheet, the docs they cite), all written side by side by the report (reports/allure-report-single/); then the rest.
REPORT_FOLDER = "allure-report-single"
REPORT_PAGES = ("index.html", "clarifications.html", "living-docs.html", "traceability.html", "traceability.md")
# (artifact name, source under reports/, required?)
ARTIFACTS: tuple[tuple[str, str, bool], ...] = (
    ("signoff.pdf", "signoff.pdf", False),  # `make signoff`, when the step made one
    ("junit", "junit", True),
    ("xray", "xray", False),  # `make xray`
    ("summary.md", "ci/summary.md", True),
    ("outcome.json", "ci/outcome.json", True),
)


def artifacts_dir(layout: RunLayout) -> Path:
    return ci_dir(layout) / "artifacts"


def collect_artifacts(layout: RunLayout) -> tuple[list[str], list[str]]:
    """Copy the run's deliverables into one folder for the upload step. Returns (collected, missing required)."""
    out = artifacts_dir(layout)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    collected, missing = [], []
    report = layout.base / REPORT_FOLDER
    pages = sorted(report.iterdir()) if report.is_dir() else []
    for page in pages:
        if page.is_file():
            shutil.copy2(page, out / page.name)
            collected.append(page.name)
    missing += [name for name in REPORT_PAGES if name not in collected]
    for name, source, required in ARTIFACTS:
        path = layout.base / source
        if path.is_dir() and any(path.iterdir()):
            shutil.copytree(path, out / name)
        elif path.is_file():
            shutil.copy2(path, out / name)
        else:
            if required:
                missing.append(name)
            continue
        collected.append(name)
    return collected, missing


def artifacts(layout: RunLayout) -> int:
    collected, missing = collect_artifacts(layout)
    shown = artifacts_dir(layout)
    say(f"artifacts in {shown}: {', '.join(collected) or 'none'}")
    if missing:
        # Not a failure of this step: the run's exit code (the outcome step) says why they are missing.
        say(f"missing: {', '.join(missing)} (the run ended before writing them; see its exit code)")
    return 0


def outcome(layout: RunLayout) -> int:
    path = outcome_file(layout)
    try:
        noted = json.loads(path.read_text())
        code = int(noted["exit_code"])
    except (OSError, ValueError, KeyError, TypeError):
        say(f"no outcome recorded in {path}: the acceptance step did not run to its end (see the steps above)")
        return int(Exit.SUITE_DEFECT)
    where = f"{noted.get('profile', '?')} on {noted.get('target_name', '?')}"
    say(f"acceptance ({where}) ended with exit {code}: {exit_meaning(code)}")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CI steps about the run: run it, gather its files, end with its code.")
    steps = parser.add_subparsers(dest="step", required=True)
    # `make acceptance` writes reports/; the other steps read any reports folder (the tests use their own).
    base = argparse.ArgumentParser(add_help=False)
    base.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base, help="the reports folder")
    run = steps.add_parser("acceptance", help="run `make acceptance` and record its exit code")
    run.add_argument("--target", default=STAND, help="`stand`, or the name of the environment the FOCUS_* describe")
    run.add_argument("--profile", choices=PROFILES, default="nightly")
    run.add_argument("--api", choices=APIS, default="auto", help="the target's shape (default: auto-detected)")
    steps.add_parser("artifacts", parents=[base], help="gather the files to upload into reports/ci/artifacts/")
    steps.add_parser("outcome", parents=[base], help="end with the recorded exit code of the run, say what it means")
    args = parser.parse_args(argv)
    if args.step == "acceptance":
        return acceptance(DEFAULT_LAYOUT, args.target.strip() or STAND, args.profile, args.api)
    layout = RunLayout(args.base.resolve())
    if args.step == "artifacts":
        return artifacts(layout)
    return outcome(layout)


if __name__ == "__main__":
    sys.exit(main())
