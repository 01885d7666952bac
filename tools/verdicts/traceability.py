"""The traceability page (HTML, and Markdown beside it): run header, sign-off banner and verdict rule; each clause's
verdict, quote, scenarios and faults killed; known and open defects; each "Summary of Required Test Updates" item and
what answers it. The sign-off sheet is this page with approval lines in place of the summary."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from tools.common.catalogue import quotes_of, scenarios
from tools.common.html_page import REPORT_LINKS, esc, page, status_badge
from tools.common.layout import CLARIFICATIONS, FEATURES, MUTATION_MATRIX, ROOT, RunLayout
from tools.common.quote_html import inline_html, quote_html
from tools.verdicts import clause_verdict as verdicts
from tools.verdicts import known_defects
from tools.verdicts.run_header import RunHeader

NO_MATRIX = "mutation matrix not run on this commit: not proven"
TITLES = ("Traceability: clarifications → scenarios → results", "Sign-off sheet: Focus Server acceptance")
RETRIES, READING, TALKS = "docs/frontend-retries.md", "docs/reading-the-report.md", "docs/how-the-suite-talks.md"
# Each bullet of "Summary of Required Test Updates", word for word, by the clauses and documents that answer it
# (a test fails when the clarifications gain a bullet that is not here).
_ANSWERED = (  # (the clauses and documents, space-separated; the bullets they answer)
    ("1.1", ['Verify exchange name is "prisma" (only)']),
    ("1.2", ["Update queue name patterns for jobs", "Remove Focus Server queue expectations"]),
    ("2.1", ["Test 180-second timeout compliance", "Test behavior near timeout boundary"]),
    ("2.1", ["Test timeout error handling"]),
    ("4.1", ["Test fail-fast when no recordings"]),
    ("4.3 4.6", ["Test partial results with gaps"]),
    ("4.4 4.5", ["Test edge cases (start-only, middle-only)"]),
    ("2.2", ["Metadata collection time (< 1s target)"]),
    (f"2.2 {READING}", ["Document actual measurements", "Set up performance monitoring"]),
    ("3.1", ["Remove any gRPC tap tests (not applicable)", "Add AMQP message flow tests"]),
    ("3.1", ["Test interrogator connectivity"]),
    (RETRIES, ["Clarify Noga's retry timeouts", "Document expected retry behavior"]),
    (f"2.3 {RETRIES}", ["Ensure backend idempotency"]),
)
ANSWERS = {bullet: tuple(answers.split()) for answers, bullets in _ANSWERED for bullet in bullets}
# The documents as pages of the report folder (rendered by tools/report/build.py).
DOCUMENT_PAGES = {doc: posixpath.basename(doc).replace(".md", ".html") for doc in (RETRIES, READING, TALKS)}


class SummaryItem(NamedTuple):
    number: int
    title: str
    priority: str
    bullets: list[str]


def summary_items(markdown: str) -> list[SummaryItem]:
    """The numbered items of "Summary of Required Test Updates", with their sub-bullets, as written."""
    section = markdown.split("Summary of Required Test Updates", 1)[-1].split("\n## ", 1)[0]
    items, priority = [], ""
    for line in section.splitlines():
        if line.startswith("### "):
            priority = line[4:].strip()
        elif head := re.match(r"^(\d+)\.\s.*?\*\*(.+?)\*\*", line):
            items.append(SummaryItem(int(head[1]), head[2].strip(), priority, []))
        elif (bullet := re.match(r"^\s+-\s+(.+)$", line)) and items:
            items[-1].bullets.append(bullet[1].strip())
    return items


@dataclass(frozen=True)
class Traceability:  # what the page (and the sign-off sheet) shows
    rows: list[verdicts.ClauseVerdictRow]
    quotes: dict[str, list[str]]  # clause id → its own quote, as its scenarios carry it
    items: list[SummaryItem]
    header: RunHeader
    register: known_defects.Register

    def row(self, clause_id: str) -> verdicts.ClauseVerdictRow:
        return next(row for row in self.rows if row.id == clause_id)

    @property
    def valid(self) -> bool:
        return verdicts.fit_for_signoff(self.rows, self.header.profile)

    def said(self, clause_id: str) -> str:  # how a summary bullet names its clause: "2.1 verified (3 passed)"
        return f"{clause_id} {self.row(clause_id).verdict_text} ({self.row(clause_id).counts()})"


def build(
    results_dir: Path, features_dir: Path = FEATURES, matrix: Path = MUTATION_MATRIX, profile: str | None = None
) -> Traceability:
    """The page's content; `profile` of the run defaults to the one its environment.properties names."""
    planned = scenarios(features_dir, ROOT) if features_dir.is_dir() else []
    header, known = RunHeader.of(results_dir, profile), known_defects.read()
    rows = verdicts.judge(results_dir, header.profile, planned=planned, matrix=matrix, shape=header.shape, known=known)
    quotes = {row.id: quotes_of(row.id, planned) for row in rows}
    return Traceability(rows, quotes, summary_items(CLARIFICATIONS.read_text(encoding="utf-8")), header, known)


