"""`make mutation`: prove that the suite can fail, clause by clause, on a stand broken on purpose.

    python -m tools.proof.mutation [--profile quick|nightly] [--jobs 4] [--only NAME ...] [--stream-limit S]
                             [--api both|task|job ...]

For each fault switch of the stand (`python -m stand faults --json`): start a stand with it, run the whole nightly
profile against it (every scenario, the @slow ones included, so that "red elsewhere" is judged over all of them),
read which scenarios failed per clause as a product defect (only that kills; a broken result on the fault's clause
did not show it), and decide (tools/proof/verdict.py). The stands run with a short stream limit
(`--stream-limit`, 20 s by default): every check and every fault timing is a share of the limit (support/settings.py,
stand/timing.py), so a 20 s stand proves the same checks red as a 180 s one, in a ninth of the time; the nightly
acceptance waits out the real limit once per shape. All the stands live in vhosts of one private broker
(`stand broker-up`), not a node each. `--profile quick` leaves the @slow scenarios out (and the slow-only faults,
saying so). Faults run `--jobs` at a time. Writes reports/mutation/matrix.json and matrix.md and prints the table;
exits 1 if any fault survives, is not shown, raises a false alarm or could not be judged.

`--api` names the stand shapes to run the matrix on (default both; `make mutation`: both and job, the production
shape). Every row says its shape; a fault that a shape cannot show (a waterfall fault on the job-only stand) is
skipped there, saying so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from stand.control import STAND_DIR, FaultSwitch, SharedBroker, Stand, StandFailed, list_faults, target_env
from tools.common.catalogue import PlannedScenario, scenarios
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, MUTATION_MATRIX, ROOT, RunLayout
from tools.common.results import ScenarioResult, read_results
from tools.common.target_info import suite_commit
from tools.proof import kill_matrix
from tools.proof.verdict import Decision, Verdict, decide
from tools.report import build as report
from tools.run.behave_runs import release_jobs, start_jobs, stop_jobs, wait_jobs
from tools.run.job_plan import Profile, duration_key, durations_file, load_durations, plan
from tools.verdicts import traceability

MUTATION_DIR = MUTATION_MATRIX.parent
# The stands' stream limit: short, since every check and fault timing is a share of it (a ninth of the clause's 180 s).
MUTATION_STREAM_LIMIT_S = 20.0
# Where the matrix keeps its scenarios' last durations (at its own limit), to balance each fault's processes.
DURATIONS = RunLayout(MUTATION_DIR / "durations")


@dataclass(frozen=True)
class FaultRun:
    fault: FaultSwitch
    decision: Decision
    profile: str  # the profile the fault ran in ("-" when skipped)
    seconds: float
    shape: str = "both"  # the stand shape it ran on (`--api`)
    applies: bool = True  # False: this shape cannot show the fault (its API is not offered)
    judged_on: str = ""  # a job-API fault is judged once, on the job shape, when the matrix runs that one too


def _scenario(result: ScenarioResult) -> dict[str, str]:
    first = result.message.splitlines()[0] if result.message else ""
    return {"spec": result.spec or "", "name": result.name.strip(), "status": result.status, "message": first[:300]}


class StandStopper:
    """Stops stands in the background, so that a worker goes on with its next fault while a broker shuts down."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def stop(self, stand: Stand) -> None:
        thread = threading.Thread(target=stand.down)
        thread.start()
        self.threads.append(thread)

    def join(self) -> None:
        for thread in self.threads:
            thread.join()


