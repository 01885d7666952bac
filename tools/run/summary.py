"""What the nightly runner says of its run on the terminal: the plan first, at the end the results and verdicts."""

from __future__ import annotations

from collections.abc import Sequence

from support.settings import Settings, Target
from tools.common.results import Kind, ScenarioResult, tally
from tools.run.behave_runs import JobOutcome
from tools.run.job_plan import BehaveJob, Profile
from tools.verdicts.clause_verdict import ClauseVerdictRow, summary_lines

LISTEN_ENV = "FOCUS_LISTEN_S"


def describe_plan(profile: Profile, target: Target, jobs: Sequence[BehaveJob]) -> str:
    slow = sum(job.slow for job in jobs)
    count = sum(len(job.scenarios) for job in jobs)
    split = f" (one per @slow or @listening scenario: {slow}; the rest: {len(jobs) - slow})" if slow else ""
    return f"acceptance: profile {profile}, target {target}: {count} scenarios in {len(jobs)} behave process(es){split}"


def summarize(
    results: Sequence[ScenarioResult],
    crashes: Sequence[JobOutcome],
    verdicts: Sequence[ClauseVerdictRow] = (),
    profile: str = "nightly",
    stopped: str | None = None,
) -> list[str]:
    """The results in a few lines; a run `stopped` before its scenarios (its one line said at the start) says so
    once more in a word, not again with the reason."""
    if stopped is not None:
        lines = ["no scenario ran: the target did not answer (the line at the start of the run)"]
    else:
        lines = _scenario_lines(results) + _crash_lines(crashes)
    if verdicts:
        lines += summary_lines(verdicts, profile)
    return lines


def _scenario_lines(results: Sequence[ScenarioResult]) -> list[str]:
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
    return lines


def _crash_lines(crashes: Sequence[JobOutcome]) -> list[str]:
    lines: list[str] = []
    said: dict[str, list[str]] = {}  # the same error from several jobs is said once
    for crash in crashes:
        said.setdefault(crash.output_tail(12), []).append(f"{crash.job.name} (exit {crash.returncode})")
    for tail, jobs in said.items():
        lines.append(f"  behave job(s) {', '.join(jobs)} ended before all their scenarios ran:")
        lines += [f"    {line}" for line in tail.splitlines() if not line.startswith("USING RUNNER")]
    return lines


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
