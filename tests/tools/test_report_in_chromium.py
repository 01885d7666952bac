"""The report, generated with the real npm allure from the fixture suite's results, read in headless Chromium.

What a reviewer sees must hold every clause id with its scenarios in spec order, the clause links, the pages beside
it; a second run must show a trend of two runs; no secret anywhere.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tools_testkit import FIXTURE_FEATURES, chromium, needs_allure

from support.clauses import CLAUSES
from support.settings import get_settings
from tools.common.catalogue import scenarios
from tools.common.layout import ROOT, RunLayout
from tools.run import nightly

sync_api = pytest.importorskip("playwright.sync_api")

SECRET = "s3cret-broker-pw"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> RunLayout:
    """The fixture suite run twice by the nightly runner, report included; the second run has one red of each kind."""
    base = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TARGET", "external")
        env.setenv("FOCUS_BASE_URL", "http://127.0.0.1:9")
        env.setenv("FOCUS_AMQP_URL", f"amqp://focus:{SECRET}@127.0.0.1:9/%2F")
        for broken in ("", "4.1:failed,2.2:environment,3.1:suite"):
            env.setenv("FIXTURE_BREAK", broken)
            args = ["--profile", "nightly", "--target", "external", "--features", str(FIXTURE_FEATURES)]
            nightly.main([*args, "--base", str(base)])
    get_settings.cache_clear()
    return RunLayout(base)


browser = chromium


def _open_report(browser, index: Path | str, errors: list[str]):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(index if isinstance(index, str) else index.as_uri())
    page.wait_for_selector('[data-testid="tree-section"]', timeout=30_000)
    return context, page


@needs_allure
def test_the_report_and_its_single_file_twin_are_written(two_runs: RunLayout) -> None:
    for folder in (two_runs.report, two_runs.single_file):
        for name in ("index.html", "clarifications.html", "traceability.html", "traceability.md", "living-docs.html"):
            assert (folder / name).is_file(), folder / name
        assert "googletagmanager" not in (folder / "index.html").read_text()
    assert not list(two_runs.single_file.glob("*.js"))  # one file: everything inline


@needs_allure
def test_a_second_run_shows_a_trend_of_two_runs(two_runs: RunLayout) -> None:
    history = two_runs.history / "history-external-nightly.jsonl"
    assert len(history.read_text().splitlines()) == 2
    charts = json.loads((two_runs.report / "widgets" / "charts.json").read_text())["general"]
    dynamics = next(chart for chart in charts.values() if chart["type"] == "statusDynamics")
    assert len(dynamics["data"]) == 2
    assert [point["statistic"].get("failed", 0) for point in dynamics["data"]] == [0, 1]


@needs_allure
def test_categories_tell_product_environment_and_suite_apart(two_runs: RunLayout) -> None:
    tree = json.loads((two_runs.report / "widgets" / "categories.json").read_text())
    categories = {node["name"]: node for node in tree["nodes"].values() if node["type"] == "category"}
    red = {"Product defect", "Broken environment", "Suite defect"}
    assert set(categories) - red == {"Passed: no product defect, no broken environment, no suite defect"}
    assert red <= set(categories)

    def scenarios_under(node_id: str) -> list[str]:
        node = tree["nodes"][node_id]
        if node["type"] == "tr":
            return [node["name"]]
        return [name for child in node.get("childrenIds", []) for name in scenarios_under(child)]

    assert scenarios_under(categories["Product defect"]["id"]) == ["No recordings fails fast"]
    assert scenarios_under(categories["Broken environment"]["id"]) == ["Metadata is quick"]
    assert scenarios_under(categories["Suite defect"]["id"]) == ["The recorder speaks AMQP"]


@needs_allure
def test_the_environment_block_names_the_target_and_no_secret_is_anywhere(two_runs: RunLayout) -> None:
    widget = json.loads((two_runs.report / "widgets" / "allure_environment.json").read_text())
    shown = {item["name"]: item["values"] for item in widget}
    assert (shown["target"], shown["base_url"], shown["profile"]) == (["external"], ["http://127.0.0.1:9"], ["nightly"])
    assert "allure_report" in shown and "behave" in shown
    assert shown["amqp_url"] == ["amqp://focus:***@127.0.0.1:9/%2F"]
    assert [p for p in two_runs.base.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()] == []


@needs_allure
def test_chromium_shows_every_clause_with_its_scenarios(two_runs: RunLayout, browser) -> None:
    context, page = _open_report(browser, two_runs.single_file / "index.html", [])
    # Open every closed clause group, as a reviewer would (groups with a red result start open).
    page.evaluate("""() => document.querySelectorAll('[data-testid="tree-arrow"]').forEach(arrow => {
        if (!/opened/.test(arrow.querySelector('svg')?.getAttribute('class') || '')) arrow.click(); })""")
    page.wait_for_timeout(500)
    tree = page.locator("body").inner_text().split("Sort by:", 1)[1]
    context.close()
    positions = []
    for clause in CLAUSES:
        match = re.search(rf"\b{re.escape(clause.id)}\b", tree)
        assert match, f"clause {clause.id} not shown"
        positions.append(match.start())
    assert positions == sorted(positions), "clauses not in spec order"
    # Each scenario sits in its clause's group: between its clause id and the next one.
    bounds = [*positions, len(tree)]
    for index, clause in enumerate(CLAUSES):
        for scenario in (s for s in scenarios(FIXTURE_FEATURES, ROOT) if s.spec == clause.id):
            assert scenario.name.split(" -- ")[0] in tree[bounds[index] : bounds[index + 1]], (clause.id, scenario.name)


@needs_allure
def test_chromium_shows_the_traceability_page(two_runs: RunLayout, browser) -> None:
    page = browser.new_page()
    page.goto((two_runs.report / "traceability.html").as_uri())
    text = page.locator("body").inner_text()
    page.close()
    assert all(re.search(rf"\b{re.escape(clause.id)}\b", text) for clause in CLAUSES)
    assert "No recordings fails fast" in text and "Document Frontend Retry Logic" in text
    assert "mutation matrix not run" in text or "killed" in text


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """The folder over HTTP on a free local port (the folder report's data files are refused from file://)."""
    with ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    ) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
        finally:
            server.shutdown()


