"""Issue 26's sign-off, read in Chromium (Playwright) as a reviewer reads it, from reports the real npm allure built.

Two nightlies against production's shape (the job API alone, so the 11 task-API scenarios are not offered), their
results written as the project's formatter writes them (tools/run/not_run.result_json gives each the labels, link,
description and history id of a real scenario of features/): a green one, and one whose 4.3 job scenario failed,
with a register entry naming it (FOCUS_KNOWN_DEFECTS). 4.5 ran on two windows, its attachments named as
support/partial_results.py names them and its pictures drawn by support/pictures.py.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import allure
import pytest
from pypdf import PdfReader
from tools_testkit import CHROMIUM, Attacher, needs_allure

from support import evidence
from support.clauses import BY_ID, CLAUSES
from support.partial_results import attachment_name
from support.pictures import waterfall_png
from support.recordings import HistoryWindow, Shape
from support.timeline import Span
from tools.common.catalogue import PlannedScenario, quotes_of, scenarios
from tools.common.layout import FEATURES, ROOT, RunLayout
from tools.report import build as report
from tools.run.not_run import result_json
from tools.verdicts import signoff
from tools.verdicts.run_header import SpecVersion

sync_api = pytest.importorskip("playwright.sync_api")

PLANNED = scenarios(FEATURES, ROOT)
NOT_OFFERED = "the target offers no task API"
KEY = "PZ-4242"
BROWSE = "https://jira.example.invalid/browse/"
FAILING = "partial-coverage-hole-job"
XRAY_KEYS = {"prisma-only-custom-exchange": "PZ-13602"}


T0 = 1_760_918_340_000  # 2025-10-19 23:59:00 UTC


def _two_windows(results: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """What 4.5's job scenario attaches on two windows of one long recording."""
    attach = Attacher(results)
    monkeypatch.setattr(allure, "attach", attach)
    monkeypatch.setenv("FOCUS_PICTURES", "true")
    recording = Span(T0 + 60_000, T0 + 3_600_000)
    windows = [
        HistoryWindow(Shape.END_ONLY, Span(T0, T0 + 120_000), (recording,), "window 1 of 2: its start"),
        HistoryWindow(Shape.START_ONLY, Span(T0 + 3_540_000, T0 + 3_660_000), (recording,), "window 2 of 2: its end"),
    ]
    for history in windows:
        png = waterfall_png([], history.window, history.recordings, [], f"{history.part.capitalize()}. a window")
        evidence.attach_png(attachment_name("stream received", history), lambda png=png: png)
        evidence.attach_json(attachment_name("gRPC stream timeline", history), {"ending": "ended by the server"})
        evidence.attach_json(attachment_name("coverage of the recorded time", history), {"inside": []})
    return attach.attached


def _result(planned: PlannedScenario, status: str, message: str, start: int) -> dict:
    data = result_json(planned, message, start, left_out=False)
    data |= {"status": status, "stop": start + 1000}
    data["statusDetails"] = {"message": message} if message else {}
    data["labels"] = [label for label in data["labels"] if label["name"] != "left_out"]
    return data


def _write_run(
    layout: RunLayout, monkeypatch: pytest.MonkeyPatch, *, failing: str | None, jobs: bool, day: str
) -> None:
    layout.clear_run_outputs()
    results = layout.results
    two_windows = _two_windows(results, monkeypatch)
    for n, planned in enumerate(PLANNED):
        if "api-task" in planned.tags:
            data = _result(planned, "skipped", NOT_OFFERED, 1000 + n)
            data["labels"].append({"name": "offered", "value": "no"})
        elif planned.case == failing:
            data = _result(planned, "failed", "AssertionError: the hole ends 3 s late", 1000 + n)
            data["labels"] += [{"name": "exception", "value": "builtins.AssertionError"}]
            data["labels"] += [{"name": "outcome", "value": "product defect"}]
        else:
            data = _result(planned, "passed", "", 1000 + n)
        if planned.case == "recording-in-middle-only-job":
            data["steps"] = [
                {"name": "When I read the job's stream to its end", "status": "passed", "attachments": two_windows}
            ]
        (results / f"{data['uuid']}-result.json").write_text(json.dumps(data, ensure_ascii=False))
    environment = {
        "run_started": f"{day} 01:30:00 UTC",
        "run_id": f"{day}-1",
        "profile": "nightly",
        "target": "external",
        "target.api": "job",
        "base_url": "https://focus.example.invalid/focus-server",
        "focus_server_sw_version": "focus 2.4.1",
        "listen_s": "60",
        **({"jobs.configured": "23", "jobs.max_alive": "12"} if jobs else {}),
    }
    report.write_run_metadata(results, environment, report.executor("nightly", "staging"))