def run_fault(
    fault: FaultSwitch,
    profile: Profile,
    features: Path,
    stopper: StandStopper,
    stand_args: Sequence[str] = (),
    cancel: threading.Event | None = None,
    parallel: int = 1,
    durations: dict[str, float] | None = None,
) -> FaultRun:
    """One fault: its own stand, env file and results folder; the suite in `profile`; the decision."""
    started = time.monotonic()
    layout = RunLayout(MUTATION_DIR / _shape_of(stand_args) / fault.name)
    shutil.rmtree(layout.base, ignore_errors=True)
    layout.clear_run_outputs()
    # As in the nightly runner: behave imports while the stand starts, and runs once told where it is. The files are
    # named by shape too: one fault runs on both shapes at the same time.
    run_name = f"{_shape_of(stand_args)}-{fault.name}-{os.getpid()}"
    target_file = STAND_DIR / f"target-{run_name}.json"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("FOCUS_")}
    jobs = plan(profile, features, ROOT, parallel=parallel, durations=durations, slow_alone=False)
    # Forked from one process that imported the suite once: the matrix starts hundreds of behave processes.
    running = start_jobs(jobs, layout, base_env, target_env=target_file, forked=True)
    try:
        try:
            stand = Stand.up(STAND_DIR / f"mutation-{run_name}.env", fault.name, stand_args)
        except StandFailed as exc:
            stop_jobs(running)
            return FaultRun(
                fault,
                Decision(Verdict.ERROR, note=f"stand did not start: {exc}"),
                profile.value,
                0.0,
                _shape_of(stand_args),
            )
        try:
            env = target_env(os.environ, stand)
            released = {k: v for k, v in env.items() if k.startswith("FOCUS_") or k == "TARGET"}
            # No pictures: the runs only decide kills, and drawing costs each behave process matplotlib's import
            # (about half a minute of the matrix's wall time, measured: 17.0 -> 16.5 min).
            release_jobs(target_file, released | {"FOCUS_PICTURES": "false"})
            outcomes = wait_jobs(running, cancel=cancel)
        finally:
            stopper.stop(stand)
    except BaseException:
        stop_jobs(running)
        raise
    finally:
        target_file.unlink(missing_ok=True)
    results = read_results(layout.results)
    crashed = [o for o in outcomes if o.crashed]
    if crashed:
        tail = crashed[0].output_tail(3).replace("\n", " / ")
        decision = Decision(
            Verdict.ERROR, note=f"behave job {crashed[0].job.name} exited {crashed[0].returncode}: {tail}"
        )
    else:
        decision = decide(fault.clauses, results, fault.unjudged)
    return FaultRun(fault, decision, profile.value, time.monotonic() - started, _shape_of(stand_args))


def profile_for(fault: FaultSwitch, profile: Profile, shape: str = "both") -> Profile | None:
    """The matrix's profile for every fault (the nightly: all scenarios judged); under the quick profile, None for a
    slow-only fault (on this shape), which only the @slow scenarios can show."""
    if profile is Profile.QUICK and fault.slow_there(shape):
        return None
    return profile


# -- stand shapes (issue 11): the matrix once per `--api` shape ---------------------------------------------------


def _shape_of(stand_args: Sequence[str]) -> str:
    """The `--api` value among the stand's arguments (both when absent)."""
    args = list(stand_args)
    return args[args.index("--api") + 1] if "--api" in args else "both"


def not_applicable(faults: Sequence[FaultSwitch], shape: str) -> list[FaultRun]:
    """Skipped rows for the faults this shape cannot show (their API is not offered there)."""
    return [
        FaultRun(
            f,
            Decision(Verdict.SKIPPED, note=f"not shown by the {shape} shape: its API is not offered"),
            "-",
            0,
            shape,
            applies=False,
        )
        for f in faults
        if not f.applies_to(shape)
    ]


def judged_on_job_shape(faults: Sequence[FaultSwitch], shape: str, shapes: Sequence[str]) -> list[FaultSwitch]:
    """The job-API faults that the `both` shape leaves to the `job` shape when the matrix runs that one too: both
    shapes serve the same job API, so a second run would judge nothing new (and cost a nightly run each)."""
    if shape != "both" or "job" not in shapes:
        return []
    return [f for f in faults if f.applies_to("job") and "task" not in f.shapes]


def run_shapes(
    faults: Sequence[FaultSwitch],
    shapes: Sequence[str],
    profile: Profile,
    jobs: int,
    features: Path,
    stand_args: Sequence[str] = (),
    parallel: int = 1,
    durations: dict[str, float] | None = None,
) -> list[FaultRun]:
    """The matrix on every shape: the faults that apply to a shape run there, the others are skipped rows. The runs
    of all shapes share one pool, so that one shape's last faults run beside the next shape's first."""
    rows: list[FaultRun] = []
    todo: list[tuple[FaultSwitch, str]] = []
    for shape in shapes:
        offers = "the task API and the job API" if shape == "both" else f"the {shape} API only"
        print(f"-- shape {shape}: the stand offers {offers}", flush=True)
        elsewhere = judged_on_job_shape(faults, shape, shapes)
        rows += not_applicable(faults, shape)
        note = "judged on the job shape, which serves the same job API"
        rows += [FaultRun(f, Decision(Verdict.SKIPPED, note=note), "-", 0, shape, judged_on="job") for f in elsewhere]
        for fault in (f for f in faults if f.applies_to(shape) and f not in elsewhere):
            if profile_for(fault, profile, shape) is None:
                note = "slow-only: needs the @slow scenarios, run with --profile nightly"
                rows.append(FaultRun(fault, Decision(Verdict.SKIPPED, note=note), "-", 0.0, shape))
            else:
                todo.append((fault, shape))
    runs = rows + run_matrix(todo, profile, jobs, features, stand_args, parallel, durations, done=len(rows))
    order = {(fault.name, shape): index for index, (shape, fault) in enumerate((s, f) for s in shapes for f in faults)}
    return sorted(runs, key=lambda run: order[(run.fault.name, run.shape)])


