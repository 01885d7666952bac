"""`./acceptance`, `make acceptance`, `py -m tools.run.nightly`: start the target, ask it once (a part that does not
answer is one line, exit 2), run a profile, write the report. The run is a list of phases; one that returns an exit
code ends it, `FINALLY` runs whatever happened. Exit: 0 green, 1 product defect, 2 broken environment, 3 suite
defect, 4 not verified, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from support import settings as suite_settings
from support.settings import Settings, SettingsError, Target, load_settings
from tools.common.catalogue import scenarios
from tools.common.console import plain_text_where_needed
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, ROOT, RunLayout, suite_commit
from tools.common.results import Kind, read_results, tally
from tools.run import behave_runs as jobs
from tools.run.behave_runs import BehaveJob, JobOutcome, RunningJob
from tools.run.not_run import write_not_run
from tools.run.outcome import Exit, crash_kind, exit_code
from tools.run.progress import ProgressBoard
from tools.verdicts.clause_verdict import judge, summary_lines
from tools.verdicts.run_header import SpecVersion

if TYPE_CHECKING:  # the embedded stand is Linux only: imported when one is started, never for a deployment
    from stand.control import Stand

PROTO = Path("pandadatastream") / "pandadatastream.proto"
GENERATED = (PROTO.with_name("pandadatastream_pb2.py"), PROTO.with_name("pandadatastream_pb2_grpc.py"))
PROFILES = ("quick", "nightly")
# Processes of the scenarios that are not @slow. Quick: spread, as they mostly wait on the target (6 of them: 6.1-6.9 s
# of behave on 2 cores, 7 slow the stand's start as much as they gain). Nightly: one, fewer disturb the slow ones less.
DEFAULT_PARALLEL = {"quick": 6, "nightly": 1}
NOT_ANSWERED = "no scenario ran: the target did not answer (the line at the start of the run)"
_secrets: list[str] = []  # the target's, once known: nothing the runner prints holds one


def say(text: str) -> None:
    for secret in _secrets:
        text = text.replace(secret, "***")
    print(text, flush=True)


def _shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def own_suite(options: argparse.Namespace) -> bool:
    """The project's suite, whose target the runner asks; another (the tests' fixture suite) needs none."""
    return options.features == FEATURES or FEATURES in options.features.parents


@dataclass
class NightlyRun:
    """What the phases share."""

    options: argparse.Namespace  # options_of's
    started: float = field(default_factory=time.monotonic)
    timings: dict[str, float] = field(default_factory=dict)
    jobs: list[BehaveJob] = field(default_factory=list)
    running: list[RunningJob] = field(default_factory=list)
    stand: Stand | None = None
    stand_stopping: threading.Thread | None = None
    settings: Settings | None = None
    preflight: dict[str, Any] = field(default_factory=dict)  # python -m support.preflight's answer
    outcomes: list[JobOutcome] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)  # the report's environment block
    code: Exit | None = None

    def mark(self, name: str, since: float) -> None:
        self.timings[name] = round(time.monotonic() - since, 2)

    @property
    def stopped(self) -> str | None:
        """The one line of a target that did not answer: no scenario ran."""
        return self.preflight.get("line")


Phase = Callable[[NightlyRun], Exit | None]


def clear_outputs(run: NightlyRun) -> Exit | None:
    """An earlier run's results, JUnit files and logs go; reports/history/ stays, for the trends."""
    run.options.layout.clear_run_outputs()


def check_settings(run: NightlyRun) -> Exit | None:
    """A setting the suite cannot take: one line, before anything starts; a named deployment's warnings, once."""
    try:
        load_settings()
    except SettingsError as error:
        say(f"bad setting: {error}")
        return Exit.BROKEN_ENVIRONMENT
    name = os.environ.get(suite_settings.NAME_VARIABLE)
    if name and run.options.target is Target.EXTERNAL:
        for warning in suite_settings.read_deployment(name, suite_settings.environments_file())[1]:
            say(f"warning: {warning}")


