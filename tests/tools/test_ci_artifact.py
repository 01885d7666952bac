"""The CI artifact of a real run (the fixture suite by the nightly runner, one red scenario of each kind, report and
pages included, then the CI steps as the workflow runs them): one folder whose every link works offline, in Chromium.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from tools_testkit import CHROMIUM, FIXTURE_FEATURES, needs_allure, needs_chromium

from support.settings import get_settings
from tools.ci import ci_run, xray
from tools.common.layout import RunLayout
from tools.run import nightly

RESULT_TITLE = '[data-testid="test-result-info-title"]'  # what Allure shows for a result it found


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunLayout:
    base = tmp_path_factory.mktemp("ci-artifact")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TARGET", "external")
        env.setenv("FOCUS_BASE_URL", "http://127.0.0.1:9")
        env.setenv("FIXTURE_BREAK", "4.1:failed,2.2:environment,3.1:suite")
        env.delenv("GITHUB_STEP_SUMMARY", raising=False)
        args = ["--profile", "quick", "--target", "external", "--features", str(FIXTURE_FEATURES)]
        nightly.main([*args, "--base", str(base)])
    get_settings.cache_clear()  # the runner's, of the environment above
    where = ["--base", str(base), "--features", str(FIXTURE_FEATURES)]
    assert xray.main(["build", *where]) == ci_run.main(["summary", *where, "--out", str(base / "s.md")]) == 0
    assert ci_run.main(["artifacts", "--base", str(base)]) == 0
    pages = {"index.html", "clarifications.html", "living-docs.html", "traceability.html", "traceability.md"}
    made = set(os.listdir(base / "ci" / "artifacts"))
    assert pages | {"signoff.html", "junit", "xray", "summary.md", "outcome.json"} <= made
    return RunLayout(base)


@needs_allure
@needs_chromium
def test_every_link_of_the_artifact_resolves_in_chromium(run: RunLayout) -> None:
    """Each page of the folder opened in Chromium, each link on it followed: the file exists, its #anchor is an
    element there, and a link into the report (index.html#<result>) opens that result, whose own links are followed
    too. Links to the web (Allure's home page) are listed, not followed: the folder must work offline."""
    from playwright.sync_api import sync_playwright

    folder = run.base / "ci" / "artifacts"
    root = folder.as_uri() + "/"
    checked: dict[str, str] = {}  # link → "" when it resolves, else why not
    web: set[str] = set()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()

        def links_of(url: str) -> list[str]:
            page.goto(url)
            page.wait_for_load_state("load")
            if "index.html" in url:
                page.wait_for_timeout(1500)  # the report renders its tree or result after load
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            web.update(h for h in hrefs if urlsplit(h).scheme in ("http", "https"))
            return [h for h in hrefs if h.startswith(root)]  # a file of the folder

        def resolve(url: str) -> str:
            parts = urlsplit(url)
            target = Path(unquote(parts.path))
            if not target.is_file():
                return f"no file {target.relative_to(folder) if target.is_relative_to(folder) else target}"
            if not parts.fragment or target.suffix != ".html":
                return ""
            page.goto(url)
            if target.name == "index.html":  # Allure's own route: the result with that id
                try:
                    page.wait_for_selector(RESULT_TITLE, timeout=10_000)
                except Exception:  # Playwright's timeout: the report found no such result
                    return f"the report shows no result {parts.fragment}"
                return ""
            found = page.evaluate("id => document.getElementById(id) !== null", unquote(parts.fragment))
            return "" if found else f"no element #{parts.fragment} in {target.name}"

        pages = [root + path.name for path in sorted(folder.glob("*.html"))]
        queue = [link for url in pages for link in links_of(url)]
        while queue:
            link = queue.pop()
            if link in checked:
                continue
            checked[link] = resolve(link)
            if not checked[link] and "index.html#" in link:
                queue += links_of(link)  # the result's own links (its clause in the clarifications)
        browser.close()
    broken = {link.removeprefix(root): why for link, why in checked.items() if why}
    assert broken == {}
    assert len(checked) > 30
    assert any(link.startswith(root + "index.html#") for link in checked)  # links into the report were followed
    assert any(link.startswith(root + "clarifications.html#clause-") for link in checked)
    assert {urlsplit(link).netloc for link in web} <= {"allurereport.org"}, web