def _line(run: FaultRun, done: int, total: int) -> str:
    d = run.decision
    detail = ""
    if d.elsewhere:
        detail = "red elsewhere: " + "; ".join(f"{r.spec} {r.name.strip()}" for r in d.elsewhere[:3])
    elif d.not_shown:
        detail = "broken on its clause: " + "; ".join(f"{r.spec} {r.name.strip()}" for r in d.not_shown[:2])
    elif d.on_clause:
        detail = "red: " + "; ".join(f"{r.spec} {r.name.strip()}" for r in d.on_clause[:2])
    note = f" ({d.note})" if d.note else ""
    return (
        f"[{done:>2}/{total}] {run.shape:<4} {d.verdict.value:<11} {run.fault.name:<24} "
        f"{','.join(run.fault.clauses):<16} "
        f"{run.seconds:5.0f} s  {detail[:110]}{note}"
    )


def run_matrix(
    todo: Sequence[tuple[FaultSwitch, str]],
    profile: Profile,
    jobs: int,
    features: Path,
    stand_args: Sequence[str] = (),
    parallel: int = 1,
    durations: dict[str, float] | None = None,
    done: int = 0,
) -> list[FaultRun]:
    """Each (fault, shape) on a stand of that shape, `jobs` at a time; slow-only faults first (they take longest)."""
    runs: list[FaultRun] = []
    total = done + len(todo)
    ordered = sorted(todo, key=lambda pair: not pair[0].slow_there(pair[1]))
    stopper = StandStopper()
    cancel = threading.Event()
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [
            pool.submit(
                run_fault,
                fault,
                profile_for(fault, profile, shape),
                features,
                stopper,
                [*stand_args, "--api", shape],
                cancel,
                parallel,
                durations,
            )
            for fault, shape in ordered
        ]
        for future in as_completed(futures):
            runs.append(future.result())
            print(_line(runs[-1], done + len(runs), total), flush=True)
    except BaseException:
        # Ctrl-C: the running faults stop their behave jobs and stands, the others never start.
        cancel.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        stopper.join()
    return runs


def to_json(runs: Sequence[FaultRun], profile: Profile, stand_args: Sequence[str]) -> dict:
    return {
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "profile": profile.value,
        "stand_args": list(stand_args),
        "faults": [
            {
                "name": run.fault.name,
                "shape": run.shape,
                "clauses": list(run.fault.clauses),
                "unjudged": list(run.fault.unjudged),
                "slow": run.fault.slow,
                "description": run.fault.description,
                "verdict": run.decision.verdict.value,
                "profile": run.profile,
                "seconds": round(run.seconds, 1),
                "red_on_clause": [_scenario(r) for r in run.decision.on_clause],
                "red_elsewhere": [_scenario(r) for r in run.decision.elsewhere],
                "broken_on_clause": [_scenario(r) for r in run.decision.not_shown],
                "note": run.decision.note,
                "applies": run.applies,
                "judged_on": run.judged_on,
            }
            for run in runs
        ],
    }


def stamp_commit(matrix: dict, commit: str | None = None) -> dict:
    """The suite commit on the matrix and on each fault it ran: a clause is *proven* only by kills of the run's own
    commit (tools/verdicts/clause_verdict.py), and `--only` keeps older faults with the commit they ran on."""
    commit = commit or suite_commit()
    return {**matrix, "suite_commit": commit, "faults": [{**f, "suite_commit": commit} for f in matrix["faults"]]}


def merge(previous: dict | None, current: dict) -> dict:
    """With --only, the faults not re-run keep their last entry, so the matrix stays whole."""
    if not previous:
        return current
    fresh = {(fault["name"], fault.get("shape", "both")) for fault in current["faults"]}
    kept = [fault for fault in previous.get("faults", []) if (fault["name"], fault.get("shape", "both")) not in fresh]
    return {**current, "faults": kept + current["faults"]}


