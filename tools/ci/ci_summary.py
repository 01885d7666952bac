"""The CI summary: the clause table of a finished run (clause, scenarios passed/run, verdict) and what its exit
code means, as Markdown for the job summary page of GitHub Actions.

    python -m tools.ci.ci_summary [--base reports] [--out FILE]

Always writes reports/ci/summary.md; appends it to `--out`, else to $GITHUB_STEP_SUMMARY when GitHub sets it,
else prints it.
"""

from __future__ import annotations

import argparse
import html
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.ci import run_facts
from tools.ci.run_facts import RunFacts, exit_meaning
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, RunLayout
from tools.verdicts import traceability
from tools.verdicts.run_header import SpecVersion
from tools.verdicts.traceability import Traceability


@dataclass(frozen=True)
class ClauseLine:
    clause: str
    title: str
    passed: int
    ran: int
    not_run: int  # applicable, yet skipped, left out by the profile, or missing from the results
    not_offered: int  # skipped because the target offers no API for them: not counted either way
    verdict: str  # tools/verdicts/clause_verdict.py's, with its reason when not verified or failed
    not_offered_why: str = ""  # "the target offers no task API"


def clause_table(trace: Traceability) -> list[ClauseLine]:
    """One line per clause, from tools/verdicts/clause_verdict.py's verdicts (the traceability page shows the same)."""
    lines = []
    for row in trace.rows:
        judged = row.judged
        if judged is None:  # built without verdicts: nothing to say per clause
            continue
        verdict = judged.verdict.value + (f" ({judged.reason})" if judged.reason else "")
        lines.append(
            ClauseLine(
                clause=row.clause.id,
                title=row.clause.title,
                passed=judged.passed,
                ran=judged.run,
                not_run=judged.planned - judged.run,
                not_offered=len(judged.not_offered),
                not_offered_why=judged.not_offered_why(),
                verdict=verdict,
            )
        )
    return lines


def _cell(text: str) -> str:
    """Text for a line or a table cell: GitHub renders HTML in a summary, so a failure message's `<b>` or
    `<img src=…>` is escaped, never rendered."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def docs_link() -> str:
    """README's "In CI" section (the exit codes, the artifacts), at the commit that ran, when GitHub says which."""
    server, repo, sha = (os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    return f"{server}/{repo}/blob/{sha}/README.md#in-ci" if server and repo and sha else "README.md#in-ci"


def red_scenarios(trace: Traceability) -> list[str]:
    """`4.1 <scenario>: product defect: <the failure's first line>`, for each scenario that failed or broke."""
    return [
        f"{row.clause.id} {s.name}: {s.kind}" + (f": {s.message[:200]}" if s.message else "")
        for row in trace.rows
        for s in row.scenarios
        if s.status in ("failed", "broken")
    ]


def to_markdown(
    lines: Sequence[ClauseLine], facts: RunFacts, red: Sequence[str] = (), spec: SpecVersion | None = None
) -> str:
    code = facts.exit_code
    said = f"exit {code}: {exit_meaning(code).split(':')[0]}" if code is not None else "exit code not recorded"
    out = [f"## Acceptance: {_cell(facts.describe())} — {said}", ""]
    if not facts.sign_off_profile:
        out += [f"_Profile {facts.profile}: not a sign-off run (only the nightly profile runs every scenario)._", ""]
    out += ["| Clause | Scenarios passed/run | Verdict |", "|---|---|---|"]
    for line in lines:
        counts = f"{line.passed}/{line.ran}" + (f" ({line.not_run} not run)" if line.not_run else "")
        counts += f" ({line.not_offered} not offered: {_cell(line.not_offered_why)})" if line.not_offered else ""
        out.append(f"| {line.clause} {_cell(line.title)} | {counts} | {_cell(line.verdict)} |")
    if red:
        out += ["", "**Red scenarios**", ""] + [f"- {_cell(line)}" for line in red]
    judged = f" Clarifications judged: {_cell(spec.date)} (sha256 `{spec.short}`)." if spec else ""
    out += [
        "",
        f"Product version `{_cell(facts.product_version)}`, suite commit `{_cell(facts.suite_commit)}`.{judged} "
        f"The job ends with this exit code; what each means, and the artifacts: [README, In CI]({docs_link()}).",
    ]
    if code == 2:
        out += ["", "A broken environment is no verdict on the product: fix the target and run again."]
    return "\n".join(out) + "\n"


def build(layout: RunLayout, features: Path = FEATURES) -> str:
    facts = run_facts.read(layout)
    trace = traceability.build(layout.results, features)
    spec = trace.header.spec if trace.header else None
    return to_markdown(clause_table(trace), facts, red_scenarios(trace), spec)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base, help="the reports folder")
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--out", type=Path, help="append the summary here (default: $GITHUB_STEP_SUMMARY, or print)")
    args = parser.parse_args(argv)
    layout = RunLayout(args.base.resolve())
    text = build(layout, args.features.resolve())
    kept = run_facts.ci_dir(layout) / "summary.md"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(text, encoding="utf-8")
    out = args.out or (Path(os.environ["GITHUB_STEP_SUMMARY"]) if os.environ.get("GITHUB_STEP_SUMMARY") else None)
    if out is None:
        print(text)
    else:
        with out.open("a", encoding="utf-8") as summary:
            summary.write(text)
        print(f"summary: {out} (and {kept})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
