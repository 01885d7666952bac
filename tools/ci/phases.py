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
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from support.waiting import WaitTimeout, wait_for
from tools.common.layout import ROOT

PHASES_DIR = ROOT / "reports" / "phases"
PY = sys.executable
CUE_TIMEOUT_S = 600.0  # a cue's phase that neither logs its text nor ends in this time has hung: start anyway


@dataclass(frozen=True)
class Cue:
    """A phase starts once another phase's log shows `text` (or that phase has ended, whatever its result)."""

    phase: str
    text: str


@dataclass(frozen=True)
class Phase:
    name: str
    command: tuple[str, ...]
    starts_when: Cue | None = None


# Each inner list runs at the same time. The stand tests and the lint wait on processes of their own while the other
# tests keep a core. The two real-limit nightlies each wait out 180 s on a stand of their own, side by side: the
# second starts once the first is past its busy start (a broker, a stand, then its quick scenarios one after the
# other), since each one's wall time from broker start to report is a figure of its own (1.10 x 180 s at most) and
# only the @slow scenarios' streams are left running then. The matrix needs both cores to itself.
NIGHTLY_JOB_SHAPE = "nightly job shape, continuous catalogue"
# The progress line once the nightly's process of quick scenarios has ended (tools/run/progress.py, job main-1).
QUICK_SCENARIOS_DONE = "main-1: done"
STEPS: list[list[Phase]] = [
    [
        Phase("pytest stand", (PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/stand")),
        # The safety tests too: secrets in no file of a run, a down target in one line, harmless on a live broker.
        Phase(
            "pytest suite, tools and safety",
            (PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/suite", "tests/tools", "tests/safety"),
        ),
        Phase("lint", ("make", "--no-print-directory", "lint")),
    ],
    [
        Phase(
            NIGHTLY_JOB_SHAPE,
            (
                *("make", "--no-print-directory", "acceptance", "PROFILE=nightly", "API=job"),
                *("CATALOGUE=continuous", "REPORTS=reports/job-continuous"),
            ),
        ),
        Phase(
            "nightly both APIs",
            ("make", "--no-print-directory", "acceptance", "PROFILE=nightly"),
            starts_when=Cue(NIGHTLY_JOB_SHAPE, QUICK_SCENARIOS_DONE),
        ),
    ],
    [Phase("mutation matrix", ("make", "--no-print-directory", "mutation"))],
]


@dataclass
class Ran:
    phase: Phase
    returncode: int
    seconds: float
    log: Path


_print_lock = threading.Lock()
_ended: dict[str, threading.Event] = {}


def log_of(name: str) -> Path:
    return PHASES_DIR / f"{name.replace(' ', '-')}.log"


def cued(cue: Cue) -> bool:
    """True once the cue's phase logged its text or ended (a phase not run this time cues nothing: go)."""
    ended = _ended.get(cue.phase)
    if ended is None or ended.is_set():
        return True
    log = log_of(cue.phase)
    return log.exists() and cue.text in log.read_text(errors="replace", encoding="utf-8")


def run_phase(phase: Phase) -> Ran:
    log = log_of(phase.name)
    if phase.starts_when is not None:
        with suppress(WaitTimeout):  # the other phase hangs: this one starts anyway, the other's result says so
            wait_for(lambda: cued(phase.starts_when), reason=str(phase.starts_when), timeout_s=CUE_TIMEOUT_S)
    started = time.monotonic()
    with _print_lock:
        print(f"== {phase.name}: {' '.join(phase.command)}", flush=True)
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.call(phase.command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    ran = Ran(phase, code, time.monotonic() - started, log)
    _ended[phase.name].set()
    with _print_lock:
        print(f"\n== {phase.name} ({ran.seconds:.0f} s, exit {code}) ==", flush=True)
        sys.stdout.write(log.read_text(errors="replace", encoding="utf-8"))
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
        _ended.update({p.name: threading.Event() for p in chosen})
        with ThreadPoolExecutor(max_workers=len(chosen)) as pool:
            runs += list(pool.map(run_phase, chosen))
    total = time.monotonic() - started
    summary = table(runs, total)
    (PHASES_DIR / "phases.md").write_text(summary + "\n", encoding="utf-8")
    failed = [r.phase.name for r in runs if r.returncode != 0]
    print("\n## make test, phase by phase\n\n" + summary + "\n")
    print(f"phases: {len(runs) - len(failed)} ok, {len(failed)} failed")
    if failed:
        print("failed phases: " + ", ".join(failed) + f" (their output: {PHASES_DIR}/)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