def to_markdown(matrix: dict) -> str:
    lines = [
        "# Mutation matrix",
        "",
        f"{matrix['finished_at']}, {matrix['profile']} profile. A fault is killed when a scenario of its clause(s) "
        "fails as a product defect, none of them ends broken (not shown), and every scenario of every other clause "
        "stays green, but for a clause the fault may leave not verified (a broken environment there: column "
        "Unjudged).",
        "",
        "| Fault | Shape | Clauses | Unjudged | Verdict | Failed on its clauses | Broken on its clauses "
        "| Red elsewhere | Note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for fault in matrix["faults"]:

        def names(key: str, fault: dict = fault) -> str:
            return "<br>".join(
                f"{r['spec']} {r['name']} ({r['status']})".replace("|", "\\|") for r in fault.get(key, [])
            )

        lines.append(
            f"| `{fault['name']}` | {fault.get('shape', 'both')} | {', '.join(fault['clauses'])} | "
            f"{', '.join(fault.get('unjudged', []))} | **{fault['verdict']}** | {names('red_on_clause')} | "
            f"{names('broken_on_clause')} | {names('red_elsewhere')} | {fault['note'].replace('|', '/')} |"
        )
    counts: dict[str, int] = {}
    for fault in matrix["faults"]:
        counts[fault["verdict"]] = counts.get(fault["verdict"], 0) + 1
    lines += ["", ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))]
    return "\n".join(lines) + "\n"


def table(runs: Sequence[FaultRun]) -> str:
    header = f"{'fault':<24} {'shape':<5} {'clauses':<16} {'verdict':<11}"
    rows = [f"{header} failed on its clauses / broken there / red elsewhere"]
    for run in runs:
        d = run.decision
        rows.append(
            f"{run.fault.name:<24} {run.shape:<5} {','.join(run.fault.clauses):<16} {d.verdict.value:<11} "
            f"{len(d.on_clause)} / {len(d.not_shown)} / {len(d.elsewhere)}{'  ' + d.note if d.note else ''}"
        )
    return "\n".join(rows)


