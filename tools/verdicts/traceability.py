"""The traceability page: each clause of the clarifications with its quote, its scenarios and their status, and the
faults of the mutation matrix that the suite killed for it; then each "Summary of Required Test Updates" item with
what answers it. Written at each run as HTML (in the report folder) and Markdown (beside it).

`python -m tools.verdicts.traceability [--base reports]` rewrites it from the results already there.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from support.clauses import CLAUSES, Clause
from tools.common.catalogue import PlannedScenario, quotes_of, scenarios
from tools.common.html_page import REPORT_LINKS, esc, page, status_badge
from tools.common.layout import CLARIFICATIONS, DEFAULT_LAYOUT, FEATURES, MUTATION_MATRIX, ROOT, RunLayout
from tools.common.quote_html import inline_html, quote_html
from tools.common.results import Kind, ScenarioResult, read_results
from tools.verdicts.clause_verdict import APPLICABLE, NOT_A_SIGNOFF_RUN, RULE, ClauseVerdictRow, judge, signoff_profile
from tools.verdicts.known_defects import KnownDefect
from tools.verdicts.run_header import RunHeader

NOT_RUN = "not run"
MATRIX_NOT_RUN = "mutation matrix not run"


@dataclass(frozen=True)
class Answer:
    """What answers a summary bullet: scenarios of these clauses, and/or documents (path in the repo → page)."""

    clauses: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    note: str = ""


# Each bullet of "Summary of Required Test Updates", word for word, and what answers it here.
# tests/tools/test_traceability.py fails when the clarifications gain a bullet that is not mapped.
ANSWERS: dict[str, Answer] = {
    'Verify exchange name is "prisma" (only)': Answer(("1.1",)),
    "Update queue name patterns for jobs": Answer(("1.2",)),
    "Remove Focus Server queue expectations": Answer(("1.2",), note="expects Focus Server to own no queue at all"),
    "Test 180-second timeout compliance": Answer(("2.1",)),
    "Test behavior near timeout boundary": Answer(("2.1",)),
    "Test timeout error handling": Answer(("2.1",)),
    "Test fail-fast when no recordings": Answer(("4.1",)),
    "Test partial results with gaps": Answer(("4.3", "4.6")),
    "Test edge cases (start-only, middle-only)": Answer(("4.4", "4.5")),
    "Metadata collection time (< 1s target)": Answer(("2.2",)),
    "Document actual measurements": Answer(
        ("2.2",), ("docs/reading-the-report.md",), "each 2.2 result carries its samples, a table and a chart"
    ),
    "Set up performance monitoring": Answer(
        ("2.2",), ("docs/reading-the-report.md",), "the nightly report's history keeps the trend"
    ),
    "Remove any gRPC tap tests (not applicable)": Answer(
        ("3.1",), note="no scenario touches a gRPC tap; the 3.1 feature says so"
    ),
    "Add AMQP message flow tests": Answer(("3.1",)),
    "Test interrogator connectivity": Answer(("3.1",)),
    "Clarify Noga's retry timeouts": Answer(documents=("docs/frontend-retries.md",)),
    "Document expected retry behavior": Answer(documents=("docs/frontend-retries.md",)),
    "Ensure backend idempotency": Answer(("2.3",), ("docs/frontend-retries.md",)),
}

# The documents above as pages of the report folder (rendered by tools/report/build.py).
DOCUMENT_PAGES = {
    "docs/frontend-retries.md": "frontend-retries.html",
    "docs/reading-the-report.md": "reading-the-report.html",
    "docs/how-the-suite-talks.md": "how-the-suite-talks.html",
}


@dataclass(frozen=True)
class SummaryItem:
    number: int
    title: str
    priority: str
    bullets: tuple[str, ...]


def summary_items(markdown: str) -> list[SummaryItem]:
    """The numbered items of "Summary of Required Test Updates", with their sub-bullets, as written."""
    section = markdown.split("Summary of Required Test Updates", 1)[-1].split("\n## ", 1)[0]
    items: list[SummaryItem] = []
    priority = ""
    for line in section.splitlines():
        if line.startswith("### "):
            priority = line[4:].strip()
        elif head := re.match(r"^(\d+)\.\s.*?\*\*(.+?)\*\*", line):
            items.append(SummaryItem(int(head[1]), head[2].strip(), priority, ()))
        elif (bullet := re.match(r"^\s+-\s+(.+)$", line)) and items:
            last = items[-1]
            items[-1] = SummaryItem(last.number, last.title, last.priority, (*last.bullets, bullet[1].strip()))
    return items


@dataclass(frozen=True)
class ScenarioRow:
    name: str
    case: str | None
    status: str  # an Allure status, or "not run"
    kind: str  # the kind of ending (results.Kind), "" when not run
    message: str = ""
    api: str | None = None  # the API it needs (`@api-task` / `@api-job`), None: neither, or whichever is offered
    not_offered: bool = False  # skipped: the target does not offer that API
    report_id: str = ""  # the result in the Allure report (index.html#<id>), "" when none


@dataclass(frozen=True)
class MatrixEntry:
    fault: str
    verdict: str
    description: str


@dataclass
class ClauseRow:
    clause: Clause
    scenarios: list[ScenarioRow] = field(default_factory=list)
    faults: list[MatrixEntry] | None = None  # None: the mutation matrix was not run
    judged: ClauseVerdictRow | None = None  # the clause's verdict (tools/verdicts/clause_verdict.py)
    quotes: list[str] = field(default_factory=list)  # the clause's own quote, as its scenarios carry it

    @property
    def verdict(self) -> str:
        if self.judged is not None:
            return self.judged.verdict.value
        statuses = {row.status for row in self.scenarios}
        if not statuses or statuses == {NOT_RUN}:
            return NOT_RUN
        if statuses & {"failed", "broken"}:
            return "failed" if "failed" in statuses else "broken"
        return "passed" if statuses <= {"passed"} else "incomplete"

    @property
    def killed(self) -> list[MatrixEntry]:
        return [entry for entry in self.faults or [] if entry.verdict == "killed"]


@dataclass
class Traceability:
    rows: list[ClauseRow]
    items: list[SummaryItem]
    matrix_note: str  # when and how the matrix ran, or that it did not
    header: RunHeader | None = None
    profile: str = ""

    @property
    def target_api(self) -> str:
        """The target's shape (task, job, both) as the run header has it."""
        return self.header.shape if self.header else "unknown"

    def row(self, clause_id: str) -> ClauseRow:
        return next(row for row in self.rows if row.clause.id == clause_id)


