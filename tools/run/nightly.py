"""`make acceptance`: start the target, run a profile, stop the target, write the report. One command, one report.

    python -m tools.run.nightly --profile nightly|quick --target stand|external [--api both|task|job]
                            [--catalogue default|contract|continuous|FILE] [--env NAME [--environments FILE]]
                            [--results-only] [--base DIR]
    py -m tools.run.nightly --env staging          (the QA team's Windows runner: Python alone, README.md)

- stand: starts the embedded stand (`python -m stand up`, in the REST shape `--api`, playing the recordings
  catalogue `--catalogue`; Linux only) for the run and stops it after, also on Ctrl-C; external: uses the `FOCUS_*`
  variables as given, or the deployment `--env NAME` names in the team's environments YAML (support/deployments.py:
  a `FOCUS_*` variable set in the environment wins, passwords come from the environment only).
- The target is checked once for the whole run (support/preflight.py), before any behave process runs a scenario,
  and they skip their own check: a part that does not answer is one line at the start, exit 2, and no scenario
  runs. Its shape (task API, job API or both; `FOCUS_API`, auto = asked) follows, said in the run's first lines,
  handed to every behave process and written to the report's environment.
- nightly: every `@slow` scenario in its own behave process, started at once, beside one process running the rest;
  quick: the scenarios that are not @slow, spread over a few behave processes (`--parallel`).
- Clears reports/allure-results (and junit, logs) first; reports/history/ stays, for the trends.
- Ends with the verdict per clause (tools/verdicts/clause_verdict.py); a quick run says it is not a sign-off run.
- The report is built at the end where the Allure tool is (`make setup`); with `--results-only`, or on a machine
  without it (Node), the run writes its results alone: Allure results, JUnit, and its facts (logs/run.json: target,
  exit code, timings, the report's environment). `python -m tools.ci.publish --base DIR` builds the report, the
  sign-off sheet and the Xray file from them later, on any machine.
- The run is a list of named phases (`PHASES`), each a function of the run's state (`NightlyRun`); a phase that
  returns an exit code ends the run there; `FINALLY` runs whatever happened (nothing outlives the run).
- Exit code: 0 green, 1 product defect, 2 broken environment, 3 suite defect, 4 a clause not verified (a scenario
  skipped or not run, or none applicable), 130 interrupted (tools/run/outcome.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from support import deployments
from support.errors import TargetUnreachable
from support.evidence import mask_files
from support.focus_api import FocusServer
from support.job_slots import JobTally, tally
from support.settings import Settings, SettingsError, Target, get_settings, load_settings
from support.shape import NoApiOffered, TargetShape, resolve, shape_unknown_line
from tools.common import target_info
from tools.common.catalogue import scenarios
from tools.common.console import plain_text_where_needed
from tools.common.layout import ROOT
from tools.common.results import read_results
from tools.report import build as report
from tools.run import grpc_code
from tools.run.behave_runs import JobOutcome, RunningJob, release_jobs, start_jobs, stop_jobs, wait_jobs
from tools.run.job_plan import BehaveJob, Profile, load_durations, plan, save_durations
from tools.run.not_run import write_not_run
from tools.run.outcome import Exit, crash_kind, exit_code
from tools.run.progress import ProgressBoard
from tools.run.run_options import RunOptions, command_line, options_of
from tools.run.summary import describe_plan, listening_window, summarize
from tools.verdicts.clause_verdict import judge

if TYPE_CHECKING:  # the embedded stand is Linux only: imported when one is started, never for a deployment
    from stand.control import Stand


# The target's secrets, once its settings are known: nothing the runner prints holds one (masked by value).
_secrets: list[str] = []


def say(text: str) -> None:
    for secret in _secrets:
        text = text.replace(secret, "***")
    print(text, flush=True)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# Processes sharing the scenarios that are not @slow. Quick: spread, as its scenarios mostly wait on the target
# (behave time on 2 cores: 4 processes 8.6 s, 5 7.3-7.5 s, 6 6.1-6.9 s, 7 5.6 s, but 7 slow the stand's start as
# much as they gain). Nightly: one, as the @slow ones run for minutes anyway and fewer processes disturb their
# timing less.
DEFAULT_PARALLEL = {Profile.QUICK: 6, Profile.NIGHTLY: 1}


class Timings(dict[str, float]):
    def mark(self, name: str, since: float) -> float:
        now = time.monotonic()
        self[name] = round(now - since, 2)
        return now


@dataclass
class NightlyRun:
    """What the phases share: each reads what the phases before it left."""

    options: RunOptions
    started: float = field(default_factory=time.monotonic)
    timings: Timings = field(default_factory=Timings)
    jobs: list[BehaveJob] = field(default_factory=list)
    child_env: dict[str, str] = field(default_factory=dict)  # the behave processes' environment at their start
    release_file: Path | None = None  # where they learn the target (behave_launcher); it holds a password
    running: list[RunningJob] = field(default_factory=list)
    stand: Stand | None = None
    stand_stopping: threading.Thread | None = None
    settings: Settings | None = None
    stopped: str | None = None  # the one line of a target that did not answer: no scenario ran
    shape: TargetShape | None = None
    released: dict[str, str] = field(default_factory=dict)  # what the behave processes were given when released
    outcomes: list[JobOutcome] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)  # the report's environment block
    code: Exit | None = None
    job_tally: JobTally | None = None  # the jobs the run configured, the most alive at once (support/job_slots.py)


Phase = Callable[[NightlyRun], Exit | None]


# -- the phases, in their order --------------------------------------------------------------------------------


def clear_outputs(run: NightlyRun) -> Exit | None:
    """An earlier run's results, JUnit files and logs go; reports/history/ stays, for the trends."""
    run.options.layout.clear_run_outputs()
    return None


