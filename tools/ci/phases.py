"""`make test`: the project's checks as phases, some side by side, and at the end how long each took.

    python -m tools.ci.phases [--only NAME ...]

A phase is one command. The phases of a step run at the same time (each one mostly waits: on stands, streams or a
browser), the steps one after the other; every phase runs even when an earlier one failed, so that one red phase
does not hide the state of the others. A phase's output goes to reports/phases/<name>.log and is printed whole
when it ends, so that side-by-side phases do not interleave. The table at the end (also reports/phases/phases.md)
says how long each took and how it ended; the exit code is 1 when any phase failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tools.common.layout import ROOT

PHASES_DIR = ROOT / "reports" / "phases"
PY = sys.executable


@dataclass(frozen=True)
class Phase:
    name: str
    command: tuple[str, ...]


# Each inner list runs at the same time. The stand tests and the lint wait on processes of their own while the other
# tests keep a core; the two real-limit nightlies each wait out 180 s, so they run one at a time (their wall time
# from broker start to report is a figure of its own, 1.10 x 180 s at most); the matrix needs both cores to itself.
STEPS: list[list[Phase]] = [
    [
        Phase("pytest stand", (PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/stand")),
        Phase(
            "pytest suite and tools", (PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/suite", "tests/tools")
        ),
        Phase("lint", ("make", "--no-print-directory", "lint")),
    ],
    [
        Phase(
            "nightly job shape, continuous catalogue",
            ("make", "--no-print-directory", "acceptance", "PROFILE=nightly", "API=job", "CATALOGUE=continuous"),
        )
    ],
    [Phase("nightly both APIs", ("make", "--no-print-directory", "acceptance", "PROFILE=nightly"))],
    [Phase("mutation matrix", ("make", "--no-print-directory", "mutation"))],
]


@dataclass
class Ran:
    phase: Phase
    returncode: int
    seconds: float
    log: Path


_print_lock = threading.Lock()


def run_phase(phase: Phase) -> Ran:
    log = PHASES_DIR / f"{phase.name.replace(' ', '-')}.log"
    started = time.monotonic()
    with _print_lock:
        print(f"== {phase.name}: {' '.join(phase.command)}", flush=True)
    with log.open("w") as out:
        code = subprocess.call(phase.command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    ran = Ran(phase, code, time.monotonic() - started, log)
    with _print_lock:
        print(f"\n== {phase.name} ({ran.seconds:.0f} s, exit {code}) ==", flush=True)
        sys.stdout.write(log.read_text(errors="replace"))
        sys.stdout.flush()
    return ran


def table(runs: Sequence[Ran], total_s: float) -> str:
    rows = ["| Phase | Wall time | Result |", "|---|---:|---|"]
    for r in runs:
        result = "ok" if r.returncode == 0 else f"FAILED (exit {r.returncode})"
        rows.append(f"| {r.phase.name} | {r.seconds / 60:.1f} min ({r.seconds:.0f} s) | {result} |")
    rows.append(f"| **all** (side-by-side phases overlap) | **{total_s / 60:.1f} min** ({total_s:.0f} s) | |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make test: the project's checks, phase by phase, with their times.")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only the phases whose name starts so")
    args = parser.parse_args(argv)
    PHASES_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    runs: list[Ran] = []
    for step in STEPS:
        chosen = [p for p in step if not args.only or any(p.name.startswith(o) for o in args.only)]
        if not chosen:
            continue
        with ThreadPoolExecutor(max_workers=len(chosen)) as pool:
            runs += list(pool.map(run_phase, chosen))
    total = time.monotonic() - started
    summary = table(runs, total)
    (PHASES_DIR / "phases.md").write_text(summary + "\n")
    failed = [r.phase.name for r in runs if r.returncode != 0]
    print("\n## make test, phase by phase\n\n" + summary + "\n")
    print(f"phases: {len(runs) - len(failed)} ok, {len(failed)} failed")
    if failed:
        print("failed phases: " + ", ".join(failed) + f" (their output: {PHASES_DIR}/)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
