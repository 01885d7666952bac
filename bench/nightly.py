"""`make bench-nightly`: how close the nightly run comes to its physical floor, the stream limit (180 s).

Runs the acceptance runner as `make acceptance` does (embedded stand), into reports/bench/ so that the real
report's history is left alone:
- nightly profile, `--runs` times (3): wall time from broker start to report written, its ratio to the limit; median;
- quick profile, `--quick-runs` times (3): the same wall time; median.
Prints the figures and writes reports/bench/nightly.json. Target: nightly ≤ 1.15 × the limit, quick ≤ 20 s.
The floor is the limit the run is under, read where the runner reads it (support/settings.py: FOCUS_STREAM_LIMIT_S,
else the clause's 180 s), so that the ratio stays honest at any limit.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from support.settings import Settings
from tools.common.layout import ROOT

BENCH_DIR = ROOT / "reports" / "bench"
NIGHTLY_TARGET = 1.15  # × the floor
QUICK_TARGET_S = 20.0  # the quick profile's goal: it waits for no share of the limit


def floor_s() -> float:
    """The nightly's physical floor: the stream limit it runs under (its @slow scenarios wait it out)."""
    return Settings().stream_limit_s


def one_run(profile: str) -> dict[str, float]:
    """One `python -m tools.run.nightly` run: its own phase timings plus the wall time of the whole process."""
    base = BENCH_DIR / f"work-{profile}"
    command = [
        sys.executable,
        "-m",
        "tools.run.nightly",
        "--profile",
        profile,
        "--target",
        "stand",
        "--base",
        str(base),
    ]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wall = time.monotonic() - started
    timings = json.loads((base / "logs" / "timings.json").read_text(encoding="utf-8"))
    return {"exit": done.returncode, "process_s": round(wall, 1), **timings}


def _median(runs: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(run.get(key, float("nan")) for run in runs), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="nightly runs (median reported)")
    parser.add_argument("--quick-runs", type=int, default=3, help="quick runs (median reported)")
    args = parser.parse_args()
    floor = floor_s()
    figures: dict[str, object] = {"floor_s": floor}
    for profile, count in (("quick", args.quick_runs), ("nightly", args.runs)):
        runs = []
        for index in range(1, count + 1):
            run = one_run(profile)
            runs.append(run)
            ratio = f", {run['until_report_s'] / floor:.3f} × {floor:g} s" if profile == "nightly" else ""
            print(
                f"{profile} run {index}/{count}: {run['until_report_s']:.1f} s broker start → report written{ratio} "
                f"(stand up {run.get('stand_up_s', 0):.1f}, behave {run.get('behave_s', 0):.1f}, "
                f"report {run.get('report_s', 0):.1f}; process {run['process_s']:.1f} s; exit {run['exit']})",
                flush=True,
            )
        if runs:
            figures[profile] = {"runs": runs, "median_until_report_s": _median(runs, "until_report_s")}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "nightly.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print()
    if "quick" in figures:
        quick = figures["quick"]["median_until_report_s"]
        print(f"quick profile:   median {quick:.1f} s (target ≤ {QUICK_TARGET_S:g} s)")
    if "nightly" in figures:
        nightly = figures["nightly"]["median_until_report_s"]
        print(
            f"nightly profile: median {nightly:.1f} s = {nightly / floor:.3f} × {floor:g} s "
            f"(target ≤ {NIGHTLY_TARGET} × {floor:g} s = {NIGHTLY_TARGET * floor:.0f} s)"
        )
    print(f"figures: {(BENCH_DIR / 'nightly.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
