"""The frame of the pages written beside the Allure report: one stylesheet, no scripts, nothing fetched."""

from __future__ import annotations

from html import escape

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 70rem;
       padding: 0 1rem; color: #1f2937; line-height: 1.45; font-variant-ligatures: none; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #e5e7eb; padding-bottom: .2rem; }
nav.top { font-size: .9rem; margin-bottom: 1rem; } nav.top a { margin-right: 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #e5e7eb; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
blockquote { margin: .3rem 0; padding: .2rem .8rem; border-left: 4px solid #a78bfa; background: #f5f3ff; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .88em; }
pre { background: #f3f4f6; padding: .6rem; overflow-x: auto; }
.status { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .8rem; font-weight: 600;
          color: #fff; background: #9ca3af; white-space: nowrap; }
.status.passed { background: #16a34a; } .status.failed { background: #dc2626; }
.status.broken { background: #d97706; } .status.not-run, .status.skipped { background: #9ca3af; }
.tag { display: inline-block; padding: 0 .35rem; margin-right: .25rem; border-radius: .3rem; background: #eef2ff;
       color: #3730a3; font-size: .8rem; }
.muted { color: #6b7280; } .clause-id { font-weight: 700; white-space: nowrap; }
.step { margin: .1rem 0 .1rem 1rem; } .keyword { font-weight: 700; color: #7c3aed; }
.scenario { margin: .8rem 0 1.2rem; padding: .5rem .8rem; border: 1px solid #e5e7eb; border-radius: .4rem; }
.status.proven { background: #065f46; } .status.verified { background: #16a34a; }
.status.not-verified { background: #6b7280; }
.run-header { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: .2rem 1rem; margin: .5rem 0 1rem;
              padding: .5rem .8rem; border: 1px solid #e5e7eb; border-radius: .4rem; font-size: .85rem; }
.run-header dt { font-weight: 600; color: #6b7280; font-size: .75rem; }
.run-header dd { margin: 0; overflow-wrap: anywhere; }  /* a digest is one long word: it may break anywhere */
.run-line { font-size: .75rem; color: #6b7280; font-weight: normal; text-align: left; background: #fff; }
.banner { padding: .5rem .8rem; border-radius: .4rem; font-weight: 700; margin: .5rem 0; }
.banner.invalid { background: #fee2e2; color: #991b1b; border: 2px solid #dc2626; }
.banner.valid { background: #dcfce7; color: #166534; border: 2px solid #16a34a; }
.approval td { height: 2.4rem; } .known { color: #991b1b; font-weight: 600; } .key li { margin: .1rem 0; }
.clauses { table-layout: fixed; } .clauses td { overflow-wrap: break-word; } .clauses th { font-size: .85em; }
.clauses blockquote { font-size: .82rem; } .clauses pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
@media print {
  @page { size: A4; margin: 12mm 10mm; }
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  nav.top, .screen-only { display: none; }
  h2 { break-after: avoid; } tr, .scenario, blockquote, .run-header { break-inside: avoid; }
  thead { display: table-header-group; }
  .status, .banner, th, blockquote, .tag { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
  body:has(.clauses) { font-size: 8.5pt; } .clauses td, .clauses th { padding: .2rem .35rem; }
  body:has(.clauses) h1 { font-size: 14pt; margin: 0 0 .3rem; } body:has(.clauses) h2 { margin-top: .8rem; }
  body:has(.clauses) .run-header { margin: .3rem 0; }
}
"""


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def status_badge(status: str, css: str | None = None) -> str:
    """A coloured label; its colour follows `css` (default: the status itself: passed, failed, broken, not run)."""
    css = (css or status).replace(" ", "-")
    return f'<span class="status {esc(css)}">{esc(status)}</span>'


def page(title: str, body: str, links: dict[str, str] | None = None) -> str:
    """A whole HTML document; `links` (label → href) become the navigation bar at its top."""
    nav = ""
    if links:
        nav = '<nav class="top">' + "".join(f'<a href="{esc(h)}">{esc(t)}</a>' for t, h in links.items()) + "</nav>"
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{nav}\n{body}\n</body>\n</html>\n"
    )


# The navigation shared by the pages of the report folder.
REPORT_LINKS = {
    "Allure report": "index.html",
    "Traceability": "traceability.html",
    "Living documentation": "living-docs.html",
    "Clarifications": "clarifications.html",
    "Sign-off sheet": "signoff.html",
    "How the suite talks to the server": "how-the-suite-talks.html",
}