def refresh_report(layout: RunLayout = DEFAULT_LAYOUT) -> Path | None:
    """The acceptance report again, its traceability page now showing the faults killed per clause.

    Rebuilt from the acceptance run's results (its trend entry replaced, not doubled); with no run there, only the
    traceability pages are rewritten. Returns the report (or page) written, None when there was nothing.
    """
    if any(layout.results.glob("*-result.json")):
        try:
            return report.rebuild(layout).index
        except report.ReportFailed as exc:
            print(f"the report could not be rebuilt ({exc}); its traceability pages are refreshed instead")
    written = traceability.refresh(layout)
    return written[0] if written else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the suite against every fault switch of the stand.")
    parser.add_argument("--profile", type=Profile, choices=list(Profile), default=Profile.NIGHTLY)
    parser.add_argument(
        "--jobs", type=int, default=6, help="faults at a time (default 6: their scenarios mostly wait on streams)"
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these faults only (the matrix keeps the others)")
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--parallel", type=int, default=4, help="behave processes per fault (default 4)")
    parser.add_argument(
        "--stream-limit",
        type=float,
        default=MUTATION_STREAM_LIMIT_S,
        help=f"the stands' gRPC stream limit (default {MUTATION_STREAM_LIMIT_S:g} s; 180 for the clause's own)",
    )
    parser.add_argument("--catalogue", help="the recordings the stands play (default, contract, continuous, a file)")
    parser.add_argument(
        "--api",
        nargs="+",
        choices=["both", "task", "job"],
        default=["both"],
        help="the stand shapes to run the matrix on (default both; make mutation: both job)",
    )
    args = parser.parse_args(argv)
    faults = list_faults()
    if args.only:
        unknown = set(args.only) - {f.name for f in faults}
        if unknown:
            parser.error(f"unknown fault(s): {', '.join(sorted(unknown))}")
        faults = [f for f in faults if f.name in args.only]
    started = time.monotonic()
    print(
        f"mutation matrix: {len(faults)} faults, {args.jobs} at a time, {args.profile} profile, "
        f"shapes {', '.join(args.api)}, stream limit {args.stream_limit:g} s, one broker",
        flush=True,
    )
    features = args.features.resolve()
    durations = expected_durations(scenarios(features, ROOT), args.stream_limit)
    try:
        with SharedBroker.up(STAND_DIR / f"mutation-broker-{os.getpid()}.env") as broker:
            stand_args = ["--stream-limit", f"{args.stream_limit:g}", "--broker-env", str(broker.env_file)]
            stand_args += ["--catalogue", args.catalogue] if args.catalogue else []
            runs = run_shapes(faults, args.api, args.profile, args.jobs, features, stand_args, args.parallel, durations)
    except KeyboardInterrupt:
        print("\ninterrupted: behave jobs and stands stopped")
        return 130
    except StandFailed as exc:
        print(f"the matrix's broker did not start: {exc}")
        return 2
    keep_durations(runs)
    previous = (
        json.loads(MUTATION_MATRIX.read_text(encoding="utf-8")) if args.only and MUTATION_MATRIX.exists() else None
    )
    matrix = merge(previous, stamp_commit(to_json(runs, args.profile, ["--stream-limit", f"{args.stream_limit:g}"])))
    # Some faults only, on no earlier whole matrix: it proves no clause (tools/verdicts/clause_verdict.py reads this).
    matrix["partial"] = bool(args.only) and (previous is None or bool(previous.get("partial")))
    MUTATION_DIR.mkdir(parents=True, exist_ok=True)
    MUTATION_MATRIX.write_text(json.dumps(matrix, indent=2), encoding="utf-8")
    (MUTATION_DIR / "matrix.md").write_text(to_markdown(matrix), encoding="utf-8")
    kills = write_kill_matrix(matrix, args.features.resolve())
    refreshed = refresh_report()
    print("\n" + table(runs))
    print("\n" + kill_matrix.summary(kills))
    bad = [run for run in runs if not run.decision.verdict.acceptable]
    print(
        f"\n{len(runs) - len(bad)}/{len(runs)} faults killed or skipped in {time.monotonic() - started:.0f} s; "
        f"matrix: {MUTATION_MATRIX.relative_to(ROOT)} and matrix.md"
    )
    if refreshed:
        print(f"report rebuilt with these kills: {refreshed.relative_to(ROOT)}")
    if bad:
        print("not killed: " + ", ".join(f"{run.fault.name} on {run.shape} ({run.decision.verdict})" for run in bad))
    return 1 if bad or not kills.complete else 0


STEPS = ROOT / "steps"


def expected_durations(planned: Sequence[PlannedScenario], limit_s: float) -> dict[str, float]:
    """Each scenario's duration at this limit, to balance a fault's processes: as measured by the last matrix, else
    a guess (a @slow scenario about the limit, a @listening one a third of it)."""
    guess = {
        duration_key(s.spec, s.case, s.name): limit_s if s.slow else limit_s / 3 if s.listening else 2.0
        for s in planned
    }
    measured = load_durations(DURATIONS) if durations_file(DURATIONS).exists() else {}
    return guess | {key: seconds for key, seconds in measured.items() if key in guess}


def keep_durations(runs: Sequence[FaultRun]) -> None:
    """Each scenario's median duration over the faults' runs, for the next matrix (a fault may make a scenario end
    early or wait out its timeout; most leave it as it is)."""
    seen: dict[str, list[float]] = {}
    for run in runs:
        if run.profile == "-":
            continue
        for result in read_results(RunLayout(MUTATION_DIR / run.shape / run.fault.name).results):
            seen.setdefault(duration_key(result.spec, result.case, result.name), []).append(result.duration_s)
    if seen:
        file = durations_file(DURATIONS)
        file.parent.mkdir(parents=True, exist_ok=True)
        medians = {key: round(statistics.median(values), 2) for key, values in seen.items()}
        file.write_text(json.dumps(medians, indent=1, sort_keys=True), encoding="utf-8")


def write_kill_matrix(matrix: dict, features: Path) -> kill_matrix.KillMatrix:
    """The step-level kill matrix over every fault of the matrix (re-run or kept), from each fault's results folder:
    into matrix.json as `checks`, and into matrix.md as its sections."""
    kills = kill_matrix.for_mutation(
        matrix["faults"],
        lambda entry: RunLayout(MUTATION_DIR / entry.get("shape", "both") / entry["name"]).results,
        features,
        STEPS,
    )
    MUTATION_MATRIX.write_text(json.dumps(matrix | kill_matrix.to_json(kills), indent=2), encoding="utf-8")
    with (MUTATION_DIR / "matrix.md").open("a", encoding="utf-8") as md:
        md.write("\n" + kill_matrix.to_markdown(kills))
    return kills


if __name__ == "__main__":
    sys.exit(main())
