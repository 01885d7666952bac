"""`make soak`: the suite run again and again on the embedded stand under CPU load; flaky results and wall times.

    python -m tools.proof.soak [--quick 30] [--nightly 3] [--hog-cores 1]

Runs the quick profile `--quick` times in a row, then the nightly `--nightly` times, each as `make acceptance` does
(its own stand, into reports/soak/<profile>/ so that the real report is left alone), while a CPU hog keeps
`--hog-cores` core(s) busy. The hog is bounded: it stops by itself after the time the runs should take (plus a
margin), and is stopped when the soak ends. Prints and writes (reports/soak/soak.json, soak.md):
- flaky results: every scenario that passed in some run and was red (failed or broken) in another, with how often
  and its first red message;
- per profile: the wall time of each run (broker start to report written, as bench/nightly.py measures it),
  median and worst, and the runs that did not exit green.
Exit 0 when nothing is flaky and every run was green; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.common.layout import ROOT, RunLayout
from tools.common.results import ScenarioResult, read_results

SOAK_DIR = ROOT / "reports" / "soak"
# What one run takes on a quiet machine, for the hog's own bound (it never outlives the soak by much).
EXPECTED_S = {"quick": 45.0, "nightly": 260.0}
HOG_MARGIN = 1.5


@dataclass
class Run:
    profile: str
    index: int
    exit: int
    wall_s: float  # broker start to report written
    process_s: float
    last_line: str = ""  # the runner's closing line (why a run did not exit 0, when no scenario says)
    statuses: dict[str, str] = field(default_factory=dict)  # scenario key -> Allure status
    messages: dict[str, str] = field(default_factory=dict)  # scenario key -> first line of its red message


def scenario_key(result: ScenarioResult) -> str:
    return f"{result.spec} {result.case or '-'}: {result.name.strip()}"


def read_run(profile: str, index: int, exit_code: int, process_s: float, base: Path) -> Run:
    layout = RunLayout(base)
    try:
        timings = json.loads((layout.logs / "timings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        timings = {}
    run = Run(profile, index, exit_code, float(timings.get("until_report_s", process_s)), process_s)
    for result in read_results(layout.results):
        key = scenario_key(result)
        run.statuses[key] = result.status
        if result.red:
            run.messages[key] = (result.message.splitlines() or [""])[0][:200]
    return run


@dataclass(frozen=True)
class Flake:
    scenario: str
    passed: int
    red: int
    first_red: str  # "<profile> run <n>: <message>"


def flaky(runs: Iterable[Run]) -> list[Flake]:
    """Every scenario that passed in one run and was red (failed or broken) in another, across all runs."""
    passed: dict[str, int] = {}
    red: dict[str, int] = {}
    first: dict[str, str] = {}
    for run in runs:
        for key, status in run.statuses.items():
            if status == "passed":
                passed[key] = passed.get(key, 0) + 1
            elif status in ("failed", "broken"):
                red[key] = red.get(key, 0) + 1
                first.setdefault(key, f"{run.profile} run {run.index}: {run.messages.get(key, status)}")
    return [Flake(key, passed[key], red[key], first[key]) for key in sorted(set(passed) & set(red))]


def wall_figures(runs: Sequence[Run]) -> dict[str, float]:
    walls = [run.wall_s for run in runs]
    return {"runs": len(walls), "median_s": round(statistics.median(walls), 1), "worst_s": round(max(walls), 1)}


# -- the CPU hog --------------------------------------------------------------------------------------------------


def _burn(until: float) -> None:
    while time.monotonic() < until:
        sum(i * i for i in range(10_000))


def start_hog(cores: int, seconds: float) -> list[multiprocessing.Process]:
    """`cores` processes, each keeping one core busy for `seconds` at most (they stop by themselves)."""
    until = time.monotonic() + seconds
    hogs = [
        multiprocessing.Process(target=_burn, args=(until,), daemon=True, name=f"soak-hog-{n}") for n in range(cores)
    ]
    for hog in hogs:
        hog.start()
    return hogs


def stop_hog(hogs: Sequence[multiprocessing.Process]) -> None:
    for hog in hogs:
        if hog.is_alive():
            hog.terminate()
        hog.join(timeout=5)


# -- running ------------------------------------------------------------------------------------------------------


def one_run(profile: str, index: int) -> Run:
    base = SOAK_DIR / profile
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
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, encoding="utf-8")
    (SOAK_DIR / f"{profile}-{index}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    run = read_run(profile, index, done.returncode, round(time.monotonic() - started, 1), base)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    problems = [line for line in lines if "could not" in line or "Traceback" in line]
    run.last_line = "; ".join(problems[:1] + lines[-1:])[:300]
    return run


def report(runs: Sequence[Run], flakes: Sequence[Flake], hog_cores: int) -> tuple[str, dict]:
    lines = [f"soak: {len(runs)} runs under a CPU hog of {hog_cores} core(s)"]
    figures: dict[str, dict] = {}
    for profile in ("quick", "nightly"):
        mine = [run for run in runs if run.profile == profile]
        if not mine:
            continue
        figures[profile] = wall_figures(mine) | {"not_green": [run.index for run in mine if run.exit != 0]}
        f = figures[profile]
        lines.append(
            f"{profile:<8} {f['runs']:>2} runs: wall median {f['median_s']:.1f} s, worst {f['worst_s']:.1f} s "
            f"(broker start to report); not green: {f['not_green'] or 'none'}"
        )
    lines.append(f"flaky results: {len(flakes)}")
    lines += [f"  {fl.scenario}: passed {fl.passed}, red {fl.red}; first red: {fl.first_red}" for fl in flakes]
    data = {
        "hog_cores": hog_cores,
        "profiles": figures,
        "flaky": [vars(flake) for flake in flakes],
        "runs": [
            {
                "profile": r.profile,
                "index": r.index,
                "exit": r.exit,
                "wall_s": r.wall_s,
                "process_s": r.process_s,
                "last_line": r.last_line,
            }
            for r in runs
        ],
    }
    return "\n".join(lines), data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", type=int, default=30, help="quick runs (default 30)")
    parser.add_argument("--nightly", type=int, default=3, help="nightly runs (default 3)")
    parser.add_argument("--hog-cores", type=int, default=1, help="cores kept busy meanwhile (default 1)")
    args = parser.parse_args(argv)
    plan = [("quick", n) for n in range(1, args.quick + 1)] + [("nightly", n) for n in range(1, args.nightly + 1)]
    bound = HOG_MARGIN * sum(EXPECTED_S[profile] for profile, _ in plan)
    print(f"soak: {args.quick} quick + {args.nightly} nightly runs; CPU hog on {args.hog_cores} core(s), "
          f"stopping by itself within {bound:.0f} s", flush=True)  # fmt: skip
    runs: list[Run] = []
    hogs = start_hog(args.hog_cores, bound)
    try:
        for profile, index in plan:
            run = one_run(profile, index)
            runs.append(run)
            red = sorted(key for key, status in run.statuses.items() if status in ("failed", "broken"))
            print(
                f"{profile} {index}: exit {run.exit}, {run.wall_s:.1f} s, {len(run.statuses)} scenarios"
                + (f"; red: {'; '.join(red)}" if red else "")
                + (f" ({run.last_line})" if run.exit != 0 else ""),
                flush=True,
            )
    except KeyboardInterrupt:
        print("\ninterrupted: the figures below are of the runs done")
    finally:
        stop_hog(hogs)
    flakes = flaky(runs)
    text, data = report(runs, flakes, args.hog_cores)
    SOAK_DIR.mkdir(parents=True, exist_ok=True)
    (SOAK_DIR / "soak.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    (SOAK_DIR / "soak.md").write_text("```\n" + text + "\n```\n", encoding="utf-8")
    print("\n" + text)
    return 0 if runs and not flakes and all(run.exit == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