def _build(base: Path, monkeypatch: pytest.MonkeyPatch, **run: object) -> RunLayout:
    layout = RunLayout(base)
    _write_run(layout, monkeypatch, **run)  # type: ignore[arg-type]
    report.build_pages(layout, FEATURES, profile="nightly", target="staging")
    report.generate(layout, profile="nightly", target="staging", features_dir=FEATURES)
    signoff.write(layout, features_dir=FEATURES)
    return layout


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunLayout]:
    """A green production-shape nightly, and one with a known defect of clause 4.3."""
    register = tmp_path_factory.mktemp("register") / "known-defects.yaml"
    register.write_text(
        f"jira_browse_url: {BROWSE}\ndefects:\n"
        f"  - {{key: {KEY}, clause: '4.3', reason: the hole ends 3 s late, fix in 2.5, expires: 2999-12-31}}\n"
    )
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("FOCUS_KNOWN_DEFECTS", str(register))
        monkeypatch.delenv("JIRA_BASE_URL", raising=False)
        monkeypatch.setattr(report, "read_keys", lambda: XRAY_KEYS)
        green = _build(tmp_path_factory.mktemp("green"), monkeypatch, failing=None, jobs=True, day="2026-03-01")
        known = _build(tmp_path_factory.mktemp("known"), monkeypatch, failing=FAILING, jobs=False, day="2026-03-02")
    return {"green": green, "known": known}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("chromium absent")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser, path: Path, dark: bool = False, height: int = 900):
    page = browser.new_page(viewport={"width": 1400, "height": height}, color_scheme="dark" if dark else "light")
    page.set_default_timeout(90_000)
    page.goto(path.as_uri())
    return page


def _open_result(browser, layout: RunLayout, name: str):
    page = _open(browser, layout.single_file / "index.html")
    page.wait_for_selector('[data-testid="tree-section"]')
    for arrow in page.locator('[data-testid="tree-arrow"]').all():
        icon = arrow.locator("svg")
        if "opened" not in (icon.first.get_attribute("class") or ""):  # a group holding a red result is open already
            arrow.click()
    page.locator('[data-testid="tree-leaf"]', has_text=name).first.click()
    page.wait_for_timeout(800)
    return page


def _text(page) -> str:
    texts = []
    for frame in page.frames:
        try:
            texts.append(frame.locator("body").inner_text(timeout=5000))
        except sync_api.Error:
            continue
    return "\n".join(texts)


def _name_of(case: str) -> str:
    return next(s.name for s in PLANNED if s.case == case)


# -- the sign-off sheet -------------------------------------------------------------------------------------------


@needs_allure
def test_the_sheet_of_a_production_nightly_says_what_a_reviewer_asks(nights, browser) -> None:
    green = nights["green"]
    page = _open(browser, green.base / "signoff.html")
    text = page.locator("body").inner_text()
    clause_links = page.locator('a[href^="allure-report/traceability.html#clause-"]').count()
    result_links = page.locator('.results a[href^="allure-report/index.html#"]').count()
    single_links = page.locator('.results a[href^="allure-report-single/index.html#"]').count()
    page.screenshot(path=str(green.base / "signoff.png"), full_page=True)
    page.close()
    assert "11 not offered (the target offers no task API): counted neither way" in text
    assert f"October 9, 2025 (sha256 {SpecVersion.of().sha256})" in text
    # The register, shown whether or not its entries failed in this run
    register = text.split("Known defects register", 1)[1].split("Open defects", 1)[0]
    assert f"known defect {KEY}" in register and "until 2999-12-31" in register and "failed in this run" not in register
    assert "23 configured, at most 12 alive at once" in text
    assert clause_links >= 12 and result_links == single_links == len(PLANNED)
    assert "Every clause verified on a sign-off profile" in text
    assert "not proven on this commit" in text
    # The key is the rule, and agrees with what the sheet shows: 12 verified with 11 skips, as not offered.
    assert "verified: every applicable scenario ran and passed" in text and text.count("verified") >= 13
    row_12 = text.split("1.2\nQueue Configuration", 1)[1][:300]
    assert "6 passed · 1 not offered" in row_12