def _key(spec: str | None, case: str | None, name: str) -> tuple[str | None, str | None, str]:
    return spec, case, name.strip()


def scenario_rows(planned: list[PlannedScenario], results: list[ScenarioResult]) -> dict[str | None, list[ScenarioRow]]:
    """Every scenario by clause, in the feature files' order: with its status if it ran, "not run" if not."""
    by_key: dict[tuple[str | None, str | None, str], ScenarioResult] = {}
    for result in results:
        by_key.setdefault(_key(result.spec, result.case, result.name), result)
    rows: dict[str | None, list[ScenarioRow]] = {}
    for scenario in planned:
        result = by_key.pop(_key(scenario.spec, scenario.case, scenario.name), None)
        row = _row(result) if result else ScenarioRow(scenario.name, scenario.case, NOT_RUN, "")
        rows.setdefault(scenario.spec, []).append(row)
    for result in by_key.values():  # ran, but no longer in the feature files (or none were given)
        rows.setdefault(result.spec, []).append(_row(result))
    return rows


def _row(result: ScenarioResult) -> ScenarioRow:
    kind = "" if result.kind is Kind.SKIPPED else result.kind.value
    first_line = result.message.splitlines()[0] if result.message else ""
    return ScenarioRow(
        result.name.strip(),
        result.case,
        result.status,
        kind,
        first_line,
        api=result.api,
        not_offered=result.not_offered,
        report_id=result.report_id,
    )


def judged_through(row: ClauseRow) -> str:
    """Which API judged the clause on this target: those of its scenarios that ran (not skipped as not offered)."""
    ran = [s for s in row.scenarios if s.status != NOT_RUN and not s.not_offered]
    if not ran:
        return "no offered API" if any(s.not_offered for s in row.scenarios) else "not run"
    apis = sorted({f"{s.api} API" for s in ran if s.api})
    return " and ".join(apis) if apis else "whichever API the target offers (or the broker)"


def section_title(section: str) -> str:
    """`1️⃣ RabbitMQ …` → `§1 RabbitMQ …` (keycap emojis render as boxes in many fonts)."""
    return re.sub(r"(\d)\ufe0f?\u20e3", r"§\1", section)


