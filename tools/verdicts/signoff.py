"""The sign-off sheet: one printable page (or two) to attach to a sign-off record.

The run header; one row per clause (id, heading, the official answer quoted, scenarios run/passed, faults killed, the
verdict of tools/verdicts/clause_verdict.py); the open defects with a link to their evidence in the report;
approval lines for the product lead and the dev lead. A run that does not qualify (not a sign-off profile, or a
clause not verified or failed) says "not valid for sign-off" at the top.

    make signoff              # reports/signoff.html and reports/signoff.pdf from the last run's results
    python -m tools.verdicts.signoff [--base reports] [--no-pdf]

The HTML is also written beside the report at every run (the report's start page links to it).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from support.quote_html import inline_html
from tools.common.catalogue import scenarios
from tools.common.html_page import esc, page, status_badge
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, MUTATION_MATRIX, ROOT, RunLayout
from tools.verdicts import browser
from tools.verdicts.clause_verdict import ClauseVerdictRow, fit_for_signoff, judge
from tools.verdicts.run_header import RunHeader
from tools.verdicts.traceability import run_line, signoff_banner

PDF_TIMEOUT_S = 120
NOT_VALID = "not valid for sign-off"


class SignoffFailed(RuntimeError):
    """Chromium is missing or could not print the sheet."""


@dataclass(frozen=True)
class Sheet:
    header: RunHeader
    rows: list[ClauseVerdictRow]

    @property
    def valid(self) -> bool:
        return fit_for_signoff(self.rows, self.header.profile)


def build(
    results_dir: Path, features_dir: Path = FEATURES, matrix: Path = MUTATION_MATRIX, profile: str | None = None
) -> Sheet:
    header = RunHeader.of(results_dir, profile)
    planned = scenarios(features_dir, ROOT) if features_dir.is_dir() else []
    rows = judge(results_dir, header.profile, planned=planned, matrix=matrix, shape=header.shape)
    return Sheet(header, rows)


def _faults(row: ClauseVerdictRow) -> str:
    if row.faults is None:
        return '<span class="muted">no matrix of this commit</span>'
    if not row.faults.total:
        return '<span class="muted">none in the matrix</span>'
    return f"{row.faults.killed}/{row.faults.total}"


def _defects(sheet: Sheet, report_href: str) -> str:
    found = [(row, s) for row in sheet.rows for s in row.scenarios if s.status in ("failed", "broken")]
    if not found:
        return "<p>None: no scenario failed or broke in this run.</p>"
    items = []
    for row, s in found:
        kind = s.result.kind.value if s.result is not None else s.status
        evidence = (
            f' <a href="{esc(report_href)}#{esc(s.result.report_id)}">evidence</a>'
            if s.result is not None and s.result.report_id
            else ""
        )
        items.append(
            f"<li><b>{esc(row.id)}</b> {esc(s.name)} — {esc(kind)}{evidence}"
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

_SHEET_STYLE = """<style>
.approval td { height: 2.4rem; } .sheet td.num { text-align: center; white-space: nowrap; }
.sheet blockquote { font-size: .85rem; }
.sheet { table-layout: fixed; } .sheet td { overflow-wrap: break-word; } .sheet th { font-size: .85em; }
@media print { body { font-size: 8.5pt; } h1 { font-size: 14pt; margin: 0 0 .3rem; } h2 { margin-top: .8rem; }
  .sheet td, .sheet th { padding: .2rem .35rem; } .run-header { margin: .3rem 0; } }
