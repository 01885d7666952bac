"""`make bench-nightly`: the wall time from broker start to report written (logs/timings.json) of the nightly on the
stand against its floor, the stream limit (target ≤ 1.15 ×), and of the quick profile (target ≤ 20 s): medians of
`--runs` and `--quick-runs`, into reports/bench/ (the real report's history is left alone) and nightly.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from support.settings import Settings
from tools.common.layout import ROOT

BENCH_DIR = ROOT / "reports" / "bench"
NIGHTLY_TARGET, QUICK_TARGET_S = 1.15, 20.0


def one_run(profile: str) -> dict[str, float]:
    base = BENCH_DIR / f"work-{profile}"
    command = [sys.executable, "-m", "tools.run.nightly", "--profile", profile, "--base", str(base)]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return {"exit": done.returncode, **json.loads((base / "logs" / "timings.json").read_text(encoding="utf-8"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="nightly runs (median reported)")
    parser.add_argument("--quick-runs", type=int, default=3, help="quick runs (median reported)")
    args = parser.parse_args()
    floor = Settings().stream_limit_s  # the limit the run is under, read where the runner reads it
    figures: dict[str, object] = {"floor_s": floor}
    for profile, count, goal in (
        ("quick", args.quick_runs, QUICK_TARGET_S),
        ("nightly", args.runs, NIGHTLY_TARGET * floor),
    ):
        runs = []
        for index in range(1, count + 1):
            runs.append(run := one_run(profile))
            steps = ", ".join(f"{key} {run.get(key, 0):.1f}" for key in ("stand_up_s", "behave_s", "report_s"))
            wall = f"{run['until_report_s']:.1f} s broker start → report"
            print(f"{profile} run {index}/{count}: {wall} ({steps}; exit {run['exit']})", flush=True)
        median = round(statistics.median(run.get("until_report_s", float("nan")) for run in runs or [{}]), 1)
        figures[profile] = {"runs": runs, "median_until_report_s": median}
        print(f"{profile} profile: median {median:.1f} s = {median / floor:.3f} × {floor:g} s (target ≤ {goal:.0f} s)")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "nightly.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"figures: {(BENCH_DIR / 'nightly.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
