"""The verdict per clause, in ONE place (console, report, traceability, sign-off sheet, CI summary and exit code take
it from here); every page that explains a verdict prints `RULE`, so what a page says of the rule is what it does."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from support.clauses import CLAUSES, Clause
from tools.common.catalogue import PlannedScenario, scenarios
from tools.common.layout import FEATURES, MUTATION_MATRIX, ROOT, suite_commit
from tools.common.results import ScenarioResult, read_results, run_properties
from tools.verdicts.known_defects import KnownDefect, Register
from tools.verdicts.known_defects import read as read_register

NOT_A_SIGNOFF_RUN = "not a sign-off run"


class ClauseVerdict(StrEnum):
    FAILED = "failed"
    NOT_VERIFIED = "not verified"
    VERIFIED = "verified"
    PROVEN = "proven"


# The rule, stated once: each verdict and when a clause gets it, first match wins. Pages print it as their key.
_WHEN = (
    "an applicable scenario failed: a product defect (a known defect too)",
    "no applicable scenario, or one broken, skipped or not run, or the profile is not a sign-off one (quick)",
    "every applicable scenario ran and passed, on a sign-off profile (nightly)",
    "verified, and the mutation matrix of this very commit and target shape killed every fault of the clause",
)
RULE: tuple[tuple[ClauseVerdict, str], ...] = tuple(zip(ClauseVerdict, _WHEN, strict=True))
APPLICABLE = (
    "Applicable: every scenario of the clause, less those the target offers no API for (not offered: counted "
    "apart, with why; never passed, never failed)."
)


@dataclass(frozen=True)
class Scenario:  # one scenario of a clause, with how it ended in this run ("not run" when it has no result)
    name: str
    case: str | None
    result: ScenarioResult | None = None
    known_defect: KnownDefect | None = None  # failed, and the register knows why

    @property
    def status(self) -> str:
        return self.result.status if self.result is not None else "not run"

    @property
    def message(self) -> str:
        return self.result.message.splitlines()[0] if self.result is not None and self.result.message else ""


class Fault(NamedTuple):
    name: str
    verdict: str  # killed, survived, not shown, skipped …
    description: str


class Faults(NamedTuple):  # the clause's faults in the matrix of this commit and shape
    total: int
    killed: int  # killed on this commit
    each: tuple[Fault, ...] = ()


@dataclass(frozen=True)
class ClauseVerdictRow:
    clause: Clause
    verdict: ClauseVerdict
    reason: str  # one line: why this verdict (empty for verified/proven)
    scenarios: tuple[Scenario, ...] = ()  # applicable ones, in feature order
    not_offered: tuple[Scenario, ...] = ()  # the scenarios the target offers no API for (message: why)
    faults: Faults | None = None  # None: no mutation matrix of this commit and shape

    @property
    def id(self) -> str:
        return self.clause.id

    @property
    def heading(self) -> str:
        return self.clause.title

    def count(self, *statuses: str) -> int:
        return sum(s.status in statuses for s in self.scenarios)

    @property
    def run(self) -> int:  # applicable scenarios that ran to an end
        return self.count("passed", "failed", "broken")

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def not_run(self) -> int:  # applicable, yet skipped, left out by the profile, or missing from the results
        return len(self.scenarios) - self.run

    @property
    def known_defects(self) -> tuple[KnownDefect, ...]:
        return tuple(dict.fromkeys(s.known_defect for s in self.scenarios if s.known_defect))

    @property
    def verdict_text(self) -> str:  # as every page names it: "failed, known defect PZ-1234"
        return ", ".join([self.verdict.value, *(d.label for d in self.known_defects)])  # known: failed ones only

    def counts(self) -> str:  # "3 passed · 1 failed · 1 not offered": each ending that occurred, applicable first
        parts = [(self.count(what), what) for what in ("passed", "failed", "broken")]
        parts += [(self.not_run, "not run"), (len(self.not_offered), "not offered")]
        return " · ".join(f"{n} {what}" for n, what in parts if n) or "no scenario"

    def not_offered_why(self) -> str:  # each reason once: "the target offers no task API"
        return "; ".join(dict.fromkeys(s.message or "not offered by the target" for s in self.not_offered))


def read_matrix(path: Path) -> list[dict] | None:
    """The faults `make mutation` left, each with the suite commit it ran on; None: none, or a partial matrix."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"partial": True}
    # A partial one (`--only` alone) never ran some faults. A fault carries its commit (`--only` keeps older ones).
    faults = [{"suite_commit": data.get("suite_commit"), **fault} for fault in data.get("faults", [])]
    return None if data.get("partial") else faults


def clause_faults(faults: list[dict], clause_id: str, shape: str, commit: str | None) -> Faults:
    """The clause's faults on this shape (one judged on another counts as judged there), those killed on `commit`."""

    def on(fault: dict) -> str:
        return fault.get("shape") or fault.get("api") or "both"

    mine = [
        next((g for g in faults if g.get("name") == f["name"] and on(g) == f.get("judged_on")), f)
        for f in faults
        if clause_id in f.get("clauses", []) and on(f) == shape and f.get("applies", True)
    ]
    killed = [f for f in mine if f.get("verdict") == "killed" and commit in (None, f.get("suite_commit"))]
    each = tuple(Fault(f.get("name", "?"), f.get("verdict", "?"), f.get("description", "")) for f in mine)
    return Faults(len(mine), len(killed), each)


def signoff_profile(profile: str) -> bool:
    return profile == "nightly"  # the one profile that selects every scenario


