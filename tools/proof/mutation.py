"""`make mutation`: each fault on a stand of its own, one `--api` shape that can show it (README.md). Only a product
defect on its clauses kills; a clause of its ended broken is *not shown*, another clause red a *false alarm* (but its
`unjudged` ones), its clauses all green *survived*. Writes reports/mutation/matrix.json and matrix.md; exit 1 when a
fault is not killed or skipped, or a check was never shown red.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from stand.control import STAND_DIR, FaultSwitch, SharedBroker, Stand, StandFailed, list_faults, target_env
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, MUTATION_MATRIX, ROOT, RunLayout, suite_commit
from tools.common.results import Kind, ScenarioResult, read_results
from tools.proof import kill_matrix
from tools.proof.kill_matrix import table
from tools.report import build as report
from tools.run import behave_runs as jobs
from tools.verdicts import traceability

MUTATION_DIR = MUTATION_MATRIX.parent
MUTATION_STREAM_LIMIT_S = 20.0  # a ninth of the clause's 180 s


class Verdict(StrEnum):
    KILLED = "killed"
    NOT_SHOWN = "not shown"
    SURVIVED = "survived"
    FALSE_ALARM = "false alarm"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def acceptable(self) -> bool:
        """What lets `make mutation` pass: a kill, or a fault the profile cannot reach (and says so)."""
        return self in (Verdict.KILLED, Verdict.SKIPPED)


class Decision(NamedTuple):
    verdict: Verdict
    on_clause: Sequence[ScenarioResult] = ()  # scenarios of its clauses failed as product defects
    elsewhere: Sequence[ScenarioResult] = ()  # scenarios of other clauses that are not green
    not_shown: Sequence[ScenarioResult] = ()  # scenarios of its clauses that ended broken
    note: str = ""


def decide(clauses: Iterable[str], results: Sequence[ScenarioResult], unjudged: Iterable[str] = ()) -> Decision:
    """`unjudged`: clauses the fault may leave broken by the environment (anything else red there is an alarm)."""
    targeted, excused = set(clauses), set(unjudged) - set(clauses)
    if not results:
        return Decision(Verdict.ERROR, note="no scenario ran")
    on_clause = [r for r in results if r.spec in targeted and r.kind is Kind.PRODUCT]
    not_shown = [r for r in results if r.spec in targeted and r.red and r.kind is not Kind.PRODUCT]
    # A scenario whose API the stand's shape does not offer is skipped by design, not an alarm.
    elsewhere = [r for r in results if r.spec not in targeted and r.status != "passed" and not r.not_offered]
    elsewhere = [r for r in elsewhere if not (r.spec in excused and r.kind is Kind.ENVIRONMENT)]
    if elsewhere:
        return Decision(Verdict.FALSE_ALARM, on_clause, elsewhere, not_shown)
    if not_shown:
        kinds = ", ".join(sorted({r.kind.value for r in not_shown}))
        note = f"its clause ended broken ({kinds}) where the product should have failed"
        return Decision(Verdict.NOT_SHOWN, on_clause, not_shown=not_shown, note=note)
    if on_clause:
        return Decision(Verdict.KILLED, on_clause)
    ran = {r.spec for r in results} & targeted
    note = "" if ran else f"no scenario of {', '.join(sorted(targeted))} ran"
    return Decision(Verdict.SURVIVED, note=note)


class FaultRun(NamedTuple):
    fault: FaultSwitch
    decision: Decision
    profile: str  # the profile it ran in ("-" when not run on this shape)
    seconds: float
    shape: str = "both"
    applies: bool = True  # False: this shape cannot show the fault (its API is not offered)
    judged_on: str = ""  # the shape it was judged on, when not this one


@dataclass
class Matrix:
    """What every fault's run shares; `cancel` is Ctrl-C, `stopping` the stands still going down."""

    profile: str
    features: Path
    stand_args: Sequence[str]
    parallel: int
    cancel: threading.Event = field(default_factory=threading.Event)
    stopping: list[threading.Thread] = field(default_factory=list)

    def run_fault(self, fault: FaultSwitch, shape: str) -> FaultRun:
        """One fault on its own stand and folder, its behave jobs drawing no pictures."""
        started, layout = time.monotonic(), RunLayout(MUTATION_DIR / shape / fault.name)
        shutil.rmtree(layout.base, ignore_errors=True)
        # At a 20 s limit the @slow and @listening scenarios take seconds: spread with the rest, not alone.
        planned = jobs.plan(self.profile == "nightly", self.features, ROOT, parallel=self.parallel, alone=False)
        try:
            env_file = STAND_DIR / f"mutation-{shape}-{fault.name}-{os.getpid()}.env"
            stand = Stand.up(env_file, fault.name, [*self.stand_args, "--api", shape])
        except StandFailed as exc:
            return FaultRun(fault, Decision(Verdict.ERROR, note=f"stand did not start: {exc}"), self.profile, 0, shape)
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("FOCUS_")}
            env |= {k: v for k, v in target_env(os.environ, stand).items() if k.startswith("FOCUS_") or k == "TARGET"}
            env |= {"FOCUS_PICTURES": "false", "FOCUS_PROFILE": self.profile}
            outcomes = jobs.wait_jobs(jobs.start_jobs(planned, layout, env), cancel=self.cancel)
        finally:
            self.stopping.append(threading.Thread(target=stand.down))  # the worker goes on meanwhile
            self.stopping[-1].start()
        if crashed := [o for o in outcomes if o.crashed]:
            first, tail = crashed[0], crashed[0].output_tail(3).replace("\n", " / ")
            decision = Decision(Verdict.ERROR, note=f"behave job {first.job.name} exited {first.returncode}: {tail}")
        else:
            decision = decide(fault.clauses, read_results(layout.results), fault.unjudged)
        return FaultRun(fault, decision, self.profile, time.monotonic() - started, shape)

    def run(self, todo: Sequence[tuple[FaultSwitch, str]], workers: int, done: int = 0) -> list[FaultRun]:
        """Each (fault, shape) on its stand, `workers` at a time; slow-only faults first (they take longest)."""
        runs: list[FaultRun] = []
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            ordered = sorted(todo, key=lambda pair: not pair[0].slow_there(pair[1]))
            for future in as_completed([pool.submit(self.run_fault, fault, shape) for fault, shape in ordered]):
                runs.append(future.result())
                print(_line(runs[-1], done + len(runs), done + len(todo)), flush=True)
        except BaseException:
            self.cancel.set()  # Ctrl-C: the running faults stop their behave jobs and stands, the others never start
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            for thread in self.stopping:  # before the broker goes
                thread.join()
        return runs


