"""The kill decision of the mutation matrix: did the suite go red on the clause a fault breaks, and only there?

killed      at least one scenario of the fault's clauses is red (failed or broken), and every scenario of every
            other clause passed;
false alarm a scenario of another clause is not green (whether or not the fault's clauses went red);
survived    every scenario passed (or none of the fault's clauses ran);
error       nothing to judge: the stand did not start, or no scenario ran;
skipped     a slow-only fault in the quick profile.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tools.common.results import ScenarioResult


class Verdict(StrEnum):
    KILLED = "killed"
    SURVIVED = "survived"
    FALSE_ALARM = "false alarm"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def acceptable(self) -> bool:
        """What lets `make mutation` pass: a kill, or a fault the profile cannot reach (and says so)."""
        return self in (Verdict.KILLED, Verdict.SKIPPED)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    on_clause: list[ScenarioResult] = field(default_factory=list)  # red scenarios of the fault's clauses
    elsewhere: list[ScenarioResult] = field(default_factory=list)  # scenarios of other clauses that are not green
    note: str = ""


def decide(clauses: Iterable[str], results: Sequence[ScenarioResult]) -> Decision:
    targeted = set(clauses)
    if not results:
        return Decision(Verdict.ERROR, note="no scenario ran")
    on_clause = [r for r in results if r.spec in targeted and r.red]
    # A scenario whose API the stand's shape does not offer is skipped by design, not an alarm.
    elsewhere = [r for r in results if r.spec not in targeted and r.status != "passed" and not r.not_offered]
    if elsewhere:
        return Decision(Verdict.FALSE_ALARM, on_clause, elsewhere)
    if on_clause:
        return Decision(Verdict.KILLED, on_clause)
    ran = {r.spec for r in results} & targeted
    note = "" if ran else f"no scenario of {', '.join(sorted(targeted))} ran"
    return Decision(Verdict.SURVIVED, note=note)
