"""The clarifications as an HTML page beside the report, an anchor (`clause-1-1` …) at each clause's heading: every
result links to one (support/clauses.py). Under each heading, apart from the document, the clause's quote as the other
pages show it: a reader arriving by a link sees at once the lines the clause is judged on (4.5's section is a pytest
sample; its quote is the four lines of it that say what is expected).
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from support.clauses import CLAUSES
from tools.common.html_page import REPORT_LINKS, esc, page
from tools.common.layout import CLARIFICATIONS
from tools.common.quote_html import quote_html


def render(markdown: str, quotes: dict[str, list[str]]) -> str:
    """The clarifications' markdown as HTML: each clause heading with its anchor and its id (a reader arriving by a
    link sees which clause it is), the clause's quote right under it, apart from the document's own text."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(markdown)
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = tokens[index + 1].content
        clause = next((clause for clause in CLAUSES if clause.title == text.strip()), None)
        token.attrSet("id", clause.anchor if clause else re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-"))
        if clause is None:
            continue
        tokens[index + 1].children[0].content = f"[{clause.id}] " + tokens[index + 1].children[0].content
        if lines := quotes.get(clause.id):  # the heading's end, then the quote, as raw HTML
            aside = (
                f'<aside class="clause-quote" data-clause="{clause.id}"><p class="muted">Clause {clause.id} is judged '
                f"on these lines (its quote in the report, on the traceability page and the sign-off sheet):</p>"
                f"{quote_html(lines)}</aside>"
            )
            tokens[index + 2] = Token("html_block", "", 0, content=f"</{token.tag}>{aside}\n")
    return md.renderer.render(tokens, md.options, {})


def write(out_dir: Path, source: Path = CLARIFICATIONS, quotes: dict[str, list[str]] | None = None) -> Path:
    """clarifications.html in `out_dir`; `quotes`: each clause's quote (tools/common/catalogue.quotes_of)."""
    body = render(source.read_text(encoding="utf-8"), quotes or {})
    if missing := [clause.anchor for clause in CLAUSES if f'id="{clause.anchor}"' not in body]:
        # A renamed heading would silently break every link of the report: say so in the run's output.
        raise ValueError(f"clarifications: no heading for {', '.join(missing)} (titles in support/clauses.py)")
    intro = (
        f'<p class="muted">The project\'s copy of the clarifications (<code>{esc(source.name)}</code>). '
        "Each clause heading carries its id; the report links here.</p>"
    )
    path = out_dir / "clarifications.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(page("Technical Specifications Clarifications", intro + body, REPORT_LINKS), encoding="utf-8")
    return path