def rows_and_runs(
    faults: Sequence[FaultSwitch], shapes: Sequence[str], profile: str
) -> tuple[list[FaultRun], list[tuple[FaultSwitch, str]]]:
    """The rows that need no run, and the (fault, shape) pairs to run: a job-API-only fault on the job shape."""
    rows, todo = [], []
    for fault in faults:
        job_only = "job" in shapes and fault.applies_to("job") and "task" not in fault.shapes
        judged = "job" if job_only else next((shape for shape in shapes if fault.applies_to(shape)), None)
        for shape in shapes:
            skipped = Decision(Verdict.SKIPPED, note="slow-only: needs the @slow scenarios, run with --profile nightly")
            if not fault.applies_to(shape):
                skipped = Decision(Verdict.SKIPPED, note=f"not shown by the {shape} shape: its API is not offered")
                rows.append(FaultRun(fault, skipped, "-", 0, shape, applies=False))
            elif shape != judged:
                skipped = Decision(Verdict.SKIPPED, note=f"judged on the {judged} shape, which serves the same API")
                rows.append(FaultRun(fault, skipped, "-", 0, shape, judged_on=str(judged)))
            elif profile == "quick" and fault.slow_there(shape):
                rows.append(FaultRun(fault, skipped, "-", 0, shape))
            else:
                todo.append((fault, shape))
    return rows, todo


