"""The sign-off sheet's content: the run, its clause verdicts, each clause's own quote, the known-defects register;
and the same as JSON data, a record that outlives the report (tools/verdicts/signoff.py writes and prints it).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tools.common.catalogue import PlannedScenario, quotes_of, scenarios
from tools.common.layout import FEATURES, MUTATION_MATRIX, ROOT
from tools.verdicts.clause_verdict import RULE, ClauseVerdictRow, fit_for_signoff, judge
from tools.verdicts.known_defects import Register
from tools.verdicts.known_defects import read as read_register
from tools.verdicts.run_header import UNKNOWN, RunHeader


@dataclass(frozen=True)
class Sheet:
    header: RunHeader
    rows: list[ClauseVerdictRow]
    # clause id → what the sheet quotes for it: its official answer when the clause has one of its own, else (the
    # five clauses of §4 under one answer) its own quote, as its scenarios carry it (empty: the answer is quoted)
    quotes: dict[str, list[str]]
    register: Register

    @property
    def valid(self) -> bool:
        return fit_for_signoff(self.rows, self.header.profile)

    @property
    def not_offered(self) -> int:
        return sum(len(row.not_offered) for row in self.rows)

    def not_offered_why(self) -> str:
        reasons = dict.fromkeys(r for row in self.rows if row.not_offered for r in row.not_offered_why().split("; "))
        return "; ".join(reasons)

    @property
    def stem(self) -> str:
        """`signoff-<sw_version>-<date>`: the name the sheet keeps beyond the run's artifacts."""
        return f"signoff-{_safe(self.header.sw_version)}-{self.header.started[:10] or UNKNOWN}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or UNKNOWN


def build(
    results_dir: Path,
    features_dir: Path = FEATURES,
    matrix: Path = MUTATION_MATRIX,
    profile: str | None = None,
    register: Path | None = None,
) -> Sheet:
    """The sheet of the run whose results are in `results_dir` (its environment.properties says which run)."""
    header = RunHeader.of(results_dir, profile)
    planned: list[PlannedScenario] = scenarios(features_dir, ROOT) if features_dir.is_dir() else []
    known = read_register(register)
    rows = judge(results_dir, header.profile, planned=planned, matrix=matrix, shape=header.shape, known=known)
    shared = Counter(row.clause.answer for row in rows)
    quotes = {row.id: quotes_of(row.id, planned) if shared[row.clause.answer] > 1 else [] for row in rows}
    return Sheet(header, rows, quotes, known)


def to_json(sheet: Sheet) -> dict:
    """The sheet's data: what it shows, for a record that outlives the report (attached beside the PDF)."""
    h = sheet.header
    return {
        "run": {"id": h.run_id, "started": h.started, "target": h.target, "target_url": h.target_url},
        "api_shape": h.shape,
        "sw_version": h.sw_version,
        "broker": h.broker,
        "suite_commit": h.commit,
        "profile": h.profile,
        "clarifications": {"date": h.spec.date, "sha256": h.spec.sha256},
        "jobs": {"configured": h.jobs_configured, "max_alive": h.jobs_max_alive},
        "valid_for_signoff": sheet.valid,
        "verdict_rule": [{"verdict": verdict.value, "when": when} for verdict, when in RULE],
        "not_offered": {"count": sheet.not_offered, "why": sheet.not_offered_why()},
        "clauses": [_clause_json(row, sheet.quotes.get(row.id, [])) for row in sheet.rows],
        "known_defects": [
            {"key": d.key, "clause": d.clause, "case": d.case, "reason": d.reason, "expires": d.expires.isoformat()}
            for d in sheet.register.defects
        ],
    }


def _clause_json(row: ClauseVerdictRow, quote: list[str]) -> dict:
    faults = None if row.faults is None else {"total": row.faults.total, "killed": row.faults.killed}
    return {
        "id": row.id,
        "heading": row.heading,
        "quote": quote,
        "verdict": row.verdict.value,
        "verdict_text": row.verdict_text,
        "reason": row.reason,
        "counts": {"passed": row.passed, "failed": row.failed, "broken": row.broken, "not_run": row.not_run},
        "not_offered": {"count": len(row.not_offered), "why": row.not_offered_why()},
        "faults": faults,  # None: no mutation matrix of this commit, not proven on it
        "scenarios": [
            {"name": s.name, "case": s.case, "status": s.status, "known_defect": s.known_defect and s.known_defect.key}
            for s in (*row.scenarios, *row.not_offered)
        ],
    }