def check_settings(run: NightlyRun) -> Exit | None:
    """A setting the suite cannot take (support/settings.py): one line, before anything starts. A deployment named
    by the team's name: what its file holds that the suite ignores (a password) said once, here."""
    try:
        load_settings()
    except SettingsError as error:
        say(f"bad setting: {error}")
        return Exit.BROKEN_ENVIRONMENT
    name = os.environ.get(deployments.NAME_VARIABLE)
    if name and run.options.target is Target.EXTERNAL:
        for warning in deployments.read_deployment(name, deployments.environments_file()).warnings:
            say(f"warning: {warning}")
    return None


def generate_grpc_code(run: NightlyRun) -> Exit | None:
    """The gRPC code the suite imports, where a checkout run with Python alone has none yet (tools/run/grpc_code)."""
    try:
        if grpc_code.ensure():
            say(f"gRPC code generated from {grpc_code.PROTO.as_posix()}")
    except grpc_code.GrpcCodeFailed as error:
        say(f"the gRPC code could not be generated: {error}")
        return Exit.SUITE_DEFECT
    return None


def plan_jobs(run: NightlyRun) -> Exit | None:
    """The behave processes of the profile (tools/run/job_plan.py), balanced by the last run's durations."""
    options = run.options
    parallel = options.parallel or DEFAULT_PARALLEL[options.profile]
    durations = load_durations(options.layout)
    run.jobs = plan(options.profile, options.features, ROOT, parallel=parallel, durations=durations)
    if not run.jobs:
        say(f"no scenarios to run in {_shown(options.features)} (profile {options.profile})")
        return Exit.SUITE_DEFECT
    say(describe_plan(options.profile, options.target, run.jobs))
    return None


def start_behave_beside_the_stand(run: NightlyRun) -> Exit | None:
    """On the stand, the behave processes start now and import while the stand starts (seconds); they run once
    released (run_scenarios). Forked from one process that imported the suite once where the platform has a fork
    server: a dozen processes importing it at once would take the cores from the stand's start."""
    return _start_behave(run) if run.options.target is Target.STAND else None


def start_behave_for_a_deployment(run: NightlyRun) -> Exit | None:
    """For a deployment, the behave processes start once it answered: one that does not is said at once, and no
    process is started for nothing (a fork server's start alone takes seconds on a busy machine)."""
    if run.options.target is Target.EXTERNAL and run.stopped is None:
        return _start_behave(run)
    return None


def _start_behave(run: NightlyRun) -> None:
    options = run.options
    run.release_file = Path(tempfile.mkdtemp(prefix="acceptance-")) / "target.json"
    external = options.target is Target.EXTERNAL
    run.child_env = {k: v for k, v in os.environ.items() if external or not k.startswith("FOCUS_")}
    run.running = start_jobs(run.jobs, options.layout, run.child_env, target_env=run.release_file, forked=True)


