"""The verdict per clause, in ONE place: the console summary, the report, traceability, the sign-off sheet, the CI
summary and the exit code all take it from here, and every key that explains a verdict prints `RULE` below, so that
what a page says of the rule is what the rule does (docs/reading-the-report.md, "Signing off a clause").

Over a clause's *applicable* scenarios: every scenario of the clause in the feature files, less those the target
offers no API for (results labelled `offered` = `no`: counted apart as "not offered", with why, never passed).

    from tools.verdicts.clause_verdict import judge
    rows = judge(Path("reports/allure-results"), profile="nightly")

A failed scenario that the known-defects register (docs/known-defects.yaml) names stays failed: it only reads
"known defect PZ-…" beside its failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from support.clauses import CLAUSES, Clause
from tools.common.catalogue import PlannedScenario, scenarios
from tools.common.layout import FEATURES, MUTATION_MATRIX, ROOT
from tools.common.results import ScenarioResult, read_results
from tools.verdicts.known_defects import KnownDefect, Register
from tools.verdicts.known_defects import read as read_register

SIGNOFF_PROFILES = frozenset({"nightly"})  # profiles that select every scenario
NOT_A_SIGNOFF_RUN = "not a sign-off run"
DEFAULT_SHAPE = "both"  # a target (or a matrix row) that says nothing of its API offers both


class ClauseVerdict(StrEnum):
    FAILED = "failed"
    NOT_VERIFIED = "not verified"
    VERIFIED = "verified"
    PROVEN = "proven"

    @property
    def css(self) -> str:
        """The colour class of the badge (tools/common/html_page.STYLE)."""
        return {"failed": "failed", "not verified": "skipped", "verified": "passed", "proven": "proven"}[self.value]


# The rule, stated once: each verdict and when a clause gets it, first match wins. Pages print it as their key.
RULE: tuple[tuple[ClauseVerdict, str], ...] = (
    (ClauseVerdict.FAILED, "an applicable scenario failed: a product defect (a known defect too)"),
    (
        ClauseVerdict.NOT_VERIFIED,
        "no applicable scenario, or one broken, skipped or not run, or the profile is not a sign-off one (quick)",
    ),
    (ClauseVerdict.VERIFIED, "every applicable scenario ran and passed, on a sign-off profile (nightly)"),
    (
        ClauseVerdict.PROVEN,
        "verified, and the mutation matrix of this very commit and target shape killed every fault of the clause",
    ),
)
APPLICABLE = (
    "Applicable: every scenario of the clause, less those the target offers no API for (not offered: counted "
    "apart, with why; never passed, never failed)."
)


def rule_text() -> str:
    """The rule as one paragraph of text (the CI summary, the Markdown pages)."""
    return " ".join(f"{verdict.value}: {when}." for verdict, when in RULE) + " " + APPLICABLE


@dataclass(frozen=True)
class Scenario:
    """One applicable scenario of a clause, with how it ended in this run ("not run" when it has no result)."""

    name: str
    case: str | None
    status: str  # an Allure status, or "not run"
    message: str = ""
    result: ScenarioResult | None = None
    known_defect: KnownDefect | None = None  # failed, and the register knows why


@dataclass(frozen=True)
class Faults:
    """The clause's faults in the mutation matrix of this commit and shape."""

    total: int
    killed: int
    names: tuple[str, ...] = ()


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

    @property
    def planned(self) -> int:
        return len(self.scenarios)

    @property
    def run(self) -> int:
        """Applicable scenarios that ran to an end (passed, failed or broken)."""
        return sum(s.status in ("passed", "failed", "broken") for s in self.scenarios)

    @property
    def passed(self) -> int:
        return sum(s.status == "passed" for s in self.scenarios)

    @property
    def failed(self) -> int:
        return sum(s.status == "failed" for s in self.scenarios)

    @property
    def broken(self) -> int:
        return sum(s.status == "broken" for s in self.scenarios)

    @property
    def not_run(self) -> int:
        """Applicable, yet skipped, left out by the profile, or missing from the results."""
        return self.planned - self.run

    @property
    def known_defects(self) -> tuple[KnownDefect, ...]:
        found: list[KnownDefect] = []
        for s in self.scenarios:
            if s.known_defect is not None and s.known_defect not in found:
                found.append(s.known_defect)
        return tuple(found)

    @property
    def verdict_text(self) -> str:
        """The verdict as every page names it: "failed, known defect PZ-1234" when the register knows it."""
        keys = ", ".join(d.label for d in self.known_defects)
        return f"{self.verdict.value}, {keys}" if keys and self.verdict is ClauseVerdict.FAILED else self.verdict.value

    @property
    def failure(self) -> str:
        """The reason without the known defect's words, for a page that shows the known defect apart."""
        for defect in self.known_defects:
            if self.reason.startswith(known_said(defect)):
                return self.reason[len(known_said(defect)) :]
        return self.reason

    def counts(self) -> str:
        """ "3 passed · 1 failed · 1 not offered": every kind of ending that occurred, applicable ones first."""
        parts = [(self.passed, "passed"), (self.failed, "failed"), (self.broken, "broken"), (self.not_run, "not run")]
        parts.append((len(self.not_offered), "not offered"))
        shown = [f"{n} {what}" for n, what in parts if n]
        return " · ".join(shown) or "no scenario"

    def not_offered_why(self) -> str:
        """Why the target offers none of them, said once per reason: "the target offers no task API"."""
        reasons = dict.fromkeys(s.message or "not offered by the target" for s in self.not_offered)
        return "; ".join(reasons)


