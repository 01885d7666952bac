"""Living documentation: the feature files as one HTML page, in spec order, their quotes (`> …`) as quotes, clause
tags linked to the clarifications, each scenario's latest status: the specs reviewed without the repo.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from behave.model import Feature, Scenario, ScenarioOutline, Step, Table

from support.clauses import CLAUSES, case_of_tags, clause_of_tags
from tools.common.catalogue import parse_features
from tools.common.html_page import REPORT_LINKS, esc, page, status_badge
from tools.common.layout import FEATURES, ROOT
from tools.common.quote_html import quote_html
from tools.common.results import ScenarioResult, read_results
from tools.verdicts.run_header import RunHeader


def _description(lines: list[str]) -> str:
    """Each run of quote lines one quote block (code lines as code, table rows as a table), the rest paragraphs."""
    html = []
    for quoted, run in itertools.groupby((x.strip() for x in lines), key=lambda x: x.startswith("> ") if x else None):
        block = list(run)
        if quoted is not None:  # None: blank lines, between paragraphs
            html.append(quote_html([x[2:] for x in block]) if quoted else f"<p>{esc(' '.join(block))}</p>")
    return "\n".join(html)


def _table(table: Table | None) -> str:
    if table is None:
        return ""
    head = "".join(f"<th>{esc(h)}</th>" for h in table.headings)
    rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row.cells) + "</tr>" for row in table.rows)
    return f"<table><tr>{head}</tr>{rows}</table>"


def _step(step: Step) -> str:
    extra = _table(step.table) + (f"<pre>{esc(step.text)}</pre>" if step.text else "")
    return f'<div class="step"><span class="keyword">{esc(step.keyword)}</span> {esc(step.name)}{extra}</div>'


def _tags(tags: list[str]) -> str:
    links = ((tag, clause_of_tags([tag])) for tag in tags)
    return " ".join(
        f'<a class="tag" href="{esc(c.link)}">@{esc(t)}</a>' if c else f'<span class="tag">@{esc(t)}</span>'
        for t, c in links
    )


def _statuses(scenario: Scenario, results: list[ScenarioResult] | None) -> str:
    """The latest status of the scenario (each row of an outline), or "not run"; nothing without results at all
    (the review page shows the specs, not a run)."""
    if results is None:
        return ""
    case = case_of_tags(list(scenario.effective_tags))
    return " ".join(status_badge(r.status) for r in results if case and r.case == case) or status_badge("not run")


def _anchor(scenario: Scenario) -> str:
    case = case_of_tags(list(scenario.tags))
    return f"case-{case}" if case else f"line-{scenario.line}"


def _shown(feature: Feature) -> list[Scenario]:
    """The feature's scenarios, an outline once (not once per row)."""
    every = feature.walk_scenarios(with_outlines=True)
    return [s for s in every if isinstance(s, ScenarioOutline) or not getattr(s, "_row", None)]


def scenario_html(scenario: Scenario, results: list[ScenarioResult] | None = None) -> str:
    """One scenario as the living docs show it: tags, title, quote, steps, examples (tools/specs/review.py too)."""
    parts = [
        f'<div class="scenario" id="{esc(_anchor(scenario))}">',
        f"<div>{_tags(list(scenario.tags))} {_statuses(scenario, results)}</div>",
        f"<h3>{esc(scenario.keyword)}: {esc(scenario.name)}</h3>",
        _description(scenario.description),
        *(_step(step) for step in scenario.steps),
        *(f"<p><b>{esc(x.keyword)}:</b> {esc(x.name)}</p>{_table(x.table)}" for x in getattr(scenario, "examples", [])),
    ]
    return "\n".join([*parts, "</div>"])


def _feature(feature: Feature, results: list[ScenarioResult]) -> str:
    parts = [
        f'<h2 id="{esc(Path(feature.filename).stem)}">{esc(feature.name)}</h2>',
        f'<p class="muted">{esc(feature.filename)} {_tags(list(feature.tags))}</p>',
        _description(feature.description),
    ]
    if feature.background and feature.background.steps:
        parts += ['<div class="scenario"><h3>Background</h3>', *map(_step, feature.background.steps), "</div>"]
    return "\n".join(parts + [scenario_html(scenario, results) for scenario in _shown(feature)])


def _contents(features: list[Feature]) -> str:
    """Clause by clause, in the order of the clarifications, the scenarios that check it."""
    by_clause: dict[str, list[str]] = {}
    for scenario in (scenario for feature in features for scenario in _shown(feature)):
        if clause := clause_of_tags(list(scenario.effective_tags)):
            by_clause.setdefault(clause.id, []).append(f'<a href="#{esc(_anchor(scenario))}">{esc(scenario.name)}</a>')
    rows = "".join(
        f'<tr><td><a class="clause-id" href="{esc(clause.link)}">{esc(clause.id)}</a></td><td>{esc(clause.title)}</td>'
        f"<td>{'<br>'.join(by_clause.get(clause.id, [])) or status_badge('no scenario')}</td></tr>"
        for clause in CLAUSES
    )
    return f"<table><tr><th>Clause</th><th>Heading</th><th>Scenarios</th></tr>{rows}</table>"


def write(out_dir: Path, features_dir: Path = FEATURES, results_dir: Path | None = None) -> Path:
    features = parse_features(features_dir, ROOT) if features_dir.is_dir() else []
    results = read_results(results_dir) if results_dir else []
    body = [
        "<h1>Living documentation: the acceptance specs of Focus Server</h1>",
        RunHeader.of(results_dir).html() if results_dir else "",
        '<p class="muted">The feature files as written, in the order of the clarifications. Lines in a quote are '
        "word for word from the clarifications; the badges show each scenario's status in the latest run.</p>",
        _contents(features),
        *(_feature(feature, results) for feature in features),
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "living-docs.html"
    path.write_text(page("Living documentation", "\n".join(body), REPORT_LINKS), encoding="utf-8")
    return path