def start_target(run: NightlyRun) -> Exit | None:
    """The embedded stand (Linux), or the deployment the settings name; the settings of the run that point at it."""
    options = run.options
    if options.target is Target.STAND:
        from stand.control import STAND_DIR, Stand, StandFailed

        say("starting the embedded stand …")
        try:
            extra = ["--api", options.api, "--catalogue", options.catalogue]
            run.stand = Stand.up(STAND_DIR / f"acceptance-{os.getpid()}.env", extra_args=extra)
        except StandFailed as exc:
            say(f"the embedded stand did not start: {exc}")
            return Exit.BROKEN_ENVIRONMENT
        run.timings.mark("stand_up_s", run.started)
        say(f"stand up in {run.timings['stand_up_s']:.1f} s (shape: {options.api}; catalogue: {options.catalogue})")
    run.settings = target_settings(options.target, run.stand)
    _secrets[:] = run.settings.secrets()
    if not run.settings.base_url:
        say("TARGET=external needs FOCUS_BASE_URL and the other FOCUS_* variables, or --env NAME (see README.md)")
        return Exit.BROKEN_ENVIRONMENT
    return None


def share_job_slots(run: NightlyRun) -> Exit | None:
    """One set of job slots for the whole run (support/job_slots.py): the preflight's job, and every behave
    process's, count against FOCUS_MAX_JOBS together, and the ledger counts them all."""
    folder = run.options.layout.logs / "job-slots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["FOCUS_JOB_SLOTS_DIR"] = str(folder)
    get_settings.cache_clear()
    run.settings = get_settings()
    return None


def check_target(run: NightlyRun) -> Exit | None:
    """Every part of the target answers (support/preflight.py), asked once for the whole run before any behave
    process runs a scenario; then its shape, with the preflight's short timeout. A part that does not answer: its
    one line now, one broken result for the report, and no scenario runs."""
    if not run.options.own_suite:
        return None
    from support.preflight import check_target as preflight

    assert run.settings is not None
    started = time.monotonic()
    unreachable = preflight(run.settings)
    line = unreachable.line if unreachable is not None else None
    how = ""
    if line is None:
        try:
            run.shape, how = resolve(run.settings.api, FocusServer(run.settings))
        except (NoApiOffered, TargetUnreachable) as error:
            line = shape_unknown_line(error)
    run.timings.mark("preflight_s", started)
    if line is not None:
        _stop_before_the_scenarios(run, line)
    elif run.shape is not None:
        say(f"target API: {run.shape.describe()} ({how})")
        os.environ["FOCUS_API"] = run.shape.value  # every behave process takes it as found, none asks again
    return None


def _stop_before_the_scenarios(run: NightlyRun, line: str) -> None:
    from support.preflight import record_stopped_run

    say(line)
    layout = run.options.layout
    record_stopped_run(line, layout.junit / "preflight", layout.results)
    stop_jobs(run.running)
    run.stopped = line


def run_scenarios(run: NightlyRun) -> Exit | None:
    """Release the behave processes (the target's variables, and that the preflight was done) and wait for the
    last one, with progress on the terminal."""
    if run.stopped is not None:
        return None
    from support.preflight import DONE_VARIABLE

    assert run.settings is not None and run.release_file is not None
    run.released = {k: v for k, v in os.environ.items() if k.startswith("FOCUS_") or k == "TARGET"}
    if run.options.own_suite:
        run.released[DONE_VARIABLE] = "1"
    release_jobs(run.release_file, run.released)
    started = time.monotonic()
    run.outcomes, run.environment = watch_suite(run.running, run.settings, run.options.profile)
    run.environment["target.api"] = run.shape.value if run.shape is not None else "unknown"
    run.environment["listen_s"] = listening_window(run.jobs, run.child_env, run.released, run.settings)
    run.timings.mark("behave_s", started)
    return None


def stop_target_meanwhile(run: NightlyRun) -> Exit | None:
    """The stand stops while the results are judged and the report built: its shutdown costs no wall time."""
    if run.stand is not None:
        run.stand_stopping = threading.Thread(target=run.stand.down, kwargs={"keep_logs": run.options.layout.logs})
        run.stand_stopping.start()
    return None


def count_jobs(run: NightlyRun) -> Exit | None:
    """How many jobs the run configured, and the most alive at once: on the terminal, then in the report's
    environment (`jobs.configured`, `jobs.max_alive`), so on the run header of every page and the sign-off sheet."""
    if run.settings is not None and run.settings.job_slots_dir is not None:
        run.job_tally = tally(run.settings.job_slots_dir, run.settings.max_jobs)
        say(f"jobs: {run.job_tally.describe()}")
    return None