def generate_grpc_code(run: NightlyRun) -> Exit | None:
    """The gRPC code where it is missing or older than the .proto (`make proto`'s command; never committed)."""
    proto = (ROOT / PROTO).stat().st_mtime
    if all((ROOT / path).is_file() and (ROOT / path).stat().st_mtime >= proto for path in GENERATED):
        return None
    code, last = _command("grpc_tools.protoc", "-I.", "--python_out=.", "--grpc_python_out=.", PROTO.as_posix())
    if code != 0:
        say(f"the gRPC code could not be generated: exit {code}: {last}")
        return Exit.SUITE_DEFECT
    say(f"gRPC code generated from {PROTO.as_posix()}")


def _command(module: str, *args: str) -> tuple[int, str]:
    """`python -m module args` in the checkout: its exit code and the last line it said."""
    command = [sys.executable, "-m", module, *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", errors="replace")
    said = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode, said[-1] if said else "no output"


def plan_jobs(run: NightlyRun) -> Exit | None:
    """The behave processes of the profile; the fork server warms meanwhile."""
    options = run.options
    jobs.warm()
    parallel = options.parallel or DEFAULT_PARALLEL[options.profile]
    run.jobs = jobs.plan(options.profile == "nightly", options.features, ROOT, parallel=parallel)
    if not run.jobs:
        say(f"no scenarios to run in {_shown(options.features)} (profile {options.profile})")
        return Exit.SUITE_DEFECT
    slow = sum(job.slow for job in run.jobs)
    split = f" (one per @slow or @listening scenario: {slow}; the rest: {len(run.jobs) - slow})" if slow else ""
    count = sum(len(job.scenarios) for job in run.jobs)
    say(
        f"acceptance: profile {options.profile}, target {options.target}: {count} scenarios in {len(run.jobs)} "
        f"behave process(es){split}"
    )


def start_target(run: NightlyRun) -> Exit | None:
    """The embedded stand, or the deployment the settings name; the run's settings point at it."""
    options = run.options
    if options.target is Target.STAND:
        from stand.control import STAND_DIR, Stand, StandFailed, target_env

        say("starting the embedded stand …")
        try:
            extra = ["--api", options.api, "--catalogue", options.catalogue]
            run.stand = Stand.up(STAND_DIR / f"acceptance-{os.getpid()}.env", extra_args=extra)
        except StandFailed as exc:
            say(f"the embedded stand did not start: {exc}")
            return Exit.BROKEN_ENVIRONMENT
        run.mark("stand_up_s", run.started)
        say(f"stand up in {run.timings['stand_up_s']:.1f} s (shape: {options.api}; catalogue: {options.catalogue})")
        # The FOCUS_* settings of the caller's that are not the stand's to give: the shape asked, the profile's.
        kept = {key: os.environ[key] for key in ("FOCUS_API", "FOCUS_PROFILE") if key in os.environ}
        replaced = target_env(os.environ, run.stand)
        os.environ.clear()
        os.environ.update(replaced | kept)
    os.environ["TARGET"] = options.target.value
    run.settings = load_settings()
    _secrets[:] = run.settings.secrets()
    if not run.settings.base_url:
        say("TARGET=external needs FOCUS_BASE_URL and the other FOCUS_* variables, or --env NAME (see README.md)")
        return Exit.BROKEN_ENVIRONMENT
    # One set of job slots for the whole run (FOCUS_MAX_JOBS across every process), its ledger in this folder.
    os.environ["FOCUS_JOB_SLOTS_DIR"] = str(run.options.layout.logs / "job-slots")
    (run.options.layout.logs / "job-slots").mkdir(parents=True, exist_ok=True)


def check_target(run: NightlyRun) -> Exit | None:
    """Every part of the target asked once, then its shape; one that does not answer: its line, no scenario runs."""
    if not own_suite(run.options):
        return None
    layout, started = run.options.layout, time.monotonic()
    answer = layout.logs / "preflight.json"
    folders = ("--out", str(answer), "--results", str(layout.results), "--junit", str(layout.junit / "preflight"))
    code, last = _command("support.preflight", *folders)
    try:
        run.preflight = json.loads(answer.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        run.preflight = {"line": f"the preflight failed (exit {code}): {last}"}
    run.mark("preflight_s", started)
    if run.stopped is not None:
        say(run.stopped)
    else:
        api = run.preflight["api"]
        offered = "task API and job API" if api == "both" else f"{api} API only"
        say(f"target API: {offered} ({run.preflight.get('api_how', '')})")
        os.environ["FOCUS_API"] = api  # every behave process takes it as found, none asks again


def run_scenarios(run: NightlyRun) -> Exit | None:
    """The behave processes in the target's variables, the preflight done (they skip theirs); wait for the last."""
    if run.stopped is not None:
        return None
    assert run.settings is not None
    started, done = time.monotonic(), {"ACCEPTANCE_PREFLIGHT_DONE": "1"} if own_suite(run.options) else {}
    run.running = jobs.start_jobs(run.jobs, run.options.layout, {**os.environ, **done})
    board = ProgressBoard(floor_s=run.settings.stream_limit_s)
    try:
        run.outcomes = jobs.wait_jobs(run.running, on_tick=board)
    finally:
        board.close()
    run.mark("behave_s", started)
    if run.stand is not None:  # it stops while the results are judged and the report built: no wall time
        run.stand_stopping = threading.Thread(target=run.stand.down, kwargs={"keep_logs": run.options.layout.logs})
        run.stand_stopping.start()


def count_jobs(run: NightlyRun) -> Exit | None:
    """The jobs the run configured and the most alive at once (the slots' ledger), said and noted for the report."""
    ledger = run.options.layout.logs / "job-slots" / "ledger.jsonl"
    if run.settings is None or not ledger.parent.is_dir():
        return None
    entries = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()] if ledger.exists() else []
    events = sorted((entry.get("opened", entry.get("closed")), 1 if "opened" in entry else -1) for entry in entries)
    steps = [step for _, step in events]
    configured, most = steps.count(1), max([0, *itertools.accumulate(steps)])
    run.environment |= {"jobs.configured": str(configured), "jobs.max_alive": str(most)}
    say(f"jobs: {configured} configured, at most {most} alive at once (limit {run.settings.max_jobs})")


def judge_run(run: NightlyRun) -> Exit | None:
    """The results (those that never ran written as skipped), the verdict per clause, the exit code."""
    options = run.options
    results = read_results(options.layout.results)
    crashes = [outcome for outcome in run.outcomes if outcome.crashed]
    planned = scenarios(options.features, ROOT)
    if results:
        selected = [scenario for job in run.jobs for scenario in job.scenarios]
        write_not_run(options.layout.results, planned, results, options.profile, selected)
    shape = run.preflight.get("api") or "unknown"
    verdicts = judge(read_results(options.layout.results), options.profile, planned=planned, shape=shape)
    lines = _result_lines(results) + _crash_lines(crashes) if run.stopped is None else [NOT_ANSWERED]
    for line in lines + (summary_lines(verdicts, options.profile) if verdicts else []):
        say(line)
    run.code = exit_code(results, map(crash_kind, crashes), verdicts) if results or crashes else Exit.SUITE_DEFECT


def _result_lines(results: Sequence[Any]) -> list[str]:
    counts = tally(results)
    lines = [
        f"{len(results)} scenarios: {counts[Kind.PASSED]} passed, {counts[Kind.PRODUCT]} failed (product defect), "
        f"{counts[Kind.ENVIRONMENT]} broken (environment), {counts[Kind.SUITE]} broken (suite defect)"
    ]
    if not_offered := [result for result in results if result.not_offered]:
        apis = " or ".join(sorted({result.api or "?" for result in not_offered}))
        lines.append(f"  {len(not_offered)} skipped: the target offers no {apis} API (not passed, not failed)")
    for result in (result for result in results if result.red):
        first = result.message.splitlines()[0] if result.message else ""
        lines.append(f"  ✘ {result.spec} {result.name.strip()} [{result.kind.value}]: {first[:200]}")
    return lines


def _crash_lines(crashes: Sequence[JobOutcome]) -> list[str]:
    said: dict[str, list[str]] = {}  # the same error from several jobs is said once
    for crash in crashes:
        said.setdefault(crash.output_tail(12), []).append(f"{crash.job.name} (exit {crash.returncode})")
    lines: list[str] = []
    for tail, names in said.items():
        lines.append(f"  behave job(s) {', '.join(names)} ended before all their scenarios ran:")
        lines += [f"    {line}" for line in tail.splitlines() if not line.startswith("USING RUNNER")]
    return lines


def write_metadata(run: NightlyRun) -> Exit | None:
    """The report's environment (environment.properties, executor.json) among the results, every secret masked."""
    options, settings = run.options, run.settings
    if settings is None:
        return None
    now, ci = datetime.now(UTC), bool(os.environ.get("CI"))
    values = {"target": options.target.value, "target.api": run.preflight.get("api") or "unknown"}
    values |= {"profile": options.profile, "run_started": now.strftime("%Y-%m-%d %H:%M:%S UTC")}
    values |= {"run_id": f"{now:%Y%m%d-%H%M%S}-{os.getpid()}", **settings.public_view()}
    values |= SpecVersion.of().properties()
    values |= {"stand_fault": "none"} if options.target is Target.STAND else {}
    values |= {key: str(run.preflight.get(key) or "unknown") for key in ("focus_server_sw_version", "broker")}
    values |= {"python": platform.python_version(), "behave": _version("behave"), "suite_commit": suite_commit()}
    values |= {"allure_behave": _version("allure-behave"), "allure_report": _version("allure")}
    values |= {"host": platform.node(), "ci": "yes" if ci else "no", **run.environment}
    run.environment = {key: settings.mask(value) for key, value in values.items()}
    options.layout.results.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}".replace("\\", "\\\\").replace("\n", " ") for key, value in run.environment.items()]
    (options.layout.results / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    executor = {"name": "CI (.ci/run)" if ci else "make acceptance", "type": "ci" if ci else "local"}
    executor |= {"buildName": f"{options.profile} on {options.target.value}, {now:%Y-%m-%d %H:%M} UTC"}
    executor |= {"reportName": "Focus Server acceptance", "reportUrl": "index.html"}
    (options.layout.results / "executor.json").write_text(json.dumps(executor, indent=2), encoding="utf-8")


def _version(package: str) -> str:
    with contextlib.suppress(OSError, ValueError, KeyError, metadata.PackageNotFoundError):
        if package == "allure":  # the report tool, a Node package
            return json.loads((ROOT / "node_modules/allure/package.json").read_text(encoding="utf-8"))["version"]
        return metadata.version(package)
    return "not installed"


def write_report(run: NightlyRun) -> Exit | None:
    """The Allure report and its pages (imported here: never on Windows), or with --results-only the results alone."""
    options, allure = run.options, ROOT / "node_modules" / ".bin" / "allure"
    why = "--results-only" if options.results_only else None
    if why is None and not allure.exists():
        why = f"no Allure report tool here: {_shown(allure)}"
    if why is None and shutil.which("node") is None:
        why = "no Node here to run the Allure report tool"
    if why is not None:
        say(
            f"results only ({why}); the report, the sign-off sheet and the Xray file: "
            f"python -m tools.ci.ci_run publish --base {_shown(options.layout.base)} (on any machine with `make setup`)"
        )
        return None
    from tools.report import build as report

    started, layout, target = time.monotonic(), options.layout, options.target.value
    report.build_pages(layout, options.features, profile=options.profile, target=target)
    try:
        paths = report.generate(layout, profile=options.profile, target=target, features_dir=options.features)
    except report.ReportFailed as exc:
        say(f"the report could not be generated: {exc}")
        run.code = max(run.code or Exit.GREEN, Exit.SUITE_DEFECT)
        return None
    say(f"report:       {_shown(paths.index)}\nsingle file:  {_shown(paths.single_file)}")
    say(f"traceability: {_shown(paths.traceability)} (and traceability.md beside it)")
    say(f"living docs:  {_shown(paths.living_docs)}")
    run.mark("report_s", started)
    run.mark("until_report_s", run.started)  # broker start to report written: what bench/nightly.py measures


BEFORE: tuple[Phase, ...] = (clear_outputs, check_settings, generate_grpc_code, plan_jobs, start_target, check_target)
PHASES: tuple[Phase, ...] = (*BEFORE, run_scenarios, count_jobs, judge_run, write_metadata, write_report)


def stop_everything(run: NightlyRun) -> Exit | None:
    """No behave process outlives the run, nor the stand."""
    jobs.stop_jobs(run.running)
    for running in run.running:
        running.output.close()
    if run.stand_stopping is not None:
        run.stand_stopping.join()
    elif run.stand is not None:
        run.stand.down()


def write_facts(run: NightlyRun) -> Exit | None:
    """logs/timings.json, and logs/run.json: what a report built later, elsewhere, needs to know of this run."""
    options, code = run.options, run.code if run.code is not None else Exit.SUITE_DEFECT
    run.mark("total_s", run.started)
    options.layout.logs.mkdir(parents=True, exist_ok=True)
    noted = {"profile": options.profile, "target": options.target.value, "api": options.api}
    (options.layout.logs / "timings.json").write_text(json.dumps({**noted, **run.timings}, indent=2), encoding="utf-8")
    facts = noted | {
        "target_name": options.target_name,  # "" for a deployment given by FOCUS_* alone: the CI names it
        "exit_code": int(code),
        "outcome": code.name.lower().replace("_", " "),
        "started_at": datetime.fromtimestamp(time.time() - run.timings["total_s"], UTC).isoformat(timespec="seconds"),
        "seconds": run.timings["total_s"],
        "report_built": "report_s" in run.timings,
        "timings": dict(run.timings),
        "environment": run.environment,
    }
    options.layout.facts.write_text(json.dumps(facts, indent=2, ensure_ascii=False), encoding="utf-8")


def mask_secrets(run: NightlyRun) -> Exit | None:
    """Every secret of the target replaced by *** in every text file the run left (behave's JUnit, its output …)."""
    secrets = [secret.encode() for secret in (run.settings.secrets() if run.settings else []) if secret]
    for path in run.options.layout.base.rglob("*") if secrets else []:
        if path.is_file() and not path.is_symlink() and path.suffix.lower() not in (".png", ".jpg", ".pdf", ".gz"):
            data = original = path.read_bytes()
            for secret in secrets:
                data = data.replace(secret, b"***")
            if data != original:
                path.write_bytes(data)


FINALLY: tuple[Phase, ...] = (stop_everything, write_facts, mask_secrets)


def run(options: argparse.Namespace) -> Exit:
    """The phases in order, until one ends the run; then, whatever happened, `FINALLY`."""
    state = NightlyRun(options)
    try:
        for phase in PHASES:
            if (ended := phase(state)) is not None:
                state.code = ended
                break
    except KeyboardInterrupt:
        state.code = Exit.INTERRUPTED
        raise
    finally:
        for phase in FINALLY:
            phase(state)
    code = state.code if state.code is not None else Exit.SUITE_DEFECT
    spent, outcome = ", ".join(f"{k} {v:g}" for k, v in state.timings.items()), code.name.lower().replace("_", " ")
    if state.settings is not None:  # a run stopped before its target was known said so in its one line
        say(f"done in {state.timings['total_s']:.1f} s ({spent}): exit {int(code)}, {outcome}")
    return code


def show_windows(options: argparse.Namespace) -> int:
    """`make windows`: per clause, the history window(s) in the target's catalogue or what it lacks (exit 4)."""
    state = NightlyRun(options)
    try:
        ended = check_settings(state) or generate_grpc_code(state) or start_target(state)
        recordings = [sys.executable, "-m", "support.recordings"]
        return int(ended) if ended is not None else subprocess.call(recordings, cwd=ROOT, stdin=subprocess.DEVNULL)
    finally:
        stop_everything(state)


def command_line() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the acceptance suite and write the report.")
    add = parser.add_argument
    add("--profile", choices=PROFILES, default="nightly")
    add("--target", type=Target, choices=list(Target), help="stand (default) or external (with --env)")
    add("--env", metavar="NAME", help="a deployment by its name in the environments YAML (external)")
    default_file = f"${suite_settings.FILE_VARIABLE}, else {suite_settings.DEFAULT_FILE}"
    add("--environments", type=Path, metavar="FILE", help=f"the environments YAML ({default_file})")
    add("--features", type=Path, default=FEATURES, help="the feature files (default: features/)")
    add("--base", type=Path, default=DEFAULT_LAYOUT.base, help="where results and report go")
    add("--parallel", type=int, help="processes of the scenarios not @slow (quick 6, nightly 1)")
    only = "the results alone, no report (python -m tools.ci.ci_run publish builds it later, anywhere)"
    add("--results-only", "--no-report", dest="results_only", action="store_true", help=only)
    add("--api", choices=["both", "task", "job"], default="both", help="the embedded stand's REST shape")
    add("--catalogue", default="default", help="the stand's recordings: default, contract, continuous, gapless, a file")
    add("--windows", action="store_true", help="show each clause's history window(s) instead of a run")
    return parser


def options_of(args: argparse.Namespace, parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The run's options. `--env NAME` is noted in this process's environment, where the settings and the behave
    processes read it; a FOCUS_* set to "" is one not set (GitHub's unset secret); the nightly profile's settings."""
    target = args.target or (Target.EXTERNAL if args.env else Target.STAND)
    if args.env and target is Target.STAND:
        parser.error("--env names a deployment: an external target (leave --target out, or say external)")
    for key in [key for key, value in os.environ.items() if key.startswith("FOCUS_") and not value]:
        del os.environ[key]
    name = args.env or (os.environ.get(suite_settings.NAME_VARIABLE, "") if target is Target.EXTERNAL else "")
    if name:
        os.environ[suite_settings.NAME_VARIABLE] = name
        path = args.environments or suite_settings.environments_file()
        os.environ[suite_settings.FILE_VARIABLE] = str(path.resolve())
    if args.profile == "nightly":  # the listening window a share of the limit (a minute at 180 s), not 3 s
        os.environ.setdefault("FOCUS_PROFILE", "nightly")
    args.target, args.target_name = target, name or ("" if target is Target.EXTERNAL else target.value)
    args.layout, args.features = RunLayout(args.base.resolve()), args.features.resolve()
    return args


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # a CI cancelling stops the run as Ctrl-C does: jobs first, then the stand


def main(argv: Sequence[str] | None = None) -> int:
    plain_text_where_needed()  # a console without ✔ or → (Windows, cp1252) gets plain text, never an error
    parser = command_line()
    options = options_of(parser.parse_args(argv), parser)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    if hasattr(signal, "SIGBREAK"):  # Windows: Ctrl-Break, as a runner's cancel may send it
        signal.signal(signal.SIGBREAK, _raise_interrupt)
    try:
        return show_windows(options) if options.windows else int(run(options))
    except KeyboardInterrupt:
        say("\ninterrupted: behave jobs and the stand stopped")
        return int(Exit.INTERRUPTED)
    except Exception:  # a bug of ours: its traceback, and the code that says so (never 1, a product defect)
        traceback.print_exc()
        say(f"the runner failed: a suite defect (exit {int(Exit.SUITE_DEFECT)})")
        return int(Exit.SUITE_DEFECT)


if __name__ == "__main__":
    sys.exit(main())
