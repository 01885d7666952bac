"""The clarifications page (anchors for every clause) and the living documentation."""

from __future__ import annotations

from pathlib import Path

import pytest
from tools_testkit import FIXTURE_FEATURES, ResultWriter

from support.clauses import CLAUSES
from tools.common.layout import CLARIFICATIONS
from tools.report import clarifications_page, living_docs


def test_every_clause_heading_has_its_anchor_and_one_gone_is_an_error(tmp_path: Path) -> None:
    html = clarifications_page.write(tmp_path).read_text()
    assert all(f'id="{clause.anchor}">[{clause.id}]' in html for clause in CLAUSES)
    changed = tmp_path / "changed.md"
    changed.write_text(CLARIFICATIONS.read_text().replace("### Queue Configuration", "### Queues"))
    with pytest.raises(ValueError, match="clause-1-2"):
        clarifications_page.write(tmp_path, changed)


def test_living_docs_show_features_quotes_steps_and_statuses(tmp_path: Path, write_result: ResultWriter) -> None:
    write_result(tmp_path / "results", "Metadata is quick", "2.2", "failed", "AssertionError", case="metadata-quick")
    html = living_docs.write(tmp_path, FIXTURE_FEATURES, tmp_path / "results").read_text()
    assert "Fixture suite, one scenario per clause" in html
    assert '<span class="keyword">Then</span> clause &quot;4.3&quot; holds' in html
    block = html.split('<div class="scenario" id="case-metadata-quick">', 1)[1].split("</div>", 1)[0]
    assert 'href="clarifications.html#clause-2-2">@spec-2.2</a>' in block
    assert '<span class="status failed">failed</span>' in block
    assert html.count('<span class="status not-run">not run</span>') == 11  # the 12 blocks less the one that ran
    # The outline shows once, with its examples, not once per row.
    assert html.count("Gaps stay gaps") == 2  # the contents table and the outline itself


def test_reading_the_report_states_the_verdict_rule_word_for_word() -> None:
    """One rule, stated once (tools/verdicts/clause_verdict.RULE): the docs' table is the key the pages print."""
    from tools.common.layout import ROOT
    from tools.verdicts.clause_verdict import APPLICABLE, RULE

    text = (ROOT / "docs" / "reading-the-report.md").read_text()
    table = [line for line in text.splitlines() if line.startswith("| **")]
    assert table == [f"| **{verdict.value}** | {when} |" for verdict, when in RULE]
    assert " ".join(APPLICABLE.split()) in " ".join(text.split())
