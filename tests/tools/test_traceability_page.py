"""The traceability page and the sign-off sheet: a row per clause with quote, scenarios, statuses and killed faults;
the summary items; the sheet printed to PDF by headless Chromium, read back as text: what a reviewer would sign."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from pypdf import PdfReader
from tools_testkit import FIXTURE_FEATURES, FIXTURES, ResultWriter, needs_chromium

from support.clauses import CLAUSES
from tools.common.catalogue import scenarios
from tools.common.layout import CLARIFICATIONS, ROOT, suite_commit
from tools.verdicts import signoff, traceability

HEADER = {"run_started": "2026-11-30 03:00:00 UTC", "run_id": "20261130-4242", "target": "stand"}
HEADER |= {"base_url": "http://127.0.0.1:8123/focus-server", "focus_server_sw_version": "focus-stand-9.9"}


def a_run(folder: Path, write_result: ResultWriter, profile: str = "nightly", failing: str = "") -> Path:
    for s in scenarios(FIXTURE_FEATURES, ROOT):
        status = "failed" if s.case == failing else "passed"
        write_result(folder, s.name, s.spec, status, "AssertionError: 200" if status == "failed" else "", s.case)
    props = {**HEADER, "profile": profile}
    (folder / "environment.properties").write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return folder


def _matrix(tmp_path: Path) -> Path:
    """The fixture matrix, run on this very commit."""
    path = tmp_path / "matrix.json"
    path.write_text(json.dumps({**json.loads((FIXTURES / "matrix.json").read_text()), "suite_commit": suite_commit()}))
    return path


def test_every_summary_item_and_bullet_of_the_clarifications_is_answered() -> None:
    items = traceability.summary_items(CLARIFICATIONS.read_text())
    assert [item.number for item in items] == [1, 2, 3, 4, 5, 6] and all(len(item.bullets) == 3 for item in items)
    assert [b for item in items for b in item.bullets if b not in traceability.ANSWERS] == []
    assert items[5].title == "Document Frontend Retry Logic"
    cited = {a for answers in traceability.ANSWERS.values() for a in answers if "/" in a}
    assert cited <= set(traceability.DOCUMENT_PAGES) and all((ROOT / doc).is_file() for doc in cited)


def test_a_row_per_clause_with_statuses_and_killed_faults(tmp_path: Path, write_result: ResultWriter) -> None:
    results = a_run(tmp_path / "results", write_result, failing="no-recordings")
    next(p for p in results.glob("*-result.json") if "No strict mode" in p.read_text()).unlink()  # did not run
    trace = traceability.build(results, FIXTURE_FEATURES, _matrix(tmp_path))
    assert [row.id for row in trace.rows] == [clause.id for clause in CLAUSES]
    assert trace.row("4.1").verdict == "failed" and trace.row("4.1").scenarios[0].status == "failed"
    assert [s.status for s in trace.row("4.6").scenarios] == ["not run"]
    assert [(f.name, f.verdict) for f in trace.row("1.1").faults.each] == [
        ("extra-exchange", "killed"),
        ("exchange-fanout", "survived"),
    ]
    assert trace.row("4.4").verdict == "proven" and trace.row("2.2").faults.total == 0
    html_path, md_path = traceability.write(trace, tmp_path / "out")
    markdown, html = md_path.read_text(), html_path.read_text()
    for clause in CLAUSES:
        assert f"| {clause.id} **" in markdown and f'id="{clause.anchor}"' in html
        assert f'href="clarifications.html#{clause.anchor}"' in html
    assert "There is only ONE exchange named `prisma`" in markdown
    assert "1/2 killed: extra-exchange, exchange-fanout (survived)" in markdown
    assert "Clarify Noga&#x27;s retry timeouts" in html and 'href="frontend-retries.html"' in html


def test_without_a_matrix_of_this_commit_nothing_is_proven(tmp_path: Path, write_result: ResultWriter) -> None:
    trace = traceability.build(a_run(tmp_path, write_result), FIXTURE_FEATURES, FIXTURES / "matrix.json")
    assert trace.row("1.1").faults is None and trace.row("1.1").verdict == "verified"
    assert "mutation matrix not run on this commit" in traceability.to_markdown(trace)


def pdf_text(results: Path, out: Path) -> str:
    sheet = signoff.build(results, FIXTURE_FEATURES, out / "no-matrix.json")
    pdf = signoff.print_pdf(signoff.write_html(sheet, out / "signoff.html"), out / "signoff.pdf")
    return " ".join(unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in PdfReader(pdf).pages)).split())


@needs_chromium
def test_the_pdf_holds_the_run_header_the_clause_rows_their_verdicts_and_whether_it_can_be_signed(
    tmp_path: Path, write_result: ResultWriter
) -> None:
    text = pdf_text(a_run(tmp_path / "results", write_result, failing="no-recordings"), tmp_path)
    for value in ("20261130-4242", "2026-11-30 03:00:00 UTC", "127.0.0.1:8123", "focus-stand-9.9", "API shape: both"):
        assert value in text, value
    squashed = text.replace(" ", "")  # a narrow column may wrap a heading inside a word
    assert [c.id for c in CLAUSES if c.id + c.title.replace(" ", "") not in squashed] == []
    assert text.count("verified") - text.count("not verified") >= 11  # 4.1 failed, no matrix: none proven
    assert "failed" in text.split("4.1 Scenario 1", 1)[1][:400]
    assert "No recordings fails fast" in text.split("Open defects", 1)[1]
    assert "Product lead" in text and "Dev lead" in text and "NOT VALID FOR SIGN-OFF" in text
    assert "this run can be signed off" in pdf_text(a_run(tmp_path / "green", write_result), tmp_path)
    text = pdf_text(a_run(tmp_path / "quick", write_result, "quick"), tmp_path)
    assert "NOT VALID FOR SIGN-OFF: not a sign-off run" in text and text.count("not verified") >= 12


def test_make_signoff_writes_the_sheet(tmp_path: Path, write_result: ResultWriter) -> None:
    a_run(tmp_path / "allure-results", write_result, "quick")
    assert signoff.main(["--base", str(tmp_path), "--no-pdf"]) == 0
    assert "Sign-off sheet" in (tmp_path / "signoff.html").read_text()
