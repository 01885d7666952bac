"""The kill decision of the mutation matrix: did the suite fail the clause a fault breaks, as a product defect, and
only there?

Only a product defect kills: a fault is a product that breaks its clause, so a scenario of that clause that ends
broken (a broken environment: "could not judge", not verified; or a suite defect) did not show the fault, however red
it looks. What each verdict means:

killed      a scenario of the fault's clauses failed as a product defect, no scenario of its clauses ended broken,
            and every scenario of every other clause passed (or was not offered by the stand's shape);
not shown   a scenario of the fault's clauses ended broken: the suite said it could not judge, or broke itself, where
            it should have failed the product (whether or not another scenario of them failed);
false alarm a scenario of another clause is not green (whether or not the fault's clauses went red);
survived    every scenario of the fault's clauses passed (or none of them ran);
error       nothing to judge: the stand did not start, or no scenario ran;
skipped     a slow-only fault in the quick profile.

One exception, written in the fault's registry entry (`unjudged`, stand/faults.py): a clause whose scenarios read the
data of the broken one may end broken as a broken environment, not verified, and that is neither a kill nor an
alarm. §4's history over gRPC behind a stream cut by a wrong limit (`grpc-limit-60`, `grpc-cut-early`): its rows stop
at the cut, and when what came agrees with §4 the suite rightly says it could not judge §4 (support/partial_results.py)
while 2.1 fails. A product defect there would blame §4 for the limit's fault: a false alarm.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tools.common.results import Kind, ScenarioResult


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


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    on_clause: list[ScenarioResult] = field(default_factory=list)  # scenarios of its clauses failed as product defects
    elsewhere: list[ScenarioResult] = field(default_factory=list)  # scenarios of other clauses that are not green
    not_shown: list[ScenarioResult] = field(default_factory=list)  # scenarios of its clauses that ended broken
    note: str = ""


def decide(clauses: Iterable[str], results: Sequence[ScenarioResult], unjudged: Iterable[str] = ()) -> Decision:
    """`clauses`: those the fault breaks; `unjudged`: those it may leave not verified (a broken environment there is
    allowed, anything else red is an alarm)."""
    targeted, excused = set(clauses), set(unjudged) - set(clauses)
    if not results:
        return Decision(Verdict.ERROR, note="no scenario ran")
    on_clause = [r for r in results if r.spec in targeted and r.kind is Kind.PRODUCT]
    not_shown = [r for r in results if r.spec in targeted and r.red and r.kind is not Kind.PRODUCT]
    # A scenario whose API the stand's shape does not offer is skipped by design, not an alarm.
    elsewhere = [
        r
        for r in results
        if r.spec not in targeted
        and r.status != "passed"
        and not r.not_offered
        and not (r.spec in excused and r.kind is Kind.ENVIRONMENT)
    ]
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