def judge_run(run: NightlyRun) -> Exit | None:
    """The results (those that never ran written as skipped, with their reason), the verdict per clause, the code."""
    options = run.options
    results = read_results(options.layout.results)
    save_durations(options.layout, results)
    crashes = [outcome for outcome in run.outcomes if outcome.crashed]
    planned = scenarios(options.features, ROOT)
    selected = [scenario for job in run.jobs for scenario in job.scenarios]
    if results:  # the scenarios that did not run, as skipped results with their reason: visible in the report
        write_not_run(options.layout.results, planned, results, options.profile.value, selected)
    shape = run.environment.get("target.api")
    verdicts = judge(read_results(options.layout.results), options.profile.value, planned=planned, shape=shape)
    for line in summarize(results, crashes, verdicts, options.profile.value, run.stopped):
        say(line)
    kinds = [crash_kind(crash) for crash in crashes]
    run.code = exit_code(results, kinds, verdicts) if results or crashes else Exit.SUITE_DEFECT
    return None


def write_metadata(run: NightlyRun) -> Exit | None:
    """The report's environment (environment.properties, executor.json) among the results, whoever builds it."""
    options = run.options
    if not run.environment and run.settings is not None:  # stopped before its scenarios: the target is not asked
        run.environment = target_info.environment(run.settings, profile=options.profile.value, probe=False)
        run.environment["target.api"] = "unknown"
    if run.job_tally is not None:
        run.environment["jobs.configured"] = str(run.job_tally.configured)
        run.environment["jobs.max_alive"] = str(run.job_tally.max_alive)
    if run.environment:
        executor = report.executor(options.profile.value, options.target.value)
        report.write_run_metadata(options.layout.results, run.environment, executor)
    return None


def write_report(run: NightlyRun) -> Exit | None:
    """The Allure report and the pages beside it; or, with --results-only or without the Allure tool here (Node),
    the results alone, said with the command that builds the report from them."""
    options = run.options
    why = "--results-only" if not options.report else _no_report_tool()
    if why is not None:
        say(
            f"results only ({why}); the report, the sign-off sheet and the Xray file: "
            f"python -m tools.ci.publish --base {_shown(options.layout.base)} (on any machine with `make setup`)"
        )
        return None
    started = time.monotonic()
    if not _report(options, run.environment):
        run.code = max(run.code or Exit.GREEN, Exit.SUITE_DEFECT)
    run.timings.mark("report_s", started)
    run.timings.mark("until_report_s", run.started)  # broker start to report written: what bench/nightly.py measures
    return None


PHASES: tuple[Phase, ...] = (
    clear_outputs,
    check_settings,
    generate_grpc_code,
    plan_jobs,
    start_behave_beside_the_stand,
    start_target,
    share_job_slots,
    check_target,
    start_behave_for_a_deployment,
    run_scenarios,
    stop_target_meanwhile,
    count_jobs,
    judge_run,
    write_metadata,
    write_report,
)


# -- whatever happened -------------------------------------------------------------------------------------------


def stop_everything(run: NightlyRun) -> Exit | None:
    """No behave process outlives the run, nor the stand; the release file (it holds a password) goes."""
    stop_jobs(run.running)  # those still running: none after run_scenarios, which waited for them all
    for running in run.running:
        running.output.close()
    if run.stand_stopping is not None:
        run.stand_stopping.join()
    elif run.stand is not None:
        run.stand.down()
    if run.release_file is not None:
        shutil.rmtree(run.release_file.parent, ignore_errors=True)
    return None