def _line(run: FaultRun, done: int, total: int) -> str:
    d = run.decision
    shown = d.elsewhere or d.not_shown or d.on_clause
    what = "red elsewhere" if d.elsewhere else "broken on its clause" if d.not_shown else "red"
    detail = f"{what}: " + "; ".join(f"{r.spec} {r.name.strip()}" for r in shown[:3]) if shown else ""
    head = f"[{done:>2}/{total}] {run.shape:<4} {d.verdict:<11} {run.fault.name:<24} {','.join(run.fault.clauses):<16}"
    return f"{head} {run.seconds:5.0f} s  {detail[:110]}" + (f" ({d.note})" if d.note else "")


def _scenarios(results: Sequence[ScenarioResult]) -> list[dict[str, str]]:
    first = [(r.message or "\n").splitlines()[0][:300] for r in results]
    return [
        {"spec": r.spec or "", "name": r.name.strip(), "status": r.status, "message": m}
        for r, m in zip(results, first, strict=True)
    ]


def to_json(runs: Sequence[FaultRun], profile: str, stand_args: Sequence[str], commit: str | None = None) -> dict:
    """The matrix, stamped with the suite's commit (`stamp_commit`)."""
    faults = [
        {"name": run.fault.name, "shape": run.shape, "clauses": list(run.fault.clauses)}
        | {"unjudged": list(run.fault.unjudged), "slow": run.fault.slow, "description": run.fault.description}
        | {"verdict": run.decision.verdict.value, "profile": run.profile, "seconds": round(run.seconds, 1)}
        | {"red_on_clause": _scenarios(run.decision.on_clause), "red_elsewhere": _scenarios(run.decision.elsewhere)}
        | {"broken_on_clause": _scenarios(run.decision.not_shown), "note": run.decision.note}
        | {"applies": run.applies, "judged_on": run.judged_on}
        for run in runs
    ]
    finished = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    matrix = {"finished_at": finished, "profile": profile, "stand_args": list(stand_args), "faults": faults}
    return stamp_commit(matrix, commit)


def stamp_commit(matrix: dict, commit: str | None = None) -> dict:
    """The suite's commit on the matrix and each fault: only kills of the run's own commit prove a clause."""
    commit = commit or suite_commit()
    return {**matrix, "suite_commit": commit, "faults": [{**f, "suite_commit": commit} for f in matrix["faults"]]}


def merge(previous: dict | None, current: dict, only: bool) -> dict:
    """With --only, the faults not re-run keep their last entry; `partial` when no whole matrix came before."""
    fresh = {(fault["name"], fault["shape"]) for fault in current["faults"]}
    kept = [f for f in (previous or {}).get("faults", []) if (f["name"], f.get("shape", "both")) not in fresh]
    partial = only and (previous is None or bool(previous.get("partial")))
    return {**current, "faults": kept + current["faults"], "partial": partial}


