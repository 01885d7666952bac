"""The sign-off sheet as HTML (tools/verdicts/signoff.py builds it; Chromium prints it to PDF).

Every clause links to its row of the traceability page and to its scenarios' results in the report (the folder
report, and the single file when the sheet is not already beside one), so that a printed sheet leads to the
evidence; its key is the verdict rule of tools/verdicts/clause_verdict.py, word for word.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from tools.common.html_page import esc, page, status_badge
from tools.common.layout import ROOT
from tools.common.quote_html import inline_html, quote_html
from tools.verdicts.clause_verdict import ClauseVerdictRow, Scenario
from tools.verdicts.known_defects import KnownDefect
from tools.verdicts.sheet import Sheet
from tools.verdicts.traceability import rule_html, run_line, signoff_banner


@dataclass(frozen=True)
class Links:
    """Where the sheet's links lead, relative to the sheet."""

    report: str  # the report's index.html (the one beside the sheet, or allure-report/index.html)
    single_file: str | None  # the single-file report too, when it is not the one `report` names
    pages: str  # the folder of the pages beside the report ("" when the sheet is one of them)

    @classmethod
    def beside(cls, report_href: str) -> Links:
        folder = posixpath.dirname(report_href)
        pages = f"{folder}/" if folder else ""
        single = f"{folder}-single/index.html" if folder else None
        return cls(report_href, single, pages)

    def page(self, name: str) -> str:
        return self.pages + name


_STYLE = """<style>
.approval td { height: 2.4rem; }
.sheet blockquote { font-size: .82rem; } .sheet blockquote table { font-size: .95em; }
.sheet { table-layout: fixed; } .sheet td { overflow-wrap: break-word; } .sheet th { font-size: .85em; }
.results a { margin-right: .25rem; font-size: .8rem; } .key li { margin: .1rem 0; }
.sheet pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
.known { color: #991b1b; font-weight: 600; }
@media print { body { font-size: 8.5pt; } h1 { font-size: 14pt; margin: 0 0 .3rem; } h2 { margin-top: .8rem; }
  .sheet td, .sheet th { padding: .2rem .35rem; } .run-header { margin: .3rem 0; }
  .results a { color: #5b21b6; } }
</style>"""


def _known(defect: KnownDefect) -> str:
    return f'<a class="known" href="{esc(defect.url)}">{esc(defect.label)}</a>'


def _faults(row: ClauseVerdictRow) -> str:
    if row.faults is None:
        return '<span class="muted">not proven on this commit (no mutation matrix of it)</span>'
    if not row.faults.total:
        return '<span class="muted">no fault of the matrix breaks it</span>'
    return f"{row.faults.killed}/{row.faults.total} killed"


def _result_links(scenarios: tuple[Scenario, ...], report: str, label: str) -> str:
    links = [
        f'<a href="{esc(report)}#{esc(s.result.report_id)}" title="{esc(s.name)}">{n}</a>'
        for n, s in enumerate(scenarios, start=1)
        if s.result is not None and s.result.report_id
    ]
    return f'<div class="results muted">{esc(label)}: {"".join(links)}</div>' if links else ""


def _scenarios(row: ClauseVerdictRow, links: Links) -> str:
    cell = [esc(row.counts())]
    if row.not_offered:
        cell.append(f'<br><span class="muted">not offered: {esc(row.not_offered_why())}</span>')
    every = (*row.scenarios, *row.not_offered)
    cell.append(_result_links(every, links.report, "results"))
    if links.single_file:
        cell.append(_result_links(every, links.single_file, "single file"))
    return "".join(cell)


def _verdict(row: ClauseVerdictRow) -> str:
    badge = status_badge(row.verdict.value, row.verdict.css)
    known = "".join(f'<br>{_known(d)}<br><span class="muted">{esc(d.reason)}</span>' for d in row.known_defects)
    return badge + known + (f'<br><span class="muted">{esc(row.failure[:300])}</span>' if row.failure else "")


def _row(row: ClauseVerdictRow, quote: list[str], links: Links) -> str:
    said = quote_html(quote) if quote else f"<blockquote>{inline_html(row.clause.answer)}</blockquote>"
    clause = (
        f'<a class="clause-id" href="{esc(links.page("traceability.html"))}#{row.clause.anchor}">{esc(row.id)}</a>'
        f"<br>{esc(row.heading)}"
    )
    return (
        f'<tr id="{row.clause.anchor}"><td>{clause}</td><td>{said}</td><td class="num">{_scenarios(row, links)}</td>'
        f"<td>{_faults(row)}</td><td>{_verdict(row)}</td></tr>"
    )


