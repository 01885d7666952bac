"""The traceability page: a row per clause with quote, scenarios, statuses and killed faults; the summary items."""

from __future__ import annotations

from pathlib import Path

from tools_testkit import FIXTURE_FEATURES, FIXTURES, ResultWriter

from support.clauses import CLAUSES
from tools.common.layout import CLARIFICATIONS
from tools.verdicts import traceability


def _trace(results: Path, matrix: Path = FIXTURES / "matrix.json") -> traceability.Traceability:
    return traceability.build(results, FIXTURE_FEATURES, matrix)


def test_every_summary_item_and_bullet_of_the_clarifications_is_answered() -> None:
    items = traceability.summary_items(CLARIFICATIONS.read_text())
    assert [item.number for item in items] == [1, 2, 3, 4, 5, 6]
    assert all(len(item.bullets) == 3 for item in items)
    unmapped = [b for item in items for b in item.bullets if b not in traceability.ANSWERS]
    assert unmapped == []
    assert items[5].title == "Document Frontend Retry Logic"
    assert "docs/frontend-retries.md" in traceability.ANSWERS[items[5].bullets[0]].documents


def test_the_documents_it_cites_exist() -> None:
    root = CLARIFICATIONS.parent.parent
    cited = {doc for answer in traceability.ANSWERS.values() for doc in answer.documents}
    assert cited <= set(traceability.DOCUMENT_PAGES)
    assert all((root / doc).is_file() for doc in cited)


def test_a_row_per_clause_with_statuses_and_killed_faults(tmp_path: Path, write_result: ResultWriter) -> None:
    write_result(tmp_path, "Only prisma is a custom exchange", "1.1", "passed", case="only-prisma")
    write_result(tmp_path, "No recordings fails fast", "4.1", "failed", "AssertionError: 200", case="no-recordings")
    trace = _trace(tmp_path)
    assert [row.clause.id for row in trace.rows] == [clause.id for clause in CLAUSES]
    assert [(s.name, s.status) for s in trace.row("1.1").scenarios] == [("Only prisma is a custom exchange", "passed")]
    assert trace.row("4.1").verdict == "failed"
    # A scenario of the feature files that did not run is listed, as not run.
    assert [(s.name, s.status) for s in trace.row("2.1").scenarios] == [("A stream ends at the limit", "not run")]
    assert [e.fault for e in trace.row("1.1").killed] == ["extra-exchange"]
    assert [e.fault for e in trace.row("4.4").killed] == ["gap-filled"]
    assert trace.row("2.2").faults == []


def test_markdown_and_html_carry_quote_scenarios_and_faults(tmp_path: Path, write_result: ResultWriter) -> None:
    write_result(tmp_path, "Only prisma is a custom exchange", "1.1", "passed", case="only-prisma")
    html_path, md_path = traceability.write(_trace(tmp_path / "results"), tmp_path / "out")
    markdown, html = md_path.read_text(), html_path.read_text()
    for clause in CLAUSES:
        assert f"| {clause.id} **" in markdown
        assert f'id="{clause.anchor}"' in html
        assert f'href="clarifications.html#{clause.anchor}"' in html
    assert "There is only ONE exchange named `prisma`" in markdown
    assert "1/2 killed: extra-exchange, exchange-fanout (survived)" in markdown
    assert "Clarify Noga&#x27;s retry timeouts" in html
    assert 'href="frontend-retries.html"' in html


def test_without_a_matrix_it_says_the_matrix_was_not_run(tmp_path: Path) -> None:
    trace = _trace(tmp_path, tmp_path / "absent.json")
    assert trace.row("1.1").faults is None
    assert "mutation matrix not run" in traceability.to_markdown(trace)