def section_title(section: str) -> str:
    """`1️⃣ RabbitMQ …` → `§1 RabbitMQ …` (keycap emojis render as boxes in many fonts)."""
    return re.sub(r"(\d)\ufe0f?\u20e3", r"§\1", section)


def faults_text(row: verdicts.ClauseVerdictRow) -> str:
    if row.faults is None or not row.faults.total:
        return NO_MATRIX if row.faults is None else "no fault of the matrix breaks this clause"
    named = ", ".join(f.name if f.verdict == "killed" else f"{f.name} ({f.verdict})" for f in row.faults.each)
    return f"{row.faults.killed}/{row.faults.total} killed: {named}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(trace: Traceability) -> str:
    lines = [f"# {TITLES[0]}", ""]
    lines += [*(f"- {k}: {v}" for k, v in trace.header.items()), "", "How each clause is judged (first match):", ""]
    lines += [*(f"- **{verdict.value}**: {when}" for verdict, when in verdicts.RULE), "", verdicts.APPLICABLE, ""]
    lines += ["| Clause | Section | Official answer | Scenarios | Faults killed |", "|---|---|---|---|---|"]
    for row in trace.rows:
        c, known = row.clause, {s.name: f" ({s.known_defect.label})" for s in row.scenarios if s.known_defect}
        listed = [
            f"{_cell(s.name)} — **{s.status}**{known.get(s.name, '')}" for s in (*row.scenarios, *row.not_offered)
        ]
        lines.append(
            f"| {c.id} **{row.verdict_text}** | {_cell(section_title(c.section))} — {_cell(c.title)} "
            f"| {_cell(c.answer)} | {'<br>'.join(listed) or 'no scenario'} | {_cell(faults_text(row))} |"
        )
    lines += ["", "## Summary of Required Test Updates", ""]
    for item in trace.items:
        lines.append(f"{item.number}. **{item.title}** ({item.priority})")
        for bullet in item.bullets:
            answers = ANSWERS.get(bullet, ("**not mapped**",))
            shown = [f"[{a}]({DOCUMENT_PAGES[a]})" if a in DOCUMENT_PAGES else trace.said(a) for a in answers]
            lines.append(f"   - {bullet} → {'; '.join(shown)}")
    return "\n".join(lines) + "\n"


# --- HTML -----------------------------------------------------------------------------------------------------------

_APPROVAL = """<h2>Approval</h2><table class="approval"><thead><tr><th>Role</th><th>Name</th>
<th>Decision (approved / rejected)</th><th>Signature</th><th>Date</th></tr></thead>
<tr><td>Product lead</td><td></td><td></td><td></td><td></td></tr>
<tr><td>Dev lead</td><td></td><td></td><td></td><td></td></tr></table>"""
_COLUMNS = {"Clause": 12, "Verdict": 16, "What the clarifications say": 32, "Scenarios": 26, "Faults": 14}