@dataclass(frozen=True)
class Matrix:
    """What `make mutation` left: faults by clause, for which suite commit and target shape."""

    commit: str | None
    faults: list[dict] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Matrix | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("partial"):
            return None  # `--only` without a whole matrix before it: some faults of a clause were never run
        commit = data.get("suite_commit")
        # Each fault carries the commit it ran on (`--only` keeps older ones); the matrix's own is the default.
        return cls(commit, [{"suite_commit": commit, **fault} for fault in data.get("faults", [])])

    def of(self, clause_id: str, shape: str, commit: str | None = None) -> Faults:
        """The clause's faults on this target shape; killed: those killed on this suite commit (any, if None)."""

        def shape_of(fault: dict) -> str:
            return fault.get("shape") or fault.get("api") or DEFAULT_SHAPE

        def row(name: str, on: str) -> dict:
            return next((f for f in self.faults if f.get("name") == name and shape_of(f) == on), {})

        # A fault the shape cannot show is none of its faults; one judged on another shape counts as judged there.
        mine = [
            row(f["name"], f["judged_on"]) if f.get("judged_on") else f
            for f in self.faults
            if clause_id in f.get("clauses", []) and shape_of(f) == shape and f.get("applies", True)
        ]
        killed = [
            f for f in mine if f.get("verdict") == "killed" and (commit is None or f.get("suite_commit") == commit)
        ]
        return Faults(len(mine), len(killed), tuple(f.get("name", "?") for f in mine))


def signoff_profile(profile: str) -> bool:
    return profile in SIGNOFF_PROFILES


def result_key(spec: str | None, case: str | None, name: str) -> tuple[str | None, str | None, str]:
    """How a result is matched to its scenario of the feature files: clause, `@case-` slug and title."""
    return spec, case, name.strip()


def match(
    planned: Sequence[PlannedScenario], results: Iterable[ScenarioResult]
) -> dict[str | None, list[tuple[str, str | None, ScenarioResult | None]]]:
    """Each planned scenario (by clause, feature order) with its result or None; results planned nowhere follow."""
    by_key: dict[tuple[str | None, str | None, str], ScenarioResult] = {}
    for result in results:
        by_key.setdefault(result_key(result.spec, result.case, result.name), result)
    out: dict[str | None, list[tuple[str, str | None, ScenarioResult | None]]] = {}
    for scenario in planned:
        result = by_key.pop(result_key(scenario.spec, scenario.case, scenario.name), None)
        out.setdefault(scenario.spec, []).append((scenario.name, scenario.case, result))
    for result in by_key.values():  # ran, but no longer in the feature files (or none were given)
        out.setdefault(result.spec, []).append((result.name.strip(), result.case, result))
    return out


def known_said(defect: KnownDefect) -> str:
    """How a failed clause's reason starts when the register knows the failure: its key, link and reason."""
    return f"{defect.label} ({defect.url}): {defect.reason}; "