@needs_allure
def test_the_clause_link_of_a_scenario_opens_its_section(two_runs: RunLayout, browser) -> None:
    with served(two_runs.report) as folder_url:
        for index in (two_runs.single_file / "index.html", folder_url):
            _clause_link_opens_its_section(browser, index)


def _clause_link_opens_its_section(browser, index: Path | str) -> None:
    errors: list[str] = []
    context, page = _open_report(browser, index, errors)
    section = page.locator('[data-testid="tree-section"]', has_text="4.3 Scenario 3")
    section.locator('[data-testid="tree-arrow"]').first.click()
    page.locator('[data-testid="tree-leaf"]', has_text="Gaps stay gaps").first.click()
    link = page.locator("a[data-clause-link]", has_text="Clarifications 4.3")
    link.wait_for(timeout=10_000)
    with context.expect_page() as opened:
        link.click()
    target = opened.value
    target.wait_for_load_state()
    assert target.url.endswith("clarifications.html#clause-4-3"), target.url
    heading = target.locator("#clause-4-3")
    assert "[4.3]" in heading.inner_text()
    box = heading.bounding_box()
    assert box is not None and -2 <= box["y"] < target.viewport_size["height"]  # scrolled to it
    context.close()
    assert errors == []


@needs_allure
def test_the_single_file_loads_without_errors_and_leads_to_the_sign_off_sheet_and_the_pages(two_runs, browser) -> None:
    errors: list[str] = []
    context, page = _open_report(browser, two_runs.single_file / "index.html", errors)
    page.wait_for_timeout(1500)  # late widgets (charts, timeline) load after the tree
    assert errors == []
    bar = page.locator("#focus-report-pages")
    for href in ("signoff.html", "traceability.html", "living-docs.html", "clarifications.html"):
        assert bar.locator(f'a[href="{href}"]').count() == 1, href
    bar.locator('a[href="signoff.html"]').click()
    page.wait_for_load_state()
    assert page.url.endswith("signoff.html") and "Sign-off sheet" in page.locator("h1").inner_text()
    assert page.locator("a.clause-id").count() == len(CLAUSES)
    context.close()
