"""The report's fixes and its SLA metrics read in Chromium, from three nightlies' results written as the formatter
and support/evidence.py write them (twelve behave processes, the last night slow), built as a run builds them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import allure
import pytest
from behave.parser import parse_file
from tools_testkit import Attacher, chromium, needs_allure, write_run_metadata

from support import evidence
from support.clauses import BY_ID
from tools.common.layout import FEATURES, RunLayout
from tools.common.quote_html import description_html
from tools.report import build as report
from tools.report.timeline_lanes import lane_id

sync_api = pytest.importorskip("playwright.sync_api")

# "main 6215" and "slow 6206" share a lane id in Allure 3.18's timeline; ten more processes beside them.
THREADS = ["main 6215", "slow 6206", *(f"slow {6207 + n}" for n in range(8)), "listen 6230", "listen 6231"]
RUNS = ("2026-11-30", "2026-12-01", "2026-12-02")


def _description(feature: str, clause: str) -> str:
    """The description the formatter gives a scenario of the real feature file (by a part of its title)."""
    parsed = parse_file(str(FEATURES / feature))
    part = {"2.2": "GET /channels", "4.3": "hole only where it is"}[clause]
    scenario = next(s for s in parsed.scenarios if part in s.name)
    html = description_html(BY_ID[clause], scenario.description, parsed.description)
    assert html
    return html


def _write_run(results: Path, day: str, p95_ms: float, monkeypatch: pytest.MonkeyPatch) -> None:
    results.mkdir(parents=True, exist_ok=True)
    start = 1_764_000_000_000
    attach = Attacher(results)
    monkeypatch.setattr(allure, "attach", attach)
    seen = evidence.Evidence(pictures=False, scenario="channels-quick")
    sensors = json.dumps({"sensors": list(range(5000))})
    seen.http({"request": "GET http://t/sensors", "status": 200, "response": evidence.body_evidence(sensors)})
    listing = [{"name": f"queue-{n}", "messages": n, "arguments": {"x-queue-type": "classic"}} for n in range(4000)]
    seen.metric("p95", "GET /channels: 95th percentile of 20 calls", p95_ms, "ms", 1000.0)
    seen.close({"management API": [{"request": "GET /api/queues", "status": 200, "body": listing}] * 2})
    specs = {
        0: ("2.2", "channels", "The channel range (GET /channels) answers in under 1 second", "2_2_metadata_latency"),
        1: ("4.3", "hole", "Scenario of slow 6206", "4_partial_results"),
    }
    for index, thread in enumerate(THREADS):
        spec, case, name, feature = specs.get(index, ("1.1", str(index), f"Scenario of {thread}", ""))
        labels = {"spec": spec, "clause": f"{spec} {BY_ID[spec].title}", "tag": f"case-{case}", "host": "vm"}
        result = {"uuid": str(uuid.uuid4()), "historyId": f"h{index}", "name": name, "status": "passed"}
        result["labels"] = [{"name": k, "value": v} for k, v in (labels | {"thread": thread}).items()]
        result["descriptionHtml"] = _description(f"{feature}.feature", spec) if feature else ""
        result["attachments"] = attach.attached if index == 0 else []
        result["start"] = start + index * 1000
        result["stop"] = result["start"] + (180_000 if thread.startswith("slow") else 20_000)
        (results / f"{result['uuid']}-result.json").write_text(json.dumps(result))
    # The runner's order: what a reader needs first (Allure hides all but the first few behind "Show more").
    environment = {"target": "stand", "target.api": "job", "profile": "nightly", "listen_s": "60", "run_id": day}
    environment |= {"run_started": f"{day} 01:30:00 UTC"} | {f"filler_{n}": "x" for n in range(35)}
    write_run_metadata(results, environment, "nightly", "stand")


@pytest.fixture(scope="module")
def three_nights(tmp_path_factory: pytest.TempPathFactory) -> RunLayout:
    layout = RunLayout(tmp_path_factory.mktemp("reports"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        for day, p95 in zip(RUNS, (100.0, 110.0, 1300.0), strict=True):  # the last over its 1000 ms limit
            layout.clear_run_outputs()
            _write_run(layout.results, day, p95, monkeypatch)
            report.build_pages(layout, FEATURES, profile="nightly", target="stand")
            report.generate(layout, profile="nightly", target="stand", features_dir=FEATURES)
    return layout


browser = chromium


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(90_000)  # megabytes of inline script: on a busy 2-core machine it takes its time
    page.goto(path.as_uri())
    return page


def _open_result(browser, layout: RunLayout, name: str):
    page = _open(browser, layout.single_file / "index.html")
    page.wait_for_selector('[data-testid="tree-section"]')
    for arrow in page.locator('[data-testid="tree-arrow"]').all():
        arrow.click()
    page.locator('[data-testid="tree-leaf"]', has_text=name).first.click()
    page.wait_for_timeout(800)
    return page


def _all_text(page) -> str:
    """The text of the page and of its frames (the report shows a description in a frame of its own)."""
    texts = []
    for frame in page.frames:
        try:
            texts.append(frame.locator("body").inner_text(timeout=5000))
        except sync_api.Error:
            continue
    return "\n".join(texts)


@needs_allure
def test_each_quote_is_its_clauses_with_whose_thresholds_and_the_tables_header(
    three_nights: RunLayout, browser
) -> None:
    texts = {}
    for name in ("GET /channels", "Scenario of slow 6206"):
        page = _open_result(browser, three_nights, name)
        texts[name] = _all_text(page)
        page.close()
    text = texts["GET /channels"]  # 2.2: whose thresholds, and that the job API's routes stand in for the task API's
    for said in ("Official Answer:", "Recommendation:", "Proposed SLA", "GET /sensors", "stand in for"):
        assert said in text, said
    assert text.index("Recommendation:") < text.index("Proposed SLA")
    text = texts["Scenario of slow 6206"]  # 4.3: the dev team's sentence with its table's header
    assert "Recordings with gaps → Partial results with holes" in text
    assert "HTTP Status" in text and "Data with temporal holes" in text


@needs_allure
def test_the_landing_page_shows_utc_api_shape_listening_window_categories_and_a_lane_per_process(
    three_nights, browser
) -> None:
    page = _open(browser, three_nights.single_file / "index.html")
    page.wait_for_selector('[data-testid="report-data"]')
    page.wait_for_timeout(500)
    assert "UTC" in page.locator('[data-testid="report-data"]').inner_text()
    shown = page.locator("body").inner_text().split("Show more", 1)[0]  # what is visible before "Show more"
    assert "target.api\njob" in shown and "listen_s\n60" in shown, shown[-600:]
    page.get_by_text("Categories", exact=True).first.click()  # shown on a green run too
    page.get_by_text("Passed: no product defect").first.wait_for()  # fails after the timeout if it never shows
    assert lane_id("vm", "main 6215") == lane_id("vm", "slow 6206")  # the collision the app would draw
    page.get_by_text("Report", exact=True).first.click()
    page.get_by_text("Timeline", exact=True).first.click()
    page.wait_for_timeout(1500)
    script = "() => [...document.querySelectorAll('text')].map(t => t.textContent.trim())"
    lanes = [text for text in page.evaluate(script) if text.startswith(("main", "slow", "listen"))]
    page.close()
    assert len(lanes) == len(THREADS) == 12, lanes


@needs_allure
def test_bodies_are_pretty_json_and_cut_text_says_so(three_nights: RunLayout, browser) -> None:
    page = _open_result(browser, three_nights, "GET /channels")
    for header in page.locator('[data-testid="test-result-attachment-header"]').all():
        if any(name in header.inner_text() for name in ("HTTP exchanges", "management API")):
            header.click()
    page.wait_for_timeout(1000)
    shown = page.locator('[data-testid="code-attachment-content"]')
    text = "\n".join(shown.nth(i).inner_text() for i in range(shown.count()))
    page.close()
    assert '"sensors": [' in text and '\\"sensors\\"' not in text  # JSON, not an escaped string
    assert '"… cut, ' in text and "more characters" in text  # the marker, in the sensors list and the listing
    assert "\\u2026" not in text
    sizes = [p.stat().st_size for p in three_nights.results.glob("*-attachment.*")]
    assert max(sizes) <= evidence.ATTACHMENT_LIMIT + 200


def _luminance(colour: str) -> float:
    channels = [int(x) / 255 for x in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@needs_allure
@pytest.mark.parametrize("dark", [False, True])
def test_the_pages_bar_leaves_the_footer_visible_and_reads_in_both_themes(three_nights, browser, dark: bool) -> None:
    page = _open(browser, three_nights.single_file / "index.html")
    page.wait_for_selector('[data-testid="report-data"]')
    if dark:
        page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
    page.wait_for_timeout(500)
    bar, footer = (
        page.locator("#focus-report-pages").bounding_box(),
        page.get_by_text("Powered by").first.bounding_box(),
    )
    label, link, background = page.evaluate(
        """() => { const bar = document.getElementById('focus-report-pages');
                   return [bar.querySelector('b'), bar.querySelector('a'), bar].map((e, i) =>
                       getComputedStyle(e)[i < 2 ? 'color' : 'backgroundColor']); }"""
    )
    page.close()
    assert footer["y"] + footer["height"] <= bar["y"] + 1, (footer, bar)  # the footer sits above the bar
    for colour in (label, link):
        high, low = sorted((_luminance(colour), _luminance(background)), reverse=True)
        assert (high + 0.05) / (low + 0.05) >= 4.5, (colour, background)  # WCAG AA contrast


@needs_allure
def test_the_sign_off_sheet_shows_no_raw_backticks(three_nights: RunLayout, browser) -> None:
    page = _open(browser, three_nights.report / "signoff.html")
    text = page.locator("body").inner_text()
    codes = page.locator("blockquote code").count()
    page.close()
    assert "`" not in text and codes > 0


@needs_allure
def test_categories_are_shown_on_a_green_run(three_nights: RunLayout, browser) -> None:
    page = _open(browser, three_nights.single_file / "index.html")
    page.wait_for_selector('[data-testid="report-data"]')
    page.get_by_text("Categories", exact=True).first.click()
    page.get_by_text("Passed: no product defect").first.wait_for()  # fails after the timeout if it never shows
    page.close()


@needs_allure
def test_the_metrics_show_each_figure_with_its_unit_and_change_and_the_gate_its_finding(three_nights, browser) -> None:
    # Built without an error although the last night's p95 is over its limit: the gate's finding is in the report.
    page = _open(browser, three_nights.single_file / "index.html")
    page.wait_for_selector('[data-testid="report-data"]')
    page.get_by_text("Quality Gates", exact=False).first.click()
    page.get_by_text("exceeds the allowed maximum").first.wait_for()
    gate = page.locator("body").inner_text()
    page.get_by_text("Report", exact=True).first.click()
    page.get_by_text("Metrics", exact=True).first.click()
    row = page.locator("tr", has_text="95th percentile of 20 calls").first
    row.wait_for()
    shown = row.inner_text()
    page.screenshot(path=str(three_nights.base / "metrics.png"), full_page=True)
    page.close()
    # Its limit and margin (a share of the limit) in the title, what Allure's own table does not say.
    title = "2.2 channels-quick: GET /channels: 95th percentile of 20 calls (limit < 1000 ms, margin -30%)"
    assert f"{title} 1300 ms exceeds the allowed maximum 1000 ms" in gate
    assert title in shown and "1300 ms" in shown and "+1190 ms" in shown, shown  # 110 ms the night before
