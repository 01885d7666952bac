"""Which behave processes a profile needs, and which scenarios each one runs.

- quick: the scenarios that are not @slow, in one process (`--tags=not @slow`) or spread over `parallel` processes
  (each given its scenarios by `path:line`), balanced by each scenario's duration in the last run;
- nightly: one process per `@slow` scenario (by its `path:line`, so an outline row runs alone), all started at
  once, next to the process(es) running everything else. The wall time is then the longest slow scenario, not
  their sum. The nightly listens for a minute at the 180 s limit (FOCUS_PROFILE=nightly: a share of the limit
  under test, support/settings.py Timing) where the quick profile listens 3 s, and each
  `@listening` scenario gets a process of its own too, so that its minute runs beside the 180 s of the slow ones
  instead of adding to the rest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from tools.common.catalogue import SLOW_TAG, PlannedScenario, scenarios
from tools.common.layout import DEFAULT_LAYOUT, ROOT, RunLayout
from tools.common.results import ScenarioResult

NOT_SLOW = f"--tags=not @{SLOW_TAG}"


class Profile(StrEnum):
    QUICK = "quick"
    NIGHTLY = "nightly"


# The settings a profile gives its behave processes (a value already in the environment wins): the listening
# window of the Smart Recorder and live stream scenarios, long enough in the nightly to see a source that falls
# silent after a few seconds.
PROFILE_ENV: dict[Profile, dict[str, str]] = {Profile.NIGHTLY: {"FOCUS_PROFILE": "nightly"}}


@dataclass(frozen=True)
class BehaveJob:
    name: str  # file-name safe; names its logs
    selection: tuple[str, ...]  # behave arguments that pick its scenarios
    scenarios: tuple[PlannedScenario, ...]  # what it is expected to run (for the progress display)
    slow: bool
    env: tuple[tuple[str, str], ...] = ()  # the profile's settings (PROFILE_ENV)


def plan(
    profile: Profile,
    features_dir: Path,
    cwd: Path = ROOT,
    *,
    parallel: int = 1,
    durations: Mapping[str, float] | None = None,
    slow_alone: bool = True,
) -> list[BehaveJob]:
    """The behave processes of a profile. Empty when there is nothing to run.

    `parallel` > 1 spreads the scenarios that are not @slow over that many processes, balanced by their durations
    in the last run (`durations`, by `duration_key`); 1 runs them in one process, selected by tag.
    `slow_alone=False` (the mutation matrix, whose stands have a short stream limit): the nightly's @slow and
    @listening scenarios are spread with the rest instead of one process each, which would cost more in process
    starts than their few seconds of waiting.
    """
    found = scenarios(features_dir, cwd)
    env = tuple(sorted(PROFILE_ENV.get(profile, {}).items()))
    nightly = profile is Profile.NIGHTLY
    alone = [s for s in found if s.slow or s.listening] if nightly and slow_alone else []
    rest = [s for s in found if (nightly or not s.slow) and s not in alone]
    jobs: list[BehaveJob] = []
    seen: dict[str, int] = {}
    for scenario in alone:
        base = f"{'slow' if scenario.slow else 'listen'}-{scenario.case or 'scenario'}"
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base}-{seen[base]}"
        jobs.append(BehaveJob(name, (scenario.location,), (scenario,), slow=True, env=env))
    if not rest:
        return jobs
    if parallel <= 1 and len(rest) == len([s for s in found if not s.slow]):
        jobs.append(BehaveJob("main", (os.path.relpath(features_dir, cwd), NOT_SLOW), tuple(rest), False, env))
        return jobs
    for index, share in enumerate(balance(rest, max(1, parallel), durations or {}), start=1):
        jobs.append(BehaveJob(f"main-{index}", tuple(s.location for s in share), tuple(share), False, env))
    return jobs


DEFAULT_DURATION_S = 2.0  # for a scenario never timed yet


def durations_file(layout: RunLayout) -> Path:
    return layout.history / "durations.json"


def load_durations(layout: RunLayout) -> dict[str, float]:
    """The last durations of this layout's runs; for a layout that has none yet (a benchmark's own folder, say),
    those of the default reports/ folder, which balance as well."""
    for source in (layout, DEFAULT_LAYOUT):
        try:
            return json.loads(durations_file(source).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return {}


def save_durations(layout: RunLayout, results: Sequence[ScenarioResult]) -> None:
    """Each scenario's last duration, kept with the history: the next run balances its processes by it."""
    known = load_durations(layout)
    known.update({duration_key(r.spec, r.case, r.name): round(r.duration_s, 2) for r in results})
    durations_file(layout).parent.mkdir(parents=True, exist_ok=True)
    durations_file(layout).write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")


def duration_key(spec: str | None, case: str | None, name: str) -> str:
    return f"{spec}|{case}|{name.strip()}"


def balance(
    found: Sequence[PlannedScenario], parts: int, durations: Mapping[str, float]
) -> list[list[PlannedScenario]]:
    """Longest first, each to the least loaded part; each part keeps the feature files' order."""
    order = {s.location: i for i, s in enumerate(found)}
    shares: list[list[PlannedScenario]] = [[] for _ in range(min(parts, len(found)))]
    loads = [0.0] * len(shares)

    def cost(s: PlannedScenario) -> float:
        return durations.get(duration_key(s.spec, s.case, s.name), DEFAULT_DURATION_S)

    for scenario in sorted(found, key=cost, reverse=True):
        lightest = loads.index(min(loads))
        shares[lightest].append(scenario)
        loads[lightest] += cost(scenario)
    return [sorted(share, key=lambda s: order[s.location]) for share in shares if share]