</style>"""


def to_html(sheet: Sheet, report_href: str = "allure-report/index.html") -> str:
    banner = signoff_banner(sheet.header.profile, sheet.valid)
    if not sheet.valid:
        banner = banner.replace("Not valid for sign-off", "NOT VALID FOR SIGN-OFF", 1)
    rows = []
    first_with: dict[str, str] = {}  # §4's five clauses share one official answer: quoted once, then referred to
    for row in sheet.rows:
        verdict = status_badge(row.verdict.value, row.verdict.css)
        same = first_with.setdefault(row.clause.answer, row.id)
        answer = (
            f"<blockquote>{inline_html(row.clause.answer)}</blockquote>"
            if same == row.id
            else f'<span class="muted">the official answer quoted for {esc(same)}</span>'
        )
        reason = f'<br><span class="muted">{esc(row.reason)}</span>' if row.reason else ""
        rows.append(
            f"<tr><td><b>{esc(row.id)}</b></td><td>{esc(row.heading)}</td>"
            f"<td>{answer}</td>"
            f'<td class="num">{row.run}/{row.planned} run<br>{row.passed} passed</td>'
            f"<td>{_faults(row)}</td><td>{verdict}{reason}</td></tr>"
        )
    body = [
        _SHEET_STYLE,
        "<h1>Sign-off sheet: Focus Server acceptance</h1>",
        sheet.header.html(),
        banner,
        '<table class="sheet"><colgroup><col style="width:7%"><col style="width:22%"><col style="width:32%">'
        '<col style="width:11%"><col style="width:14%"><col style="width:14%"></colgroup>',
        f'<thead><tr><th colspan="6" class="run-line">{esc(run_line(sheet.header))}</th></tr>'
        "<tr><th>Clause</th><th>Heading</th><th>Official answer</th><th>Scenarios</th><th>Faults killed</th>"
        "<th>Verdict</th></tr></thead>",
        *rows,
        "</table>",
        '<p class="muted">Verdicts: <b>proven</b> verified and every fault of the clause killed by the mutation '
        "matrix of this commit; <b>verified</b> every scenario ran and passed on a sign-off profile; "
        "<b>not verified</b> a scenario skipped, not run or broken, or not a sign-off run; <b>failed</b> a product "
        "defect (docs/reading-the-report.md).</p>",
        "<h2>Open defects</h2>",
        _defects(sheet, report_href),
        "<h2>Approval</h2>",
        _APPROVAL,
    ]
    return page("Sign-off sheet", "\n".join(body))


def write_html(sheet: Sheet, out: Path, report_href: str = "allure-report/index.html") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_html(sheet, report_href))
    return out


def print_pdf(html: Path, pdf: Path, chromium: Path | None = None) -> Path:
    """The page printed by headless Chromium (A4, the page's own print styles, no browser header or footer); by
    default the browser tools/verdicts/browser.py finds (Chrome, Chromium, or one Playwright installed)."""
    chromium = chromium or browser.find()
    if chromium is None or not chromium.exists():
        raise SignoffFailed(
            f"no browser ({chromium or 'Chrome, Chromium or a Playwright one'}): make setup installs chromium"
        )
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="signoff-chromium-") as profile:
        command = [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=PDF_TIMEOUT_S, stdin=subprocess.DEVNULL)
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise SignoffFailed(f"chromium exited {done.returncode} without a PDF: {done.stderr[-1000:]}")
    return pdf


def write(layout: RunLayout, *, pdf: bool = True, features_dir: Path = FEATURES) -> tuple[Path, Path | None]:
    """reports/signoff.html (and .pdf) from the run's results."""
    sheet = build(layout.results, features_dir)
    html = write_html(sheet, layout.base / "signoff.html")
    return html, print_pdf(html, layout.base / "signoff.pdf") if pdf else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the sign-off sheet (HTML and PDF) of the last run.")
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base)
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args(argv)
    layout = RunLayout(args.base.resolve())
    try:
        html, pdf = write(layout, pdf=not args.no_pdf, features_dir=args.features.resolve())
    except SignoffFailed as exc:
        print(f"signoff: {exc}")
        return 3
    sheet = build(layout.results, args.features.resolve())
    print(f"sign-off sheet: {html}" + (f"\n          pdf: {pdf}" if pdf else ""))
    print("valid for sign-off" if sheet.valid else f"{NOT_VALID.upper()}: see the sheet's verdicts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
