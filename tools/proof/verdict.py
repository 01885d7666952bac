"""The kill decision of the mutation matrix: did the suite fail the clause a fault breaks, as a product defect, and
only there? Only a product defect kills: a scenario of the fault's clause that ends broken (could not judge, or our
own defect) did not show the fault, however red it looks (*not shown*); a scenario of another clause not green is a
*false alarm*; all of the clause green *survived*; no result, an *error*; a fault left to another shape or profile,
*skipped*. The one allowance, in the fault's registry entry (`unjudged`): a clause whose scenarios read the broken
clause's data may end broken as not verified (§4's history behind a stream cut by a wrong limit, `grpc-limit-60`).
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
