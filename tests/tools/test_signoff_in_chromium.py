"""Issue 26's sign-off, read in Chromium (Playwright) as a reviewer reads it, from reports the real npm allure built:
two nightlies of production's shape (the job API alone: the 11 task-API scenarios not offered), their results as the
formatter writes them (tools/run/not_run.result_json), a green one and one whose 4.3 job scenario is a known defect."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader
from tools_testkit import chromium, needs_allure, write_run_metadata

from support.clauses import BY_ID, CLAUSES
from tools.common.catalogue import quotes_of, scenarios
from tools.common.layout import FEATURES, ROOT, RunLayout
from tools.report import build as report
from tools.run.not_run import result_json
from tools.verdicts import signoff
from tools.verdicts.run_header import SpecVersion

PLANNED = scenarios(FEATURES, ROOT)
NOT_OFFERED = "the target offers no task API"
KEY, BROWSE = "PZ-4242", "https://jira.example.invalid/browse/"
FAILING = "partial-coverage-hole-job"


def _write_run(layout: RunLayout, *, failing: str | None, jobs: bool, day: str) -> None:
    layout.clear_run_outputs()
    for n, planned in enumerate(PLANNED):
        data = result_json(planned, "", 1000 + n, left_out=False)
        data["labels"] = [label for label in data["labels"] if label["name"] != "left_out"]
        data |= {"status": "passed", "stop": 2000 + n, "statusDetails": {}}
        if "api-task" in planned.tags:
            data |= {"status": "skipped", "statusDetails": {"message": NOT_OFFERED}}
            data["labels"].append({"name": "offered", "value": "no"})
        elif planned.case == failing:
            data |= {"status": "failed", "statusDetails": {"message": "AssertionError: the hole ends 3 s late"}}
            data["labels"] += [{"name": "exception", "value": "builtins.AssertionError"}]
            data["labels"] += [{"name": "outcome", "value": "product defect"}]
        (layout.results / f"{data['uuid']}-result.json").write_text(json.dumps(data, ensure_ascii=False))
    environment = {"run_started": f"{day} 01:30:00 UTC", "run_id": f"{day}-1", "profile": "nightly"}
    environment |= {"target": "external", "target.api": "job", "base_url": "https://focus.example.invalid/focus"}
    environment |= {"focus_server_sw_version": "focus 2.4.1", "listen_s": "60"}
    environment |= {"jobs.configured": "23", "jobs.max_alive": "12"} if jobs else {}
    write_run_metadata(layout.results, environment, "nightly", "staging")


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunLayout]:
    """A green production-shape nightly, and one with a known defect of clause 4.3."""
    register = tmp_path_factory.mktemp("register") / "known-defects.yaml"
    entry = f"{{key: {KEY}, clause: '4.3', reason: the hole ends 3 s late; fix in 2.5, expires: 2999-12-31}}"
    register.write_text(f"jira_browse_url: {BROWSE}\ndefects:\n  - {entry}\n")
    built = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("FOCUS_KNOWN_DEFECTS", str(register))
        monkeypatch.delenv("JIRA_BASE_URL", raising=False)
        for name, failing, jobs, day in (("green", None, True, "2026-03-01"), ("known", FAILING, False, "2026-03-02")):
            layout = RunLayout(tmp_path_factory.mktemp(name))
            _write_run(layout, failing=failing, jobs=jobs, day=day)
            report.build_pages(layout, FEATURES, profile="nightly", target="staging")
            report.generate(layout, profile="nightly", target="staging", features_dir=FEATURES)
            signoff.write(layout, features_dir=FEATURES)
            built[name] = layout
    return built


browser = chromium  # the module's headless Chromium (tools_testkit)


def _text(browser, path: Path, selector: str = "body") -> str:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(90_000)
    page.goto(path.as_uri())
    if path.name == "index.html":
        page.wait_for_selector("#focus-verdicts")
    text = page.locator(selector).first.inner_text()
    page.close()
    return text


@needs_allure
def test_the_sheet_of_a_production_nightly_says_what_a_reviewer_asks(nights, browser) -> None:
    green = nights["green"]
    text = _text(browser, green.base / "signoff.html")
    assert "11 not offered (the target offers no task API): counted neither way" in text
    assert f"October 9, 2025 (sha256 {SpecVersion.of().sha256})" in text
    register = text.split("Known defects register", 1)[1].split("Open defects", 1)[0]
    assert f"known defect {KEY}" in register and "until 2999-12-31" in register and "failed in this run" not in register
    assert "23 configured, at most 12 alive at once" in text and "Every clause verified on a sign-off profile" in text
    assert "mutation matrix not run on this commit" in text and "Product lead" in text
    assert "6 passed · 1 not offered" in text.split("1.2\nQueue Configuration", 1)[1][:2000]
    html = (green.base / "signoff.html").read_text()
    assert html.count('href="allure-report/index.html#') == len(PLANNED)  # each scenario opens its result
    assert "Focus Server jobs\nnot counted" in _text(browser, nights["known"].base / "signoff.html", ".run-header")
    pdf = green.base / "signoff.pdf"
    said = " ".join(unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in PdfReader(pdf).pages)).split())
    assert "11 not offered (the target offers no task API)" in said and "Known defects register" in said
    assert "October 9, 2025" in said and SpecVersion.of().sha256[:20] in said.replace(" ", "")


@needs_allure
def test_the_landing_page_shows_every_verdict_and_a_known_defect_its_key_and_link_on_every_page(
    nights, browser
) -> None:
    green = _text(browser, nights["green"].single_file / "index.html", "#focus-verdicts")
    assert green.startswith("Fit for sign-off: every clause verified")
    assert all(f"{clause.id} verified" in green for clause in CLAUSES), green
    known = nights["known"]
    strip = _text(browser, known.single_file / "index.html", "#focus-verdicts")
    assert "Not valid for sign-off" in strip and f"4.3 failed, known defect {KEY}" in strip
    for sheet in (known.report / "traceability.html", known.base / "signoff.html"):
        row, banner = _text(browser, sheet, "tr#clause-4-3"), _text(browser, sheet, ".banner")
        assert f"known defect {KEY}" in row and "failed" in row and "not valid for sign-off" in banner.lower(), sheet
        assert f'href="{BROWSE + KEY}"' in sheet.read_text()


def _squashed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@needs_allure
def test_4_5_is_quoted_alike_on_the_sheet_traceability_and_the_clarifications(nights, browser) -> None:
    quote = [line.removeprefix("- ") for line in quotes_of("4.5", PLANNED)]
    assert len(quote) == 4 and "Test scenario where only middle of time range has recordings." in quote[0]
    green = nights["green"]
    for path, selector in (
        (green.base / "signoff.html", "tr#clause-4-5 blockquote"),
        (green.report / "traceability.html", "tr#clause-4-5 blockquote"),
        (green.report / "clarifications.html", 'aside[data-clause="4.5"] blockquote'),
    ):
        said = _squashed(_text(browser, path, selector))
        assert all(_squashed(line) in said for line in quote), (path.name, said)
        assert BY_ID["4.5"].answer not in said