@needs_allure
def test_the_pdf_says_it_too_under_its_lasting_name(nights) -> None:
    green = nights["green"]
    pdf = green.base / "signoff-focus_2.4.1-2026-03-01.pdf"
    data = json.loads((green.base / "signoff-focus_2.4.1-2026-03-01.json").read_text())
    text = " ".join(unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in PdfReader(pdf).pages)).split())
    assert "11 not offered (the target offers no task API)" in text
    assert "October 9, 2025" in text and SpecVersion.of().sha256[:20] in text.replace(" ", "")
    assert "Known defects register" in text and f"known defect {KEY}" in text
    assert data["not_offered"] == {"count": 11, "why": NOT_OFFERED}
    assert data["clarifications"] == {"date": "October 9, 2025", "sha256": SpecVersion.of().sha256}
    assert len(data["clauses"]) == 12 and data["valid_for_signoff"] is True


@needs_allure
def test_an_older_run_that_counted_no_jobs_says_so(nights, browser) -> None:
    page = _open(browser, nights["known"].base / "signoff.html")
    text = page.locator(".run-header").inner_text()
    page.close()
    assert "Focus Server jobs\nnot counted" in text


# -- a known defect ---------------------------------------------------------------------------------------------


@needs_allure
def test_a_known_defect_reads_its_key_and_link_on_the_report_traceability_and_sheet(nights, browser) -> None:
    known = nights["known"]
    url = BROWSE + KEY
    page = _open(browser, known.single_file / "index.html")
    page.wait_for_selector("#focus-verdicts")
    strip = page.locator("#focus-verdicts").inner_text()
    page.close()
    assert "Not valid for sign-off" in strip and f"4.3 failed, known defect {KEY}" in strip

    page = _open_result(browser, known, _name_of(FAILING))
    text = _text(page)
    links = page.locator(f'a[href="{url}"]').count()
    page.screenshot(path=str(known.base / "known-defect.png"), full_page=True)
    page.close()
    assert f"known defect {KEY}" in text and links >= 1
    assert "Still a product defect: the clause stays failed" in text

    for sheet in (known.report / "traceability.html", known.base / "signoff.html"):
        page = _open(browser, sheet)
        row = page.locator("tr#clause-4-3").inner_text()
        linked = page.locator(f'tr#clause-4-3 a[href="{url}"]').count()
        banner = page.locator(".banner").first.inner_text()
        page.close()
        assert f"known defect {KEY}" in row and linked >= 1, sheet
        assert "failed" in row and "not valid for sign-off" in banner.lower(), sheet


# -- the Allure landing page, skips, Xray keys ----------------------------------------------------------------------


@needs_allure
def test_the_landing_page_shows_every_verdict_without_a_click(nights, browser) -> None:
    page = _open(browser, nights["green"].single_file / "index.html")
    page.wait_for_selector('[data-testid="tree-section"]')
    strip = page.locator("#focus-verdicts")
    box = strip.bounding_box()
    text = strip.inner_text()
    page.close()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900  # in view, at once
    assert text.startswith("Fit for sign-off: every clause verified")
    assert all(f"{clause.id} verified" in text for clause in CLAUSES), text


@needs_allure
def test_skips_are_filed_by_kind_and_show_no_error_box(nights, browser) -> None:
    page = _open(browser, nights["green"].single_file / "index.html")
    page.wait_for_selector('[data-testid="report-data"]')
    page.get_by_text("Categories", exact=True).first.click()
    page.get_by_text("Not offered: the target offers no API for it").first.wait_for()
    categories = page.locator("body").inner_text()
    page.close()
    assert "Not run (skipped" not in categories  # no longer one category mixing not offered and process ended

    page = _open_result(browser, nights["green"], _name_of("no-recordings-task-fails-fast"))
    text = _text(page)
    page.close()
    assert "Not offered: the target offers no task API; skipped, never passed" in text
    assert "\nError\n" not in text


@needs_allure
def test_an_xray_key_is_a_tms_link(nights, browser) -> None:
    page = _open_result(browser, nights["green"], _name_of("prisma-only-custom-exchange"))
    link = page.locator('a:has-text("Xray PZ-13602")')
    href = link.first.get_attribute("href") if link.count() else None
    page.close()
    assert href == BROWSE + "PZ-13602"  # the team's Jira, as the register names it


# -- 4.5 on two windows, and its quote ------------------------------------------------------------------------------


