"""How a run ended, as an exit code: a product defect, a broken environment, a suite defect, a clause not verified."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum

from tools.common.results import Kind, ScenarioResult
from tools.run.behave_runs import JobOutcome
from tools.verdicts.clause_verdict import ClauseVerdictRow, not_verified_beyond_profile


class Exit(IntEnum):
    GREEN = 0
    PRODUCT_DEFECT = 1  # a scenario failed: the target does not do what the clarifications say
    BROKEN_ENVIRONMENT = 2  # the target (or the stand) could not be reached, or lacks what a scenario needs
    SUITE_DEFECT = 3  # an error in our own code, or behave ran nothing: the results cannot be trusted
    NOT_VERIFIED = 4  # nothing red, but a clause is not verified: a scenario skipped or not run, or none applies
    INTERRUPTED = 130


# environment.py ends a run whose target does not answer with one line and these codes (10 stand, 11-14 a part:
# REST, AMQP, management API, gRPC; 15 a setting it cannot take).
TARGET_UNREACHABLE_EXITS = (10, 11, 12, 13, 14, 15)


WORST = {Kind.SUITE: Exit.SUITE_DEFECT, Kind.ENVIRONMENT: Exit.BROKEN_ENVIRONMENT, Kind.PRODUCT: Exit.PRODUCT_DEFECT}


def crash_kind(outcome: JobOutcome) -> Kind:
    """A behave process that ended without its results: by its exit code, never by what it printed."""
    return Kind.ENVIRONMENT if outcome.returncode in TARGET_UNREACHABLE_EXITS else Kind.SUITE


def exit_code(
    results: Iterable[ScenarioResult], crash_kinds: Iterable[Kind] = (), clauses: Sequence[ClauseVerdictRow] = ()
) -> Exit:
    """The worst that happened (a suite defect hides the rest, a broken environment a product defect); nothing red
    is still not green while a clause is not verified for a reason other than its profile (not a quick run's)."""
    kinds = {result.kind for result in results} | set(crash_kinds)
    if worst := [code for kind, code in WORST.items() if kind in kinds]:
        return worst[0]
    return Exit.NOT_VERIFIED if not_verified_beyond_profile(clauses) else Exit.GREEN