def _summary(sheet: Sheet) -> str:
    total = {
        "passed": sum(r.passed for r in sheet.rows),
        "failed": sum(r.failed for r in sheet.rows),
        "broken": sum(r.broken for r in sheet.rows),
        "not run": sum(r.not_run for r in sheet.rows),
    }
    said = ", ".join(f"{n} {what}" for what, n in total.items())
    offered = (
        f"; <b>{sheet.not_offered} not offered</b> ({esc(sheet.not_offered_why())}): counted neither way"
        if sheet.not_offered
        else "; every scenario's API is offered by the target"
    )
    return f"<p><b>Scenarios:</b> {said}{offered}.</p>"


def _register_name(sheet: Sheet) -> str:
    """The register's path as the repository names it (docs/known-defects.yaml), else as given."""
    try:
        return sheet.register.path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(sheet.register.path)


def _register(sheet: Sheet) -> str:
    defects, name = sheet.register.defects, _register_name(sheet)
    if not defects:
        return f"<p>None registered ({esc(name)} is empty): every failure below is new.</p>"
    hit = {d.key for row in sheet.rows for d in row.known_defects}
    items = "".join(
        f"<li>{_known(d)} · clause {esc(d.clause or '—')}{f' · @case-{esc(d.case)}' if d.case else ''} · "
        f"until {esc(d.expires.isoformat())}{' · <b>failed in this run</b>' if d.key in hit else ''}"
        f'<br><span class="muted">{esc(d.reason)}</span></li>'
        for d in defects
    )
    return f'<p class="muted">From {esc(name)}, reviewed like code.</p><ul>{items}</ul>'


def _defects(sheet: Sheet, links: Links) -> str:
    found = [(row, s) for row in sheet.rows for s in row.scenarios if s.status in ("failed", "broken")]
    if not found:
        return "<p>None: no scenario failed or broke in this run.</p>"
    items = []
    for row, s in found:
        kind = s.result.kind.value if s.result is not None else s.status
        known = f" · {_known(s.known_defect)}" if s.known_defect else ""
        evidence = (
            f' <a href="{esc(links.report)}#{esc(s.result.report_id)}">evidence</a>'
            if s.result is not None and s.result.report_id
            else ""
        )
        items.append(
            f"<li><b>{esc(row.id)}</b> {esc(s.name)} — {esc(kind)}{known}{evidence}"
            f'<br><span class="muted">{esc(s.message[:240])}</span></li>'
        )
    return "<ul>" + "".join(items) + "</ul>"


_APPROVAL = """
<table class="approval"><thead><tr><th>Role</th><th>Name</th><th>Decision (approved / rejected)</th><th>Signature</th>
<th>Date</th></tr></thead>
<tr><td>Product lead</td><td></td><td></td><td></td><td></td></tr>
<tr><td>Dev lead</td><td></td><td></td><td></td><td></td></tr>
</table>
"""


def to_html(sheet: Sheet, links: Links) -> str:
    banner = signoff_banner(sheet.header.profile, sheet.valid)
    if not sheet.valid:
        banner = banner.replace("Not valid for sign-off", "NOT VALID FOR SIGN-OFF", 1)
    rows = [_row(row, sheet.quotes.get(row.id, []), links) for row in sheet.rows]
    docs = links.page("reading-the-report.html")
    body = [
        _STYLE,
        "<h1>Sign-off sheet: Focus Server acceptance</h1>",
        sheet.header.html(),
        banner,
        _summary(sheet),
        rule_html(),
        '<table class="sheet"><colgroup><col style="width:13%"><col style="width:37%"><col style="width:18%">'
        '<col style="width:13%"><col style="width:19%"></colgroup>',
        f'<thead><tr><th colspan="5" class="run-line">{esc(run_line(sheet.header))}</th></tr>'
        "<tr><th>Clause</th><th>What the clarifications say</th><th>Scenarios</th><th>Faults killed</th>"
        "<th>Verdict</th></tr></thead>",
        *rows,
        "</table>",
        f'<p class="muted">The detail of each row: <a href="{esc(links.page("traceability.html"))}">traceability</a>; '
        f'how to read it all: <a href="{esc(docs)}">Reading the report</a>.</p>',
        "<h2>Known defects register</h2>",
        _register(sheet),
        "<h2>Open defects</h2>",
        _defects(sheet, links),
        "<h2>Approval</h2>",
        _APPROVAL,
    ]
    return page("Sign-off sheet", "\n".join(body))
