"""A scenario's quote of the clarifications as HTML, for its Allure description (and the pages beside the report).

The feature files quote the clarifications in `> ` lines (word for word, tools/specs/quote_lint.py). Allure would read
them as markdown: `# Recording 1: …` becomes a heading and `| a | b |` shows its pipes. Here each run of quoted lines
becomes one quote in which lines of the clarifications' code samples show as code, table rows as a table and the
rest as text; the suite's own explanation follows, apart. A scenario without quote lines of its own carries its
feature's (2.1, 2.2 and 2.3 quote their clause once, in the feature's description).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import cache
from html import escape
from pathlib import Path

from support.clauses import Clause
from tools.common.layout import CLARIFICATIONS

_FENCE = re.compile(r"^\s*```")
_QUOTE = re.compile(r"^\s*>\s?")
_RULE = re.compile(r"^\|?\s*:?-{3,}")

# Inline styles: the report shows a description in a frame with its own stylesheet, where classes of ours are unknown.
_QUOTE_STYLE = "margin:.3rem 0;padding:.3rem .8rem;border-left:4px solid #a78bfa;background:#f5f3ff;color:#1f2937"
_CODE_STYLE = "margin:.2rem 0;padding:.3rem .5rem;background:#ede9fe;font-family:monospace;white-space:pre"
_CELL_STYLE = "border:1px solid #c4b5fd;padding:.15rem .45rem;text-align:left"


@cache
def _document(spec: Path = CLARIFICATIONS) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(every line of the clarifications' fenced code samples; every table row that heads its table, a `|---|` line
    after it, so that a quoted row keeps its columns' names; the bold labels on a line of their own, "Official
    Answer:", which say whose words follow), each stripped."""
    lines = [line.strip() for line in spec.read_text(encoding="utf-8").splitlines()]
    code, inside = set(), False
    for line in lines:
        if _FENCE.match(line):
            inside = not inside
        elif inside and line:
            code.add(line)
    heads = {line for line, after in itertools.pairwise(lines) if line.startswith("|") and _RULE.match(after)}
    labels = {match[1] for line in lines if (match := re.match(r"^\*\*([^*]+:)\*\*$", line))}
    return frozenset(code), frozenset(heads), frozenset(labels)


def split_description(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """(quoted lines without their `> `, the other lines) of a Gherkin description."""
    quotes, prose = [], []
    for line in lines:
        if _QUOTE.match(line):
            quotes.append(_QUOTE.sub("", line, count=1).rstrip())
        elif line.strip():
            prose.append(line.strip())
    return quotes, prose


def feature_quotes(clause: Clause | None, lines: Sequence[str]) -> list[str]:
    """The feature's quoted lines for this clause: a feature quoting several clauses introduces each quote with a
    line naming the clause ("1.2 Queue configuration, the official answer:"); one quoting a single clause does not."""
    runs: list[tuple[str, list[str]]] = []  # (the prose line before the run, its quoted lines)
    before, in_run = "", False
    for line in lines:
        if _QUOTE.match(line):
            if not in_run:
                runs.append((before, []))
                in_run = True
            runs[-1][1].append(_QUOTE.sub("", line, count=1).rstrip())
        elif line.strip():
            before, in_run = line.strip(), False
    if clause is not None:
        named = [quoted for intro, quoted in runs if re.match(rf"{re.escape(clause.id)}\b", intro)]
        if named:
            return [line for quoted in named for line in quoted]
    return [line for _, quoted in runs for line in quoted]


def _kind(line: str) -> str:
    stripped = line.strip()
    if stripped.startswith("|") or stripped.count(" | ") >= 2:
        return "row"
    if stripped in _document()[0] or stripped.startswith("# "):
        return "code"
    return "text"


def inline_html(text: str) -> str:
    """Escaped text with the clarifications' markdown emphasis and code spans shown as such."""
    shown = escape(text)
    shown = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", shown)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", shown)


def _row(line: str) -> str:
    cell = "th" if line.strip() in _document()[1] else "td"
    style = _CELL_STYLE + (";background:#ede9fe" if cell == "th" else "")
    cells = [f'<{cell} style="{style}">{inline_html(c.strip())}</{cell}>' for c in line.strip().strip("|").split("|")]
    return f"<tr>{''.join(cells)}</tr>"


def _text(line: str) -> str:
    if line.strip() in _document()[2]:  # whose words follow: shown as a label, not as one of the quoted sentences
        return f'<p style="margin:.3rem 0 .1rem;font-size:.85em;font-weight:700;color:#5b21b6">{escape(line)}</p>'
    return f'<p style="margin:.15rem 0">{inline_html(line)}</p>'


def _block(kind: str, lines: list[str]) -> str:
    if kind == "row":
        rows = "".join(_row(line) for line in lines)
        return f'<table style="border-collapse:collapse;margin:.2rem 0">{rows}</table>'
    if kind == "code":
        return f'<pre style="{_CODE_STYLE}"><code>{escape(chr(10).join(lines))}</code></pre>'
    return "".join(_text(line) for line in lines)


def quote_html(quotes: Sequence[str]) -> str:
    """The quoted lines as one quote: runs of code lines as code, of table rows as a table, the rest as text."""
    blocks = itertools.groupby((line for line in quotes if line.strip()), key=_kind)
    body = "".join(_block(kind, list(lines)) for kind, lines in blocks)
    return f'<blockquote style="{_QUOTE_STYLE}">{body}</blockquote>' if body else ""


def feature_prose(lines: Sequence[str]) -> list[str]:
    """The feature's own explanation, paragraph by paragraph (quote lines and the lines introducing them aside)."""
    paragraphs: list[list[str]] = [[]]
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not line.strip():
            paragraphs.append([])
        elif not _QUOTE.match(line) and not (line.rstrip().endswith(":") and _QUOTE.match(following)):
            paragraphs[-1].append(line.strip())
    return [" ".join(paragraph) for paragraph in paragraphs if paragraph]


def description_html(
    clause: Clause | None, scenario_lines: Sequence[str], feature_lines: Sequence[str] = ()
) -> str | None:
    """The Allure description of a scenario: its clause, the quote (its own, else its feature's), its explanation (a
    scenario carrying its feature's quote carries the feature's explanation too: 2.2's job routes for the task's)."""
    quotes, prose = split_description(scenario_lines)
    explained = [" ".join(prose)] if prose else []
    if not quotes:
        quotes = feature_quotes(clause, feature_lines)
        if quotes and not any(re.match(r"\d\.\d\b", line.strip()) for line in feature_lines):
            explained = [*feature_prose(feature_lines), *explained]
    if not quotes and not explained:
        return None
    parts = []
    if clause is not None:
        parts.append(
            '<p style="margin:.1rem 0;font-size:.85em;color:#6b7280">What the clarifications say, '
            f"clause {escape(clause.id)} ({escape(clause.title)}):</p>"
        )
    parts.append(quote_html(quotes))
    if explained:
        parts.append('<p style="margin:.6rem 0 .1rem;font-size:.85em;color:#6b7280">How this scenario checks it:</p>')
        parts.extend(f'<p style="margin:.1rem 0 .4rem">{escape(paragraph)}</p>' for paragraph in explained)
    return "".join(parts)