def write_facts(run: NightlyRun) -> Exit | None:
    """logs/timings.json, and logs/run.json: what a report built later, elsewhere, needs to know of this run."""
    options = run.options
    run.timings.mark("total_s", run.started)
    code = run.code if run.code is not None else Exit.SUITE_DEFECT
    options.layout.logs.mkdir(parents=True, exist_ok=True)
    noted = {"profile": options.profile.value, "target": options.target.value, "api": options.api}
    (options.layout.logs / "timings.json").write_text(json.dumps({**noted, **run.timings}, indent=2), encoding="utf-8")
    facts = {
        **noted,
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
    return None


def mask_secrets(run: NightlyRun) -> Exit | None:
    """Every secret of the target replaced by its value in every text file the run left (support/evidence.py):
    what the run's own writers do not mask, behave's JUnit and the processes' output, and the rest besides."""
    if run.settings is not None:
        mask_files(run.options.layout.base, run.settings.secrets())
    return None


FINALLY: tuple[Phase, ...] = (stop_everything, write_facts, mask_secrets)


def run(options: RunOptions) -> Exit:
    """The phases in order, until one ends the run; then, whatever happened, `FINALLY`."""
    state = NightlyRun(options)
    try:
        for phase in PHASES:
            ended = phase(state)
            if ended is not None:
                state.code = ended
                break
    except KeyboardInterrupt:
        state.code = Exit.INTERRUPTED
        raise
    finally:
        for phase in FINALLY:
            phase(state)
    code = state.code if state.code is not None else Exit.SUITE_DEFECT
    spent = ", ".join(f"{name} {seconds:g}" for name, seconds in state.timings.items())
    say(f"done in {state.timings['total_s']:.1f} s ({spent}): exit {int(code)}, {code.name.lower().replace('_', ' ')}")
    return code


# -- what the phases call ----------------------------------------------------------------------------------------


def target_settings(target: Target, stand: Stand | None) -> Settings:
    """The suite's settings for this run; the stand's variables go to this process and so to every behave job."""
    if stand is not None:
        from stand.control import target_env

        api = os.environ.get("FOCUS_API")  # the one FOCUS_* setting of the caller's that is not the stand's to give
        replaced = target_env(os.environ, stand)
        os.environ.clear()
        os.environ.update(replaced)
        if api:
            os.environ["FOCUS_API"] = api
    os.environ["TARGET"] = target.value
    get_settings.cache_clear()
    return get_settings()


def watch_suite(
    running: Sequence[RunningJob], settings: Settings, profile: Profile
) -> tuple[list[JobOutcome], dict[str, str]]:
    """Wait for the jobs with progress on the terminal; meanwhile ask the target for its versions (for the report)."""
    environment: dict[str, str] = {}
    prober = threading.Thread(
        target=lambda: environment.update(target_info.environment(settings, profile=profile.value)), daemon=True
    )
    prober.start()
    board = ProgressBoard(floor_s=settings.stream_limit_s)
    try:
        outcomes = wait_jobs(running, on_tick=board)
    finally:
        board.close()
    prober.join(timeout=10)
    return outcomes, environment


def _no_report_tool() -> str | None:
    """Why the report cannot be built here (the Allure tool, a Node program, `make setup` installs both), or None."""
    if not report.ALLURE_BIN.exists():
        return f"no Allure report tool here: {_shown(report.ALLURE_BIN)}"
    if shutil.which("node") is None:
        return "no Node here to run the Allure report tool"
    return None


def _report(options: RunOptions, environment: dict[str, str]) -> bool:
    profile, target, layout = options.profile.value, options.target.value, options.layout
    report.build_pages(layout, options.features, profile=profile, target=target)
    try:
        paths = report.generate(layout, profile=profile, target=target, features_dir=options.features)
    except report.ReportFailed as exc:
        say(f"the report could not be generated: {exc}")
        return False
    say(f"report:       {_shown(paths.index)}")
    say(f"single file:  {_shown(paths.single_file)}")
    say(f"traceability: {_shown(paths.traceability)} (and traceability.md beside it)")
    say(f"living docs:  {_shown(paths.living_docs)}")
    return True


# -- the command line --------------------------------------------------------------------------------------------


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # a CI cancelling stops the run as Ctrl-C does: jobs first, then the stand


def _interrupt_on_stop_signals() -> None:
    signal.signal(signal.SIGTERM, _raise_interrupt)
    if hasattr(signal, "SIGBREAK"):  # Windows: Ctrl-Break, as a runner's cancel may send it
        signal.signal(signal.SIGBREAK, _raise_interrupt)


def main(argv: Sequence[str] | None = None) -> int:
    plain_text_where_needed()  # a console without ✔ or → (Windows, cp1252) gets plain text, never an error
    parser = command_line()
    options = options_of(parser.parse_args(argv), parser)
    _interrupt_on_stop_signals()
    try:
        return int(run(options))
    except KeyboardInterrupt:
        say("\ninterrupted: behave jobs and the stand stopped")
        return int(Exit.INTERRUPTED)
    except Exception:  # a bug of ours: its traceback, and the code that says so (never 1, a product defect)
        traceback.print_exc()
        say(f"the runner failed: a suite defect (exit {int(Exit.SUITE_DEFECT)})")
        return int(Exit.SUITE_DEFECT)


if __name__ == "__main__":
    sys.exit(main())
