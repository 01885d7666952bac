"""`make soak`: the suite again and again on the embedded stand beside a CPU hog; reports/soak/soak.json and soak.md
hold the flaky results (passed once, red once) and each profile's wall times. Exit 0: nothing flaky, every run green.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from tools.common.layout import ROOT, RunLayout
from tools.common.results import read_results

SOAK_DIR = ROOT / "reports" / "soak"
EXPECTED_S = {"quick": 45.0, "nightly": 260.0}  # one run on a quiet machine: with a margin, the hog's own bound
RED = ("failed", "broken")


class Run(NamedTuple):
    profile: str
    index: int
    exit: int
    wall_s: float  # broker start to report written (the whole process when the run did not say)
    statuses: dict[str, str]  # scenario -> Allure status
    messages: dict[str, str]  # scenario -> the first line of its red message


def read_run(profile: str, index: int, exit_code: int, process_s: float, base: Path) -> Run:
    layout, wall = RunLayout(base), process_s
    with contextlib.suppress(OSError, ValueError, KeyError):
        wall = float(json.loads((layout.logs / "timings.json").read_text(encoding="utf-8"))["until_report_s"])
    run = Run(profile, index, exit_code, wall, {}, {})
    for result in read_results(layout.results):
        key = f"{result.spec} {result.case or '-'}: {result.name.strip()}"
        run.statuses[key] = result.status
        if result.red:
            run.messages[key] = (result.message.splitlines() or [""])[0][:200]
    return run


def flaky(runs: Sequence[Run]) -> list[dict]:
    """Every scenario that passed in one run and was red (failed or broken) in another."""
    flakes = []
    for key in sorted({key for run in runs for key in run.statuses}):
        passed = [run for run in runs if run.statuses.get(key) == "passed"]
        red = [run for run in runs if run.statuses.get(key) in RED]
        if passed and red:
            first = f"{red[0].profile} run {red[0].index}: {red[0].messages.get(key, red[0].statuses[key])}"
            flakes.append({"scenario": key, "passed": len(passed), "red": len(red), "first_red": first})
    return flakes


def report(runs: Sequence[Run], flakes: Sequence[dict], hog_cores: int) -> tuple[str, dict]:
    """The text of soak.md and the data of soak.json."""
    lines, figures = [f"soak: {len(runs)} runs under a CPU hog of {hog_cores} core(s)"], {}
    for profile in ("quick", "nightly"):
        if walls := [run.wall_s for run in runs if run.profile == profile]:
            not_green = [run.index for run in runs if run.profile == profile and run.exit != 0]
            median, worst = round(statistics.median(walls), 1), round(max(walls), 1)
            figures[profile] = {"runs": len(walls), "median_s": median, "worst_s": worst, "not_green": not_green}
            lines.append(
                f"{profile:<8} {len(walls):>2} runs: wall median {median:.1f} s, worst {worst:.1f} s (broker start "
                f"to report); not green: {not_green or 'none'}"
            )
    lines.append(f"flaky results: {len(flakes)}")
    lines += [f"  {f['scenario']}: passed {f['passed']}, red {f['red']}; first red: {f['first_red']}" for f in flakes]
    runs_data = [{"profile": r.profile, "index": r.index, "exit": r.exit, "wall_s": r.wall_s} for r in runs]
    return "\n".join(lines), {"hog_cores": hog_cores, "profiles": figures, "flaky": list(flakes), "runs": runs_data}


def _burn(until: float) -> None:
    while time.monotonic() < until:
        sum(i * i for i in range(10_000))


def start_hog(cores: int, seconds: float) -> list[multiprocessing.Process]:
    """`cores` processes, each keeping one core busy for `seconds` at most (they stop by themselves)."""
    until = time.monotonic() + seconds
    hogs = [multiprocessing.Process(target=_burn, args=(until,), daemon=True) for _ in range(cores)]
    for hog in hogs:
        hog.start()
    return hogs


def one_run(profile: str, index: int) -> Run:
    base, started = SOAK_DIR / profile, time.monotonic()
    command = [sys.executable, "-m", "tools.run.nightly", "--profile", profile, "--base", str(base)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    (SOAK_DIR / f"{profile}-{index}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    run = read_run(profile, index, done.returncode, round(time.monotonic() - started, 1), base)
    red = "; ".join(sorted(key for key, status in run.statuses.items() if status in RED))
    last = (done.stdout + done.stderr).strip().splitlines()[-1:] if run.exit != 0 else []
    said = (f"; red: {red}" if red else "") + "".join(f" ({line[:300]})" for line in last)
    print(f"{profile} {index}: exit {run.exit}, {run.wall_s:.1f} s, {len(run.statuses)} scenarios{said}", flush=True)
    return run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", type=int, default=30, help="quick runs (default 30)")
    parser.add_argument("--nightly", type=int, default=3, help="nightly runs (default 3)")
    parser.add_argument("--hog-cores", type=int, default=1, help="cores kept busy meanwhile (default 1)")
    args = parser.parse_args(argv)
    plan = [("quick", n) for n in range(1, args.quick + 1)] + [("nightly", n) for n in range(1, args.nightly + 1)]
    bound = 1.5 * sum(EXPECTED_S[profile] for profile, _ in plan)
    print(f"soak: {args.quick} quick + {args.nightly} nightly runs; CPU hog on {args.hog_cores} core(s), {bound:.0f} s")
    SOAK_DIR.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    hogs = start_hog(args.hog_cores, bound)
    try:
        for profile, index in plan:
            runs.append(one_run(profile, index))
    except KeyboardInterrupt:
        print("\ninterrupted: the figures below are of the runs done")
    finally:
        for hog in hogs:
            hog.terminate()
    text, data = report(runs, flaky(runs), args.hog_cores)
    (SOAK_DIR / "soak.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    (SOAK_DIR / "soak.md").write_text("```\n" + text + "\n```\n", encoding="utf-8")
    print("\n" + text)
    return 0 if runs and not data["flaky"] and all(run.exit == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
