"""`make acceptance`: start the target, run a profile, stop the target, write the report. One command, one report.

    python -m tools.run.nightly --profile nightly|quick --target stand|external [--api both|task|job]
                            [--catalogue default|contract|continuous|FILE]

- stand: starts the embedded stand (`python -m stand up`, in the REST shape `--api`, playing the recordings
  catalogue `--catalogue`) for the run and stops it after, also on Ctrl-C; external: uses the `FOCUS_*` variables
  as given.
- The target's shape (task API, job API or both; `FOCUS_API`, auto = asked) is found before the first scenario,
  said in the run's first lines, handed to every behave process and written to the report's environment.
- nightly: every `@slow` scenario in its own behave process, started at once, beside one process running the rest;
  quick: the scenarios that are not @slow, spread over a few behave processes (`--parallel`).
- Clears reports/allure-results (and junit, logs) first; reports/history/ stays, for the trends.
- Ends with the verdict per clause (tools/verdicts/clause_verdict.py); a quick run says it is not a sign-off run.
- Exit code: 0 green, 1 product defect, 2 broken environment, 3 suite defect, 4 a clause not verified (a scenario
  skipped or not run, or none applicable), 130 interrupted (tools/run/outcome.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from support.focus_api import FocusServer
from support.settings import Settings, SettingsError, Target, get_settings, load_settings
from support.shape import NoApiOffered, TargetShape, resolve
from support.stand_process import STAND_DIR, Stand, StandFailed
from tools.common import target_info
from tools.common.catalogue import PlannedScenario, scenarios
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, ROOT, RunLayout
from tools.common.results import Kind, ScenarioResult, read_results, tally
from tools.report import build as report
from tools.run.behave_runs import JobOutcome, RunningJob, release_jobs, start_jobs, stop_jobs, wait_jobs
from tools.run.job_plan import BehaveJob, Profile, load_durations, plan, save_durations
from tools.run.not_run import write_not_run
from tools.run.outcome import Exit, crash_kind, exit_code
from tools.run.progress import ProgressBoard
from tools.run.stand_cli import target_env
from tools.verdicts.clause_verdict import ClauseVerdictRow, judge, summary_lines

LISTEN_ENV = "FOCUS_LISTEN_S"


def say(text: str) -> None:
    print(text, flush=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM (a CI cancelling) stops the run as Ctrl-C does: jobs first, then the stand


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


def target_settings(target: Target, stand: Stand | None) -> Settings:
    """The suite's settings for this run; the stand's variables go to this process and so to every behave job."""
    if stand is not None:
        api = os.environ.get("FOCUS_API")  # the one FOCUS_* setting of the caller's that is not the stand's to give
        replaced = target_env(os.environ, stand)
        os.environ.clear()
        os.environ.update(replaced)
        if api:
            os.environ["FOCUS_API"] = api
    os.environ["TARGET"] = target.value
    get_settings.cache_clear()
    return get_settings()


def listening_window(
    jobs: Sequence[BehaveJob], child_env: dict[str, str], released: dict[str, str], settings: Settings
) -> str:
    """The listening window the behave processes really used, not this process's setting: each job's settings as
    it read them (FOCUS_LISTEN_S, else its profile's share of the stream limit: FOCUS_PROFILE=nightly listens 60 s
    at 180 s) from what the runner released to it, its own environment and the profile's."""
    used = set()
    for job in jobs:
        env = {**child_env, **dict(job.env), **released}
        listen = env.get(LISTEN_ENV)
        seen = Settings(
            stream_limit_s=float(env.get("FOCUS_STREAM_LIMIT_S", settings.stream_limit_s)),
            profile="nightly" if env.get("FOCUS_PROFILE") == "nightly" else "quick",
            listen_s=float(listen) if listen else None,
        )
        used.add(f"{seen.listen_s:g}")
    return ", ".join(sorted(used, key=float)) if used else f"{settings.listen_s:g}"


def clause_verdicts(
    layout: RunLayout, planned: Sequence[PlannedScenario], profile: Profile, environment: dict[str, str]
) -> list[ClauseVerdictRow]:
    """The verdict per clause of this run (tools/verdicts/clause_verdict.py), on the target shape it detected."""
    return judge(read_results(layout.results), profile.value, planned=planned, shape=environment.get("target.api"))