def to_markdown(matrix: dict) -> str:
    intro = (
        f"{matrix['finished_at']}, {matrix['profile']} profile. A fault is killed when a scenario of its clause(s) "
        "fails as a product defect, none of them ends broken (not shown), and every other clause stays green but for "
        "one the fault may leave not verified (Unjudged)."
    )
    head = ["Fault", "Shape", "Clauses", "Unjudged", "Verdict", "Failed on its clauses", "Broken on its clauses"]
    rows = []
    for f in matrix["faults"]:
        row = [f"`{f['name']}`", f.get("shape", "both"), ", ".join(f["clauses"]), ", ".join(f.get("unjudged", []))]
        row += [f"**{f['verdict']}**"] + [
            "<br>".join(f"{r['spec']} {r['name']} ({r['status']})" for r in f.get(key, []))
            for key in ("red_on_clause", "broken_on_clause", "red_elsewhere")
        ]
        rows.append([*row, f["note"]])
    counts = Counter(f["verdict"] for f in matrix["faults"])
    said = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    return "\n".join(["# Mutation matrix", "", intro, "", *table([*head, "Red elsewhere", "Note"], rows), "", said, ""])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("quick", "nightly"), default="nightly")
    parser.add_argument("--jobs", type=int, default=6, help="faults at a time (default 6: they mostly wait on streams)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these faults only (the matrix keeps the others)")
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--parallel", type=int, default=4, help="behave processes per fault (default 4)")
    parser.add_argument("--stream-limit", type=float, default=MUTATION_STREAM_LIMIT_S, help="the stands' limit (20 s)")
    parser.add_argument("--catalogue", help="the recordings the stands play (default, contract, continuous, a file)")
    parser.add_argument("--api", nargs="+", choices=["both", "task", "job"], default=["both"], help="the stand shapes")
    args = parser.parse_args(argv)
    faults = list_faults()
    if unknown := set(args.only or ()) - {f.name for f in faults}:
        parser.error(f"unknown fault(s): {', '.join(sorted(unknown))}")
    faults = [f for f in faults if not args.only or f.name in args.only]
    started, features, limit = time.monotonic(), args.features.resolve(), f"{args.stream_limit:g}"
    rows, todo = rows_and_runs(faults, args.api, args.profile)
    said = f"mutation matrix: {len(faults)} faults ({len(todo)} stand runs), {args.jobs} at a time, {args.profile}"
    print(f"{said} profile, shapes {', '.join(args.api)}, stream limit {limit} s, one broker", flush=True)
    jobs.warm()  # the fork server imports the suite while the broker starts
    try:
        with SharedBroker.up(STAND_DIR / f"mutation-broker-{os.getpid()}.env") as broker:
            stand_args = ["--stream-limit", limit, "--broker-env", str(broker.env_file)]
            stand_args += ["--catalogue", args.catalogue] if args.catalogue else []
            ran = Matrix(args.profile, features, stand_args, args.parallel).run(todo, args.jobs, len(rows))
    except KeyboardInterrupt:
        print("\ninterrupted: behave jobs and stands stopped")
        return 130
    except StandFailed as exc:
        print(f"the matrix's broker did not start: {exc}")
        return 2
    order = {(f.name, shape): n for n, (f, shape) in enumerate((f, s) for f in faults for s in args.api)}
    runs = sorted(rows + ran, key=lambda run: order[(run.fault.name, run.shape)])
    last = MUTATION_MATRIX if args.only and MUTATION_MATRIX.exists() else None
    previous = json.loads(last.read_text(encoding="utf-8")) if last else None
    matrix = merge(previous, to_json(runs, args.profile, ["--stream-limit", limit]), bool(args.only))
    results = lambda f: RunLayout(MUTATION_DIR / f.get("shape", "both") / f["name"]).results  # noqa: E731
    kills = kill_matrix.build(matrix["faults"], results, features, ROOT / "steps")
    MUTATION_DIR.mkdir(parents=True, exist_ok=True)
    MUTATION_MATRIX.write_text(json.dumps(matrix | kill_matrix.to_json(kills), indent=2), encoding="utf-8")
    text = f"{to_markdown(matrix)}\n{kill_matrix.to_markdown(kills)}"
    (MUTATION_DIR / "matrix.md").write_text(text, encoding="utf-8")
    refreshed = None  # the acceptance report again (its trend entry replaced) with these kills; else traceability
    if any(DEFAULT_LAYOUT.results.glob("*-result.json")):
        try:
            refreshed = report.rebuild(DEFAULT_LAYOUT).index
        except report.ReportFailed as exc:
            print(f"the report could not be rebuilt ({exc}); its traceability pages are refreshed instead")
    refreshed = refreshed or next(iter(traceability.refresh(DEFAULT_LAYOUT)), None)
    bad = [run for run in runs if not run.decision.verdict.acceptable]
    print(f"\n{kill_matrix.summary(kills)}\n\n{len(runs) - len(bad)}/{len(runs)} faults killed or skipped in ", end="")
    print(f"{time.monotonic() - started:.0f} s; matrix: {MUTATION_MATRIX.relative_to(ROOT)} and matrix.md")
    if refreshed:
        print(f"report rebuilt with these kills: {refreshed.relative_to(ROOT)}")
    if bad:
        print("not killed: " + ", ".join(f"{run.fault.name} on {run.shape} ({run.decision.verdict})" for run in bad))
    return 1 if bad or not kills.complete else 0


if __name__ == "__main__":
    sys.exit(main())
