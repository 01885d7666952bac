"""`make test`: the project's checks as phases, those of a step side by side, every phase run even when one failed;
each one's log in reports/phases/, and a table of how long each took (phases.md); exit 1 when any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from tools.common.layout import ROOT

PHASES_DIR = ROOT / "reports" / "phases"
CUE_TIMEOUT_S = 600.0  # a cue's phase that neither logs its text nor ends in this time has hung: start anyway


class Phase(NamedTuple):
    name: str
    command: tuple[str, ...]
    starts_when: tuple[str, str] | None = None  # (phase, text): once that phase's log shows the text, or it ended


# The real-limit nightlies mostly wait out 180 s streams, so they run beside the tests, which keep the cores busy;
# the second starts once the first is past its busy start (a stand, then its quick scenarios: its process `main-1` is
# done), so that neither's start competes with the other's. The matrix keeps both cores busy, and its 20 s limit
# leaves a third of a second to an ending: it runs alone, after.
NIGHTLY_JOB_SHAPE = "nightly job shape, continuous catalogue"
QUICK_SCENARIOS_DONE = "main-1: done"  # the progress line once the nightly's process of quick scenarios has ended
PYTEST = (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
MAKE = ("make", "--no-print-directory")
ACCEPTANCE = (*MAKE, "acceptance", "PROFILE=nightly")
STEPS: list[list[Phase]] = [
    [
        Phase("pytest stand", (*PYTEST, "tests/stand")),
        Phase("pytest suite and tools", (*PYTEST, "tests/suite", "tests/tools")),
        Phase("pytest safety", (*PYTEST, "tests/safety")),  # mostly waits on stands and brokers: beside the rest
        Phase("lint", (*MAKE, "lint")),
        Phase(NIGHTLY_JOB_SHAPE, (*ACCEPTANCE, "API=job", "CATALOGUE=continuous", "REPORTS=reports/job-continuous")),
        Phase("nightly both APIs", ACCEPTANCE, starts_when=(NIGHTLY_JOB_SHAPE, QUICK_SCENARIOS_DONE)),
    ],
    [Phase("mutation matrix", (*MAKE, "mutation"))],
]
_print_lock = threading.Lock()
_ended: dict[str, threading.Event] = {}


def log_of(name: str) -> Path:
    return PHASES_DIR / f"{name.replace(' ', '-')}.log"


def cued(phase: str, text: str) -> bool:
    """True once the phase logged the text or ended (a phase not run this time cues nothing: go)."""
    ended, log = _ended.get(phase), log_of(phase)
    if ended is None or ended.is_set():
        return True
    return log.exists() and text in log.read_text(encoding="utf-8", errors="replace")


def run_phase(phase: Phase) -> tuple[Phase, int, float]:
    deadline = time.monotonic() + CUE_TIMEOUT_S
    while phase.starts_when is not None and not cued(*phase.starts_when) and time.monotonic() < deadline:
        time.sleep(0.5)
    started, log = time.monotonic(), log_of(phase.name)
    with _print_lock:
        print(f"== {phase.name}: {' '.join(phase.command)}", flush=True)
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.call(phase.command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    _ended[phase.name].set()
    said = log.read_text(encoding="utf-8", errors="replace")
    with _print_lock:
        print(f"\n== {phase.name} ({seconds:.0f} s, exit {code}) ==\n{said}", flush=True)
    return phase, code, seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make test: the project's checks, phase by phase, with their times.")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only the phases whose name starts so")
    args = parser.parse_args(argv)
    PHASES_DIR.mkdir(parents=True, exist_ok=True)
    started, runs = time.monotonic(), []
    for step in STEPS:
        chosen = [p for p in step if not args.only or any(p.name.startswith(o) for o in args.only)]
        _ended.update({p.name: threading.Event() for p in chosen})
        with ThreadPoolExecutor(max_workers=max(1, len(chosen))) as pool:
            runs += list(pool.map(run_phase, chosen))
    total = time.monotonic() - started
    rows = ["| Phase | Wall time | Result |", "|---|---:|---|"]
    rows += [f"| {p.name} | {s / 60:.1f} min ({s:.0f} s) | {f'FAILED (exit {c})' if c else 'ok'} |" for p, c, s in runs]
    rows.append(f"| **all** (side-by-side phases overlap) | **{total / 60:.1f} min** ({total:.0f} s) | |")
    (PHASES_DIR / "phases.md").write_text("\n".join(rows) + "\n", encoding="utf-8")
    failed = [phase.name for phase, code, _ in runs if code != 0]
    print("\n## make test, phase by phase\n\n" + "\n".join(rows), end="\n\n")
    print(f"phases: {len(runs) - len(failed)} ok, {len(failed)} failed", end="")
    print(f": {', '.join(failed)} (their output: {PHASES_DIR}/)" if failed else "")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