def _muted(text: str) -> str:
    return f'<span class="muted">{esc(text)}</span>'


def _known(d: known_defects.KnownDefect | None, reason: bool = False) -> str:
    link = f' <a class="known" href="{esc(d.url)}">{esc(d.label)}</a>' if d else ""
    return link + (f"<br>{_muted(d.reason)}" if d and reason else "")


def _scenario(s: verdicts.Scenario, report: str) -> str:
    opened = s.result.report_id if s.result is not None else ""  # its result in the report
    name = f'<a href="{esc(report)}#{esc(opened)}">{esc(s.name)}</a>' if opened else esc(s.name)
    kind = f"{s.result.kind.value}: " if s.result is not None and s.result.red else ""
    return f"{status_badge(s.status)} {name}{_known(s.known_defect)} {_muted(kind + s.message[:200])}"


def _row(trace: Traceability, row: verdicts.ClauseVerdictRow, report: str, pages: str) -> str:
    c, quote = row.clause, trace.quotes.get(row.id)
    verdict = status_badge(row.verdict.value) + "<br>".join(_known(d, True) for d in row.known_defects)
    verdict += f"<br>{_muted(row.reason[:300])}" if row.reason != verdicts.NOT_A_SIGNOFF_RUN else ""
    said = quote_html(quote) if quote else f"<blockquote>{inline_html(c.answer)}</blockquote>"
    offered = f"<br>{_muted('not offered: ' + row.not_offered_why())}" if row.not_offered else ""
    listed = "".join(f"<li>{_scenario(s, report)}</li>" for s in (*row.scenarios, *row.not_offered))
    each = row.faults.each if row.faults else ()
    faults = "".join(f"<li>{esc(f.name)}: {esc(f.verdict)} {_muted(f.description)}</li>" for f in each)
    killed = f"{row.faults.killed}/{row.faults.total} killed" if row.faults and row.faults.total else faults_text(row)
    return (
        f'<tr id="{c.anchor}"><td><a class="clause-id" href="{esc(pages + c.link)}">{esc(c.id)}</a><br>'
        f"{esc(c.title)}<br>{_muted(section_title(c.section))}</td><td>{verdict}</td><td>{said}</td>"
        f"<td>{esc(row.counts())}{offered}<ul>{listed}</ul></td><td>{esc(killed)}<ul>{faults}</ul></td></tr>"
    )


def _register(trace: Traceability) -> str:
    path = trace.register.path.resolve()
    name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    hit = {d.key for row in trace.rows for d in row.known_defects}
    items = [
        f"<li>{_known(d)} · clause {esc(d.clause or '—')}{f' · @case-{esc(d.case)}' if d.case else ''} · until "
        f"{d.expires.isoformat()}{' · <b>failed in this run</b>' if d.key in hit else ''}<br>{_muted(d.reason)}</li>"
        for d in trace.register.defects
    ]
    said = f"From {name}, reviewed like code." if items else f"None registered ({name} is empty): every failure is new."
    return f"<h2>Known defects register</h2><p>{esc(said)}</p><ul>{''.join(items)}</ul>"


def _summary(trace: Traceability, pages: str) -> str:
    def link(a: str) -> str:  # a document's page, or the clause's row above
        href = pages + DOCUMENT_PAGES[a] if a in DOCUMENT_PAGES else f"#clause-{a.replace('.', '-')}"
        return f'<a href="{esc(href)}">{esc(a if a in DOCUMENT_PAGES else trace.said(a))}</a>'

    rows = ["<h2>Summary of Required Test Updates</h2><table><tr><th>Item</th><th>Update</th><th>Answered by</th>"]
    for item in trace.items:
        head = f"<td rowspan={len(item.bullets)}><b>{item.number}. {esc(item.title)}</b> {_muted(item.priority)}"
        for index, bullet in enumerate(item.bullets):
            shown = "<br>".join(link(a) for a in ANSWERS.get(bullet, ())) or status_badge("not mapped")
            rows.append(f"<tr>{head if index == 0 else ''}<td>{esc(bullet)}<td>{shown}</tr>")
    return "\n".join([*rows, "</table>"])