def read_matrix(path: Path) -> tuple[dict[str, list[MatrixEntry]] | None, str]:
    """Faults by clause from reports/mutation/matrix.json; None when it is absent."""
    if not path.is_file():
        return None, MATRIX_NOT_RUN
    data = json.loads(path.read_text(encoding="utf-8"))
    by_clause: dict[str, list[MatrixEntry]] = {}
    for fault in data.get("faults", []):
        entry = MatrixEntry(fault["name"], fault.get("verdict", "?"), fault.get("description", ""))
        for clause in fault.get("clauses", []):
            by_clause.setdefault(clause, []).append(entry)
    note = f"mutation matrix of {data.get('finished_at', '?')} ({data.get('profile', '?')} profile)"
    return by_clause, note


def build(
    results_dir: Path,
    features_dir: Path = FEATURES,
    matrix_path: Path = MUTATION_MATRIX,
    clarifications: Path = CLARIFICATIONS,
    profile: str | None = None,
) -> Traceability:
    """The page's content; `profile` of the run defaults to the one its environment.properties names."""
    planned = scenarios(features_dir, ROOT) if features_dir.is_dir() else []
    results = read_results(results_dir)
    header = RunHeader.of(results_dir, profile)
    rows_by_clause = scenario_rows(planned, results)
    matrix, note = read_matrix(matrix_path)
    judged = {
        row.id: row for row in judge(results, header.profile, planned=planned, matrix=matrix_path, shape=header.shape)
    }
    rows = [
        ClauseRow(
            clause,
            rows_by_clause.get(clause.id, []),
            None if matrix is None else matrix.get(clause.id, []),
            judged[clause.id],
            quotes_of(clause.id, planned),
        )
        for clause in CLAUSES
    ]
    return Traceability(rows, summary_items(clarifications.read_text(encoding="utf-8")), note, header, header.profile)


# --- Markdown -------------------------------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _known_of(row: ClauseRow) -> dict[str, KnownDefect]:
    """Scenario name → the known defect its failure is, from the clause's verdict."""
    if row.judged is None:
        return {}
    return {s.name: s.known_defect for s in row.judged.scenarios if s.known_defect is not None}


def _md_scenarios(row: ClauseRow) -> str:
    if not row.scenarios:
        return "**no scenario**"
    known = _known_of(row)
    judged = f"judged through: {judged_through(row)}<br>"
    return judged + "<br>".join(
        f"{_md_cell(s.name)} — **{s.status}**"
        + (f" ([{known[s.name].label}]({known[s.name].url}))" if s.name in known else "")
        for s in row.scenarios
    )


def _md_faults(row: ClauseRow) -> str:
    if row.faults is None:
        return MATRIX_NOT_RUN
    if not row.faults:
        return "no fault of the matrix breaks this clause"
    parts = [f"{e.fault} ({e.verdict})" if e.verdict != "killed" else e.fault for e in row.faults]
    return f"{len(row.killed)}/{len(row.faults)} killed: " + ", ".join(parts)


def _clauses_scenarios(trace: Traceability, clause_ids: tuple[str, ...]) -> list[tuple[str, ScenarioRow]]:
    return [(cid, s) for cid in clause_ids for s in trace.row(cid).scenarios]


def to_markdown(trace: Traceability) -> str:
    lines = [
        "# Traceability: clarifications → scenarios → results",
        "",
        *(f"- {line}" for line in (trace.header.lines() if trace.header else [])),
        "",
        f"Faults: {trace.matrix_note}.",
        "",
        f"Target API: {trace.target_api} (a scenario whose API it does not offer is skipped, never passed).",
        "",
        "How each clause is judged (one rule, the first line that applies):",
        "",
        *(f"- **{verdict.value}**: {when}" for verdict, when in RULE),
        "",
        APPLICABLE,
        "",
        "| Clause | Section | Official answer | Scenarios | Faults killed |",
        "|---|---|---|---|---|",
    ]
    for row in trace.rows:
        c = row.clause
        shown = row.judged.verdict_text if row.judged else row.verdict
        lines.append(
            f"| {c.id} **{shown}** | {_md_cell(section_title(c.section))} — {_md_cell(c.title)} "
            f"| {_md_cell(c.answer)} "
            f"| {_md_scenarios(row)} | {_md_cell(_md_faults(row))} |"
        )
    lines += ["", "## Summary of Required Test Updates", ""]
    for item in trace.items:
        lines.append(f"{item.number}. **{item.title}** ({item.priority})")
        for bullet in item.bullets:
            answer = ANSWERS.get(bullet)
            lines.append(f"   - {bullet} → {_md_answer(trace, answer)}")
    return "\n".join(lines) + "\n"