def result_key(spec: str | None, case: str | None, name: str) -> tuple[str | None, str | None, str]:
    return spec, case, name.strip()  # how a result is matched to its scenario: clause, `@case-` slug and title


def decide(
    scenarios_: Sequence[Scenario], not_offered: Sequence[Scenario], profile: str, faults: Faults | None
) -> tuple[ClauseVerdict, str]:
    if not scenarios_:
        return ClauseVerdict.NOT_VERIFIED, "no offered API could judge it" if not_offered else "no scenario checks it"
    if failed := [s for s in scenarios_ if s.status == "failed"]:
        known = next((s.known_defect for s in failed if s.known_defect is not None), None)
        said = f"{known.label} ({known.url}): {known.reason}; " if known else ""
        return ClauseVerdict.FAILED, f"{said}{len(failed)} scenario(s) failed: {failed[0].name}"
    if broken := [s for s in scenarios_ if s.status == "broken"]:
        # Its message says why it could not judge (e.g. what the catalogue lacks): the sheet and terminal show it.
        why = f" — {broken[0].message[:300]}" if broken[0].message else ""
        return ClauseVerdict.NOT_VERIFIED, f"{len(broken)} scenario(s) broken: {broken[0].name}{why}"
    left_out = [s for s in scenarios_ if s.status != "passed" and s.result is not None and s.result.left_out]
    if missing := [s for s in scenarios_ if s.status != "passed" and s not in left_out]:
        return ClauseVerdict.NOT_VERIFIED, f"{len(missing)} of {len(scenarios_)} scenario(s) not run or skipped"
    if not signoff_profile(profile) or left_out:
        also = f": {len(left_out)} of {len(scenarios_)} scenario(s) left out by profile {profile}" if left_out else ""
        return ClauseVerdict.NOT_VERIFIED, NOT_A_SIGNOFF_RUN + also
    proven = faults is not None and 0 < faults.total == faults.killed
    return ClauseVerdict.PROVEN if proven else ClauseVerdict.VERIFIED, ""


def judge(
    results: Path | Iterable[ScenarioResult],
    profile: str,
    *,
    planned: Sequence[PlannedScenario] | None = None,
    features_dir: Path = FEATURES,
    matrix: Path | None = MUTATION_MATRIX,
    commit: str | None = None,
    shape: str | None = None,
    known: Register | Path | None = None,
) -> list[ClauseVerdictRow]:
    """A row per clause, in spec order: `results` (a folder or its results) against `planned`, `matrix`, `known`."""
    register = known if isinstance(known, Register) else read_register(known)
    if isinstance(results, Path):
        shape = shape or run_properties(results).get("target.api")
        results = read_results(results)
    shape = shape if shape in ("task", "job") else "both"  # a target that says nothing of its API offers both
    planned = scenarios(features_dir, ROOT) if planned is None else planned
    found = read_matrix(matrix) if matrix is not None else None
    if found is not None:
        commit = commit or suite_commit()  # runs git: only when there is a matrix to compare
        found = found if any(f.get("suite_commit") == commit for f in found) else None
    by_key: dict[tuple, ScenarioResult] = {}
    for result in results:
        by_key.setdefault(result_key(result.spec, result.case, result.name), result)
    matched = [(s.spec, s.name, s.case, by_key.pop(result_key(s.spec, s.case, s.name), None)) for s in planned]
    matched += [(r.spec, r.name.strip(), r.case, r) for r in by_key.values()]  # ran, but in no feature file now
    rows = []
    for clause in CLAUSES:
        mine = [Scenario(name, case, r) for spec, name, case, r in matched if spec == clause.id]
        mine = [replace(s, known_defect=register.match(clause.id, s.case)) if s.status == "failed" else s for s in mine]
        applicable = tuple(s for s in mine if not (s.result and s.result.not_offered))
        not_offered = tuple(s for s in mine if s.result and s.result.not_offered)
        faults = clause_faults(found, clause.id, shape, commit) if found is not None else None
        verdict, reason = decide(applicable, not_offered, profile, faults)
        rows.append(ClauseVerdictRow(clause, verdict, reason, applicable, not_offered, faults))
    return rows


def not_verified_beyond_profile(rows: Sequence[ClauseVerdictRow]) -> list[ClauseVerdictRow]:  # what exits 4
    return [r for r in rows if r.verdict is ClauseVerdict.NOT_VERIFIED and not r.reason.startswith(NOT_A_SIGNOFF_RUN)]


def fit_for_signoff(rows: Sequence[ClauseVerdictRow], profile: str) -> bool:  # a sign-off profile, all verified
    return signoff_profile(profile) and all(r.verdict in (ClauseVerdict.VERIFIED, ClauseVerdict.PROVEN) for r in rows)


def summary_lines(rows: Sequence[ClauseVerdictRow], profile: str) -> list[str]:
    """The console's clause table: one line per clause, then whether the run can be signed."""
    lines = ["clause verdicts:"]
    for row in rows:
        said = row.counts()
        said += f", faults {row.faults.killed}/{row.faults.total} killed" if row.faults and row.faults.total else ""
        said += f"  {row.heading}" + (f"  ({row.reason})" if row.reason and row.reason != NOT_A_SIGNOFF_RUN else "")
        lines.append(f"  {row.id:<4} {row.verdict.value:<13} {said}")
    last = "every clause verified: this run is fit for sign-off" if fit_for_signoff(rows, profile) else ""
    last = last or "not valid for sign-off: a clause is failed or not verified"
    if not signoff_profile(profile):
        last = f"{NOT_A_SIGNOFF_RUN}: profile {profile} leaves scenarios out; no clause can be verified by it"
    return [*lines, f"  {last}"]