@needs_allure
def test_4_5_on_two_windows_names_each_window_and_its_edge(nights, browser) -> None:
    page = _open_result(browser, nights["green"], _name_of("recording-in-middle-only-job"))
    page.locator('[data-testid="test-result-tab-attachments"]').click()
    page.wait_for_timeout(800)
    headers = [h.inner_text() for h in page.locator('[data-testid="test-result-attachment-header"]').all()]
    page.screenshot(path=str(nights["green"].base / "two-windows.png"), full_page=True)
    page.close()
    names = [h for h in headers if "window" in h]
    assert any("stream received, window 1 of 2: its start" in h for h in names), headers
    assert any("stream received, window 2 of 2: its end" in h for h in names), headers
    assert len(set(names)) == len(names) == 6


def _squashed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@needs_allure
def test_4_5_is_quoted_alike_everywhere(nights, browser) -> None:
    quote = [line.removeprefix("- ") for line in quotes_of("4.5", PLANNED)]
    assert len(quote) == 4
    green = nights["green"]
    pages = {
        "sheet": (green.base / "signoff.html", "tr#clause-4-5 blockquote"),
        "traceability": (green.report / "traceability.html", "tr#clause-4-5 blockquote"),
        "clarifications": (green.report / "clarifications.html", 'aside[data-clause="4.5"] blockquote'),
    }
    for where, (path, selector) in pages.items():
        page = _open(browser, path)
        said = _squashed(page.locator(selector).first.inner_text())
        page.close()
        assert all(_squashed(line) in said for line in quote), (where, said)
    for case in ("recording-in-middle-only", "recording-in-middle-only-job"):
        page = _open_result(browser, green, _name_of(case))
        said = _squashed(_text(page))
        page.close()
        assert all(_squashed(line) in said for line in quote), case
    assert "Test scenario where only middle of time range has recordings." in quote[0]
    assert BY_ID["4.5"].answer not in _squashed((green.base / "signoff.html").read_text()).split("4.5", 1)[1][:600]


# -- the pages bar ---------------------------------------------------------------------------------------------------


def _luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@needs_allure
@pytest.mark.parametrize("dark", [False, True])
def test_the_pages_bar_leaves_the_footer_visible_and_reads_in_both_themes(nights, browser, dark: bool) -> None:
    page = _open(browser, nights["green"].single_file / "index.html", dark=dark)
    page.wait_for_selector('[data-testid="report-data"]')
    page.wait_for_timeout(500)
    if dark:
        page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
        page.wait_for_timeout(300)
    bar = page.locator("#focus-report-pages").bounding_box()
    footer = page.get_by_text("Powered by").first.bounding_box()
    colours = page.evaluate(
        """() => { const bar = document.getElementById('focus-report-pages');
                   const label = bar.querySelector('b'), link = bar.querySelector('a');
                   const bg = getComputedStyle(bar).backgroundColor;
                   return [getComputedStyle(label).color, getComputedStyle(link).color, bg]; }"""
    )
    page.screenshot(path=str(nights["green"].base / f"bar-{'dark' if dark else 'light'}.png"))
    page.close()
    assert footer is not None and bar is not None
    assert footer["y"] + footer["height"] <= bar["y"] + 1, (footer, bar)  # the footer sits above the bar
    label, link, background = colours
    assert _contrast(label, background) >= 4.5 and _contrast(link, background) >= 4.5, colours


# -- SLA trends of one run -------------------------------------------------------------------------------------------


@needs_allure
def test_sla_trends_of_one_run_say_the_last_run_with_round_ticks_and_units(tmp_path: Path, browser) -> None:
    from tools.report import sla_trends

    figure = sla_trends.Figure(
        "live-metadata-quick: p95",
        "GET /live_metadata: 95th percentile of 20 calls",
        "ms",
        4.35,
        1000.0,
        True,
        "2.2",
        scenario="The live metadata answers in under 1 second",
    )
    run = {"run_id": "r1", "run_started": "2026-03-01 01:30:00 UTC", "figures": [figure.__dict__]}
    out = tmp_path / "sla-trends.html"
    out.write_text(sla_trends.html([run], "nightly", "staging"))
    page = _open(browser, out)
    intro = page.locator("p").first.inner_text()
    ticks = page.locator("text.tick").all_text_contents()
    ends = page.locator("text.axis-start").text_content(), page.locator("text.axis-end").text_content()
    title = page.locator(".trend-figure .title").inner_text()
    page.close()
    assert intro.startswith("The last run of the nightly profile") and "oldest left" not in intro
    assert ticks == ["0 ms", "500 ms", "1,000 ms"], ticks
    assert ends == ("", "the last run: 2026-03-01 01:30:00 UTC")
    assert title == "The live metadata answers in under 1 second"