def _md_answer(trace: Traceability, answer: Answer | None) -> str:
    if answer is None:
        return "**not mapped**"
    parts = []
    for cid, s in _clauses_scenarios(trace, answer.clauses):
        parts.append(f"{cid} {s.name} ({s.status})")
    if answer.clauses and not parts:
        parts.append(f"clause {', '.join(answer.clauses)}: no scenario")
    parts += [f"[{doc}]({DOCUMENT_PAGES.get(doc, doc)})" for doc in answer.documents]
    if answer.note:
        parts.append(f"_{answer.note}_")
    return "; ".join(parts)


# --- HTML -----------------------------------------------------------------------------------------------------------


def _known_link(defect: KnownDefect) -> str:
    return f'<a class="known-defect" href="{esc(defect.url)}"><b>{esc(defect.label)}</b></a>'


def _html_scenarios(rows: list[ScenarioRow], known: dict[str, KnownDefect] | None = None) -> str:
    if not rows:
        return status_badge("no scenario")
    known = known or {}
    items = []
    for s in rows:
        shown = f"{s.kind}: {s.message[:160]}" if s.kind else s.message[:160]
        detail = f' <span class="muted">{esc(shown)}</span>' if s.message else ""
        defect = f" {_known_link(known[s.name])}" if s.name in known else ""
        # Each scenario opens its result in the report (same folder: the report's index.html).
        name = f'<a href="index.html#{esc(s.report_id)}">{esc(s.name)}</a>' if s.report_id else esc(s.name)
        items.append(f"<li>{status_badge(s.status)} {name}{defect}{detail}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _html_quote(row: ClauseRow) -> str:
    """The clause's own quote (as its scenarios quote it); the official answer below it when the quote is not it."""
    c = row.clause
    own = quote_html(row.quotes) if row.quotes else f"<blockquote>{inline_html(c.answer)}</blockquote>"
    return own + f'<p class="muted">Official answer: {esc(c.answer)}</p>'


def _html_verdict(row: ClauseRow) -> str:
    if row.judged is None:
        return status_badge(row.verdict)
    j = row.judged
    known = "".join(f"<br>{_known_link(d)}" for d in j.known_defects)
    said = "".join(f'<br><span class="muted">{esc(d.reason)}</span>' for d in j.known_defects)
    reason = f'<br><span class="muted">{esc(j.failure)}</span>' if j.failure and j.failure != NOT_A_SIGNOFF_RUN else ""
    offered = (
        f'<br><span class="muted">{len(j.not_offered)} not offered: {esc(j.not_offered_why())}</span>'
        if j.not_offered
        else ""
    )
    return f"{status_badge(j.verdict.value, j.verdict.css)}{known}{said}{reason}{offered}"


def rule_html() -> str:
    """The verdict rule as a key, the same on every page that shows verdicts (the sign-off sheet too)."""
    items = "".join(f"<li><b>{esc(verdict.value)}</b>: {esc(when)}</li>" for verdict, when in RULE)
    return (
        f'<p class="muted" style="margin-bottom:.1rem">How each clause is judged: one rule, the first line that '
        f'applies. {esc(APPLICABLE)}</p><ul class="muted">{items}</ul>'
    )


def signoff_banner(profile: str, fit: bool) -> str:
    """The line that says whether this run can be signed; the same on traceability and the sign-off sheet."""
    if not signoff_profile(profile):
        return f'<p class="banner invalid">Not valid for sign-off: {NOT_A_SIGNOFF_RUN} (profile {esc(profile)}).</p>'
    if not fit:
        return '<p class="banner invalid">Not valid for sign-off: a clause is failed or not verified.</p>'
    return '<p class="banner valid">Every clause verified on a sign-off profile: this run can be signed off.</p>'


def run_line(header: RunHeader | None) -> str:
    """One line naming the run, for the head of a table that repeats on every printed page."""
    if header is None:
        return ""
    return f"Run {header.run_id} · {header.started} · {header.target_url} ({header.shape}) · commit {header.commit}"


def _html_faults(row: ClauseRow) -> str:
    if row.faults is None:
        return f'<span class="muted">{MATRIX_NOT_RUN}</span>'
    if not row.faults:
        return '<span class="muted">no fault of the matrix breaks this clause</span>'
    items = "".join(
        f"<li>{status_badge('passed' if e.verdict == 'killed' else 'failed')} <code>{esc(e.fault)}</code> "
        f'{esc(e.verdict)} <span class="muted">{esc(e.description)}</span></li>'
        for e in row.faults
    )
    return f"{len(row.killed)}/{len(row.faults)} killed<ul>{items}</ul>"


def _html_answer(trace: Traceability, answer: Answer | None) -> str:
    if answer is None:
        return status_badge("not mapped")
    parts = [
        f'{status_badge(s.status)} <a href="clarifications.html#{trace.row(cid).clause.anchor}">{esc(cid)}</a> '
        f"{esc(s.name)}"
        for cid, s in _clauses_scenarios(trace, answer.clauses)
    ]
    if answer.clauses and not parts:
        parts.append(status_badge("no scenario") + f" clause {esc(', '.join(answer.clauses))}")
    parts += [f'<a href="{esc(DOCUMENT_PAGES.get(d, d))}">{esc(d)}</a>' for d in answer.documents]
    if answer.note:
        parts.append(f'<span class="muted">{esc(answer.note)}</span>')
    return "<br>".join(parts)


def to_html(trace: Traceability) -> str:
    fit = all(row.verdict in ("verified", "proven") for row in trace.rows)
    body = [
        "<h1>Traceability: clarifications → scenarios → results</h1>",
        trace.header.html() if trace.header else "",
        signoff_banner(trace.profile, fit),
        f'<p class="muted">One row per clause of the clarifications (how to read it: '
        f'<a href="reading-the-report.html">Reading the report</a>). Faults: {esc(trace.matrix_note)}. '
        f"Target API: {esc(trace.target_api)} (a scenario whose API it does not offer is skipped, never passed).</p>",
        rule_html(),
        f'<table><thead><tr><th colspan="5" class="run-line">{esc(run_line(trace.header))}</th></tr>'
        "<tr><th>Clause</th><th>Verdict</th><th>What the clarifications say</th><th>Scenarios</th>"
        "<th>Faults killed</th></tr></thead>",
    ]
    for row in trace.rows:
        c = row.clause
        body.append(
            f'<tr id="{c.anchor}"><td><a class="clause-id" href="{esc(c.link)}">{esc(c.id)}</a>'
            f"<br>{esc(c.title)}<br>"
            f'<span class="muted">{esc(section_title(c.section))}</span></td>'
            f"<td>{_html_verdict(row)}</td><td>{_html_quote(row)}</td>"
            f'<td><span class="muted">judged through: {esc(judged_through(row))}</span>'
            f"{_html_scenarios(row.scenarios, _known_of(row))}</td><td>{_html_faults(row)}</td></tr>"
        )
    body.append("</table><h2>Summary of Required Test Updates</h2>")
    body.append("<table><tr><th>Item</th><th>Required update</th><th>Answered by</th></tr>")
    for item in trace.items:
        for index, bullet in enumerate(item.bullets):
            head = (
                f'<td rowspan="{len(item.bullets)}"><b>{item.number}. {esc(item.title)}</b><br>'
                f'<span class="muted">{esc(item.priority)}</span></td>'
                if index == 0
                else ""
            )
            body.append(f"<tr>{head}<td>{esc(bullet)}</td><td>{_html_answer(trace, ANSWERS.get(bullet))}</td></tr>")
    body.append("</table>")
    return page("Traceability", "\n".join(body), REPORT_LINKS)


def write(trace: Traceability, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, md_path = out_dir / "traceability.html", out_dir / "traceability.md"
    html_path.write_text(to_html(trace), encoding="utf-8")
    md_path.write_text(to_markdown(trace), encoding="utf-8")
    return html_path, md_path


def refresh(layout: RunLayout, features_dir: Path = FEATURES) -> list[Path]:
    """Rewrite the page from the results already there, wherever the report keeps a copy (after `make mutation`)."""
    trace = build(layout.results, features_dir)
    written: list[Path] = []
    for folder in (layout.pages, layout.report, layout.single_file):
        if folder.is_dir():
            written += write(trace, folder)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base, help="the reports folder")
    args = parser.parse_args()
    for path in refresh(RunLayout(args.base)):
        print(path)


if __name__ == "__main__":
    main()