def summarize(
    results: Sequence[ScenarioResult],
    crashes: Sequence[JobOutcome],
    verdicts: Sequence[ClauseVerdictRow] = (),
    profile: str = "nightly",
) -> list[str]:
    counts = tally(results)
    lines = [
        f"{len(results)} scenarios: {counts[Kind.PASSED]} passed, {counts[Kind.PRODUCT]} failed (product defect), "
        f"{counts[Kind.ENVIRONMENT]} broken (environment), {counts[Kind.SUITE]} broken (suite defect)"
    ]
    not_offered = [result for result in results if result.not_offered]
    if not_offered:
        apis = sorted({result.api or "?" for result in not_offered})
        lines.append(
            f"  {len(not_offered)} skipped: the target offers no {' or '.join(apis)} API (not passed, not failed)"
        )
    for result in results:
        if result.red:
            first = result.message.splitlines()[0] if result.message else ""
            lines.append(f"  ✘ {result.spec} {result.name.strip()} [{result.kind.value}]: {first[:200]}")
    said: dict[str, list[str]] = {}  # the same error from several jobs is said once
    for crash in crashes:
        said.setdefault(crash.output_tail(12), []).append(f"{crash.job.name} (exit {crash.returncode})")
    for tail, jobs in said.items():
        lines.append(f"  behave job(s) {', '.join(jobs)} ended before all their scenarios ran:")
        lines += [f"    {line}" for line in tail.splitlines() if not line.startswith("USING RUNNER")]
    if verdicts:
        lines += summary_lines(verdicts, profile)
    return lines


def describe_plan(profile: Profile, target: Target, jobs: Sequence[BehaveJob]) -> str:
    slow = sum(job.slow for job in jobs)
    count = sum(len(job.scenarios) for job in jobs)
    split = f" (one per @slow or @listening scenario: {slow}; the rest: {len(jobs) - slow})" if slow else ""
    return f"acceptance: profile {profile}, target {target}: {count} scenarios in {len(jobs)} behave process(es){split}"


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


def target_shape(settings: Settings) -> TargetShape | None:
    """The target's shape, said on the terminal and handed to the behave processes (FOCUS_API) so that all agree."""
    try:
        shape, how = resolve(settings.api, FocusServer(settings))
    except NoApiOffered as error:
        say(f"the target offers no API: {error}")
        return None
    except Exception as error:  # unreachable or odd: behave's preflight says so in its own words
        say(f"target API: not known yet ({type(error).__name__}); each behave process asks for itself")
        return None
    say(f"target API: {shape.describe()} ({how})")
    os.environ["FOCUS_API"] = shape.value
    return shape


def write_report(layout: RunLayout, features: Path, profile: Profile, target: Target, env: dict[str, str]) -> bool:
    report.write_run_metadata(layout.results, env, report.executor(profile.value, target.value))
    report.build_pages(layout, features, profile=profile.value, target=target.value)
    try:
        paths = report.generate(layout, profile=profile.value, target=target.value, features_dir=features)
    except report.ReportFailed as exc:
        say(f"the report could not be generated: {exc}")
        return False
    say(f"report:       {_shown(paths.index)}")
    say(f"single file:  {_shown(paths.single_file)}")
    say(f"traceability: {_shown(paths.traceability)} (and traceability.md beside it)")
    say(f"living docs:  {_shown(paths.living_docs)}")
    return True