def to_html(trace: Traceability, report: str = "index.html", signoff: bool = False) -> str:
    """The page, linked to the report at `report` and the pages beside it; `signoff`: the sheet, approval lines last."""
    pages, profile = posixpath.dirname(report) + "/" if "/" in report else "", trace.header.profile
    why = "a clause is failed or not verified"
    why = why if verdicts.signoff_profile(profile) else f"{verdicts.NOT_A_SIGNOFF_RUN} (profile {esc(profile)})"
    said = f"{'NOT VALID FOR SIGN-OFF' if signoff else 'Not valid for sign-off'}: {why}."
    said = "Every clause verified on a sign-off profile: this run can be signed off." if trace.valid else said
    banner = f'<p class="banner {"valid" if trace.valid else "invalid"}">{said}</p>'
    totals = [f"{sum(row.count(what) for row in trace.rows)} {what}" for what in ("passed", "failed", "broken")]
    totals += [f"{sum(row.not_run for row in trace.rows)} not run"]
    # "11 not offered (the target offers no task API)": each reason once
    why = dict.fromkeys(r for row in trace.rows if row.not_offered for r in row.not_offered_why().split("; "))
    count = sum(len(row.not_offered) for row in trace.rows)
    offered = f"; <b>{count} not offered ({esc('; '.join(why))}): counted neither way</b>" if count else ""
    h = trace.header
    run = f"Run {h.run_id} · {h.started} · {h.target_url} ({h.shape}) · commit {h.commit}"
    red = [(row.id, s) for row in trace.rows for s in row.scenarios if s.result and s.result.red]
    red_items = "".join(f"<li><b>{clause_id}</b> {_scenario(s, report)}</li>" for clause_id, s in red)
    key = "".join(f"<li><b>{esc(v.value)}</b>: {esc(when)}</li>" for v, when in verdicts.RULE)
    body = [
        f"<h1>{TITLES[signoff]}</h1>{trace.header.html()}{banner}",
        f"<p><b>Scenarios:</b> {', '.join(totals)}{offered}. Target API: {esc(trace.header.shape)}. How to read it: "
        f'<a href="{esc(pages)}reading-the-report.html">Reading the report</a>.</p>',
        '<p class="muted">How each clause is judged: one rule, the first line that applies. ',
        f'{esc(verdicts.APPLICABLE)}</p><ul class="muted key">{key}</ul><table class="clauses"><colgroup>',
        "".join(f'<col style="width:{w}%">' for w in _COLUMNS.values()),
        f'</colgroup><thead><tr><th colspan="5" class="run-line">{esc(run)}</th></tr>',  # on every printed page
        "<tr>" + "".join(f"<th>{name}</th>" for name in _COLUMNS) + "</tr></thead>",
        *(_row(trace, row, report, pages) for row in trace.rows),
        f"</table>{_register(trace)}<h2>Open defects</h2>",
        f"<ul>{red_items}</ul>" if red else "<p>None: no scenario failed or broke.</p>",
        _APPROVAL if signoff else _summary(trace, pages),
    ]
    return page(TITLES[signoff].split(":")[0], "\n".join(body), None if signoff else REPORT_LINKS)


def write(trace: Traceability, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, md_path = out_dir / "traceability.html", out_dir / "traceability.md"
    html_path.write_text(to_html(trace), encoding="utf-8")
    md_path.write_text(to_markdown(trace), encoding="utf-8")
    return html_path, md_path


def refresh(layout: RunLayout, features_dir: Path = FEATURES) -> list[Path]:
    """Rewrite the page from the results already there, wherever the report keeps a copy (after `make mutation`)."""
    trace = build(layout.results, features_dir)
    folders = (layout.pages, layout.report, layout.single_file)
    return [path for folder in folders if folder.is_dir() for path in write(trace, folder)]
