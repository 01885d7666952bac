"""The sign-off sheet printed to PDF by headless Chromium, read back as text: what a reviewer would sign."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader
from tools_testkit import FIXTURE_FEATURES, ResultWriter, needs_chromium

from support.clauses import CLAUSES
from tools.common.catalogue import scenarios
from tools.common.layout import ROOT
from tools.verdicts import signoff

HEADER = {
    "run_started": "2026-11-30 03:00:00 UTC",
    "run_id": "20261130-030000-4242",
    "target": "stand",
    "base_url": "http://127.0.0.1:8123/focus-server",
    "focus_server_sw_version": "focus-stand-9.9",
    "broker": "RabbitMQ 3.10.8 (Erlang 25.2.3)",
    "suite_commit": "c0ffee1",
}


def a_run(folder: Path, write_result: ResultWriter, profile: str, failing: str = "") -> Path:
    for s in scenarios(FIXTURE_FEATURES, ROOT):
        status = "failed" if s.case == failing else "passed"
        write_result(
            folder, s.name, s.spec, status, "AssertionError: 200 instead of 400" if status == "failed" else "", s.case
        )
    props = {**HEADER, "profile": profile}
    (folder / "environment.properties").write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return folder


def pdf_text(results: Path, out: Path) -> str:
    sheet = signoff.build(results, FIXTURE_FEATURES, out / "no-matrix.json")
    html = signoff.write_html(sheet, out / "signoff.html")
    pdf = signoff.print_pdf(html, out / "signoff.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


@needs_chromium
def test_the_pdf_holds_the_run_header_twelve_clause_rows_and_their_verdicts(
    tmp_path: Path, write_result: ResultWriter
) -> None:
    text = pdf_text(a_run(tmp_path / "results", write_result, "nightly", failing="no-recordings"), tmp_path)
    for value in (
        "20261130-030000-4242",
        "2026-11-30 03:00:00 UTC",
        "http://127.0.0.1:8123/focus-server",
        "focus-stand-9.9",
        "RabbitMQ 3.10.8",
        "c0ffee1",
        "nightly",
        "API shape: both",
    ):
        assert value in text, value
    squashed = text.replace(" ", "")  # a narrow column may wrap a heading inside a word
    rows = [c for c in CLAUSES if c.id + c.title.replace(" ", "") in squashed]
    assert len(rows) == 12, [c.id for c in CLAUSES if c not in rows]
    # 4.1 failed, every other clause verified (no matrix of this commit: none proven).
    assert text.count("verified") - text.count("not verified") >= 11
    assert "failed" in text.split("4.1 Scenario 1", 1)[1][:400]
    assert "No recordings fails fast" in text.split("Open defects", 1)[1]  # the defect, with its evidence link
    assert "Product lead" in text and "Dev lead" in text
    assert "not valid for sign-off" in text.lower()  # a failed clause: this run cannot be signed


@needs_chromium
def test_a_green_nightly_sheet_is_valid(tmp_path: Path, write_result: ResultWriter) -> None:
    text = pdf_text(a_run(tmp_path / "results", write_result, "nightly"), tmp_path)
    assert "not valid for sign-off" not in text.lower()
    assert "this run can be signed off" in text


@needs_chromium
def test_a_quick_run_sheet_says_not_valid_for_sign_off(tmp_path: Path, write_result: ResultWriter) -> None:
    text = pdf_text(a_run(tmp_path / "results", write_result, "quick"), tmp_path)
    assert "not valid for sign-off" in text.lower()
    assert "not a sign-off run" in text
    assert "verified" in text and text.count("not verified") >= 12


def test_make_signoff_writes_html_and_pdf(tmp_path: Path, write_result: ResultWriter) -> None:
    pytest.importorskip("pypdf")
    a_run(tmp_path / "allure-results", write_result, "quick")
    code = signoff.main(["--base", str(tmp_path), "--features", str(FIXTURE_FEATURES), "--no-pdf"])
    assert code == 0
    assert "Sign-off sheet" in (tmp_path / "signoff.html").read_text()