def _decide(
    clause: Clause, scenarios_: list[Scenario], not_offered: list[Scenario], profile: str, faults: Faults | None
) -> tuple[ClauseVerdict, str]:
    if not scenarios_:
        why = "no offered API could judge it" if not_offered else "no scenario checks it"
        return ClauseVerdict.NOT_VERIFIED, why
    failed = [s for s in scenarios_ if s.status == "failed"]
    if failed:
        known = next((s.known_defect for s in failed if s.known_defect is not None), None)
        said = known_said(known) if known else ""
        return ClauseVerdict.FAILED, f"{said}{len(failed)} scenario(s) failed: {failed[0].name}"
    broken = [s for s in scenarios_ if s.status == "broken"]
    if broken:
        # Its message says why it could not judge (e.g. what the catalogue lacks): the sheet and terminal show it.
        why = f" — {broken[0].message[:300]}" if broken[0].message else ""
        return ClauseVerdict.NOT_VERIFIED, f"{len(broken)} scenario(s) broken: {broken[0].name}{why}"
    left_out = [s for s in scenarios_ if s.status != "passed" and s.result is not None and s.result.left_out]
    missing = [s for s in scenarios_ if s.status != "passed" and s not in left_out]
    if missing:
        return ClauseVerdict.NOT_VERIFIED, f"{len(missing)} of {len(scenarios_)} scenario(s) not run or skipped"
    if not signoff_profile(profile) or left_out:
        also = f": {len(left_out)} of {len(scenarios_)} scenario(s) left out by profile {profile}" if left_out else ""
        return ClauseVerdict.NOT_VERIFIED, NOT_A_SIGNOFF_RUN + also
    if faults is not None and faults.total and faults.killed == faults.total:
        return ClauseVerdict.PROVEN, ""
    return ClauseVerdict.VERIFIED, ""


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
    """One row per clause of the clarifications, in spec order.

    `results`: an allure-results folder or its parsed results; `planned`: the scenarios of the feature files (read
    from `features_dir` when not given); `matrix`: reports/mutation/matrix.json, counted only when its suite commit
    is `commit` (the current one when not given); `shape`: the target's API shape (`target.api` of the run's
    environment.properties when `results` is a folder, else "both"); `known`: the known-defects register (a file,
    or one read already; None: the run's, tools/verdicts/known_defects.register_path()).
    """
    register = known if isinstance(known, Register) else read_register(known)
    if isinstance(results, Path):
        shape = shape or run_properties(results).get("target.api")
        results = read_results(results)
    shape = shape if shape in ("task", "job", "both") else DEFAULT_SHAPE
    if planned is None:
        planned = scenarios(features_dir, ROOT) if features_dir.is_dir() else []
    found = Matrix.read(matrix) if matrix is not None else None
    if found is not None and commit is None:
        from tools.common.target_info import suite_commit  # here: runs git, only when a matrix is there to compare

        commit = suite_commit()
    if found is not None and not any(f.get("suite_commit") == commit for f in found.faults):
        found = None  # no fault of the matrix ran on this commit: nothing to count
    rows = []
    matched = match(planned, results)
    for clause in CLAUSES:
        applicable: list[Scenario] = []
        not_offered: list[Scenario] = []
        for name, case, result in matched.get(clause.id, []):
            status = result.status if result is not None else "not run"
            message = result.message.splitlines()[0] if result is not None and result.message else ""
            known_defect = register.match(clause.id, case) if status == "failed" else None
            scenario = Scenario(name, case, status, message, result, known_defect)
            (not_offered if result is not None and result.not_offered else applicable).append(scenario)
        faults = found.of(clause.id, shape, commit) if found is not None else None
        verdict, reason = _decide(clause, applicable, not_offered, profile, faults)
        rows.append(ClauseVerdictRow(clause, verdict, reason, tuple(applicable), tuple(not_offered), faults))
    return rows


def run_properties(results: Path) -> dict[str, str]:
    """The run's environment.properties (written by the runner into the results folder), as a dict."""
    try:
        text = (results / "environment.properties").read_text(encoding="utf-8")
    except OSError:
        return {}
    found = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            found[key.strip()] = value.strip().replace("\\\\", "\\")
    return found


def not_verified_beyond_profile(rows: Sequence[ClauseVerdictRow]) -> list[ClauseVerdictRow]:
    """Clauses not verified for a reason other than the profile: what raises exit code 4."""
    return [r for r in rows if r.verdict is ClauseVerdict.NOT_VERIFIED and not r.reason.startswith(NOT_A_SIGNOFF_RUN)]


def fit_for_signoff(rows: Sequence[ClauseVerdictRow], profile: str) -> bool:
    """A sheet can be signed only for a sign-off profile where every clause is verified or proven."""
    return signoff_profile(profile) and all(r.verdict in (ClauseVerdict.VERIFIED, ClauseVerdict.PROVEN) for r in rows)


def summary_lines(rows: Sequence[ClauseVerdictRow], profile: str) -> list[str]:
    """The console's clause table: one line per clause, then whether the run can be signed."""
    lines = ["clause verdicts:"]
    for row in rows:
        reason = f"  ({row.reason})" if row.reason and row.reason != NOT_A_SIGNOFF_RUN else ""
        faults = f", faults {row.faults.killed}/{row.faults.total} killed" if row.faults and row.faults.total else ""
        offered = f", {len(row.not_offered)} not offered" if row.not_offered else ""
        lines.append(
            f"  {row.id:<4} {row.verdict.value:<13} {row.passed}/{row.planned} passed{offered}{faults}  "
            f"{row.heading}{reason}"
        )
    if not signoff_profile(profile):
        lines.append(f"  {NOT_A_SIGNOFF_RUN}: profile {profile} leaves scenarios out; no clause can be verified by it")
    elif fit_for_signoff(rows, profile):
        lines.append("  every clause verified: this run is fit for sign-off")
    else:
        lines.append("  not valid for sign-off: a clause is failed or not verified")
    return lines