def run(
    profile: Profile,
    target: Target,
    layout: RunLayout,
    features: Path,
    *,
    parallel: int | None = None,
    make_report: bool = True,
    api: str = "both",
    catalogue: str = "default",
) -> Exit:
    started = time.monotonic()
    timings = Timings()
    layout.clear_run_outputs()
    jobs = plan(
        profile, features, ROOT, parallel=parallel or DEFAULT_PARALLEL[profile], durations=load_durations(layout)
    )
    if not jobs:
        say(f"no scenarios to run in {_shown(features)} (profile {profile})")
        return Exit.SUITE_DEFECT
    say(describe_plan(profile, target, jobs))

    # The behave processes start now and import while the stand starts; they run once released (release_jobs).
    target_file = STAND_DIR / f"target-{os.getpid()}.json"
    target_file.unlink(missing_ok=True)
    child_env = {k: v for k, v in os.environ.items() if target is Target.EXTERNAL or not k.startswith("FOCUS_")}
    # Forked from one process that imported the suite once: a dozen processes importing it at once would take the
    # cores from the stand's start, which counts in the run's wall time.
    running = start_jobs(jobs, layout, child_env, target_env=target_file, forked=True)
    stand: Stand | None = None
    try:
        if target is Target.STAND:
            say("starting the embedded stand …")
            try:
                stand = Stand.up(
                    STAND_DIR / f"acceptance-{os.getpid()}.env", extra_args=["--api", api, "--catalogue", catalogue]
                )
            except StandFailed as exc:
                say(f"the embedded stand did not start: {exc}")
                stop_jobs(running)
                return Exit.BROKEN_ENVIRONMENT
            timings.mark("stand_up_s", started)
            say(f"stand up in {timings['stand_up_s']:.1f} s (shape: {api}; catalogue: {catalogue})")
        settings = target_settings(target, stand)
        if not settings.base_url:
            say("TARGET=external needs FOCUS_BASE_URL and the other FOCUS_* variables (see README.md)")
            stop_jobs(running)
            return Exit.BROKEN_ENVIRONMENT
        shape = target_shape(settings)
        released = {k: v for k, v in os.environ.items() if k.startswith("FOCUS_") or k == "TARGET"}
        release_jobs(target_file, released)
        t = time.monotonic()
        outcomes, environment = watch_suite(running, settings, profile)
        environment["target.api"] = shape.value if shape is not None else "unknown"
        environment["listen_s"] = listening_window(jobs, child_env, released, settings)
        timings.mark("behave_s", t)
    except BaseException:
        stop_jobs(running)
        if stand is not None:
            stand.down()
        raise
    finally:
        target_file.unlink(missing_ok=True)
    # The stand stops while the report is built, so its shutdown costs no wall time.
    stopper = threading.Thread(target=stand.down, kwargs={"keep_logs": layout.logs}) if stand is not None else None
    if stopper is not None:
        stopper.start()

    results = read_results(layout.results)
    save_durations(layout, results)
    crashes = [o for o in outcomes if o.crashed]
    planned = scenarios(features, ROOT)
    selected = [scenario for job in jobs for scenario in job.scenarios]
    if results:  # the scenarios that did not run, as skipped results with their reason: visible in the report
        write_not_run(layout.results, planned, results, profile.value, selected)
    verdicts = clause_verdicts(layout, planned, profile, environment)
    for line in summarize(results, crashes, verdicts, profile.value):
        say(line)
    code = exit_code(results, [crash_kind(c) for c in crashes], verdicts) if results or crashes else Exit.SUITE_DEFECT
    if make_report:
        t = time.monotonic()
        if not write_report(layout, features, profile, target, environment):
            code = max(code, Exit.SUITE_DEFECT)
        timings.mark("report_s", t)
        timings.mark("until_report_s", started)  # broker start to report written: what bench/nightly.py measures
    if stopper is not None:
        stopper.join()
    timings.mark("total_s", started)
    (layout.logs / "timings.json").write_text(
        json.dumps({"profile": profile.value, "target": target.value, "api": api, **timings}, indent=2)
    )
    spent = ", ".join(f"{name} {seconds:g}" for name, seconds in timings.items())
    say(f"done in {timings['total_s']:.1f} s ({spent}): exit {int(code)}, {code.name.lower().replace('_', ' ')}")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the acceptance suite and write the report.")
    parser.add_argument("--profile", type=Profile, choices=list(Profile), default=Profile.NIGHTLY)
    parser.add_argument("--target", type=Target, choices=list(Target), default=Target.STAND)
    parser.add_argument("--features", type=Path, default=FEATURES, help="the feature files (default: features/)")
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base, help="where results and report go")
    parser.add_argument(
        "--parallel", type=int, help="processes for the scenarios that are not @slow (default: quick 6, nightly 1)"
    )
    parser.add_argument("--no-report", action="store_true", help="run only; leave the report as it is")
    parser.add_argument(
        "--api",
        choices=["both", "task", "job"],
        default="both",
        help="the embedded stand's REST shape (default both; job = the production server's six routes)",
    )
    parser.add_argument(
        "--catalogue",
        default="default",
        help="the recordings the embedded stand plays: default, contract (the contract's table), continuous "
        "(hourly files, restarts, an outage), or a file (python -m stand up --catalogue)",
    )
    args = parser.parse_args(argv)
    try:  # before anything starts: a setting the suite cannot take is one line and exit 2, never a traceback
        load_settings()
    except SettingsError as error:
        say(f"bad setting: {error}")
        return int(Exit.BROKEN_ENVIRONMENT)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    layout = RunLayout(args.base.resolve())
    try:
        code = run(
            args.profile,
            args.target,
            layout,
            args.features.resolve(),
            parallel=args.parallel,
            make_report=not args.no_report,
            api=args.api,
            catalogue=args.catalogue,
        )
        return int(code)
    except KeyboardInterrupt:
        say("\ninterrupted: behave jobs and the stand stopped")
        return int(Exit.INTERRUPTED)


if __name__ == "__main__":
    sys.exit(main())
