"""The review view on a branch that changes a 2.2 scenario and adds a 4.3 one, read in Chromium as a reviewer would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tools_testkit import CHROMIUM

from tools.common.layout import ROOT

sync_api = pytest.importorskip("playwright.sync_api")

ADDED_43 = """
  @spec-4.3 @case-partial-coverage-two-holes @api-task
  Scenario: Two holes in one window: rows from the three recordings, each hole only where it is
    > Verify partial results with holes when recordings have gaps.
    Given recordings 10:00–10:05, 10:10–10:15 and 10:20–10:25 in a 10:00–10:30 window
    When I play the window back
    Then rows arrive from each recording and each hole is only where it is
"""


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture(scope="module")
def branch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository holding the project's features on `main`, and a branch `change` that changes the 2.2 live
    metadata scenario (its limit) and adds a 4.3 scenario."""
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "features", repo / "features", ignore=shutil.ignore_patterns("__pycache__"))
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "change")
    metadata = repo / "features" / "2_2_metadata_latency.feature"
    text = metadata.read_text()
    old = "  Scenario: The live metadata answers in under 1 second\n    When I ask for the live metadata 20 times\n"
    assert old in text
    metadata.write_text(
        text.replace(old, old.replace("20 times", "50 times")).replace(
            "The live metadata answers in under 1 second", "The live metadata answers in under 1 second, 50 calls"
        )
    )
    history = repo / "features" / "4_partial_results.feature"
    history.write_text(history.read_text() + ADDED_43)
    _git(repo, "commit", "-q", "-am", "a 2.2 scenario changed, a 4.3 one added")
    return repo


@pytest.fixture(scope="module")
def review(branch: Path) -> Path:
    out = branch / "reports" / "review"
    done = subprocess.run(
        [sys.executable, "-m", "tools.specs.review", "--repo", str(branch), "--base", "main"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # The added 4.3 scenario's steps have no definition yet: the review says so and fails, before anything runs.
    assert done.returncode == 1, done.stderr
    assert "1 changed, 1 added, 0 removed" in done.stdout
    assert "review: BROKEN features/4_partial_results.feature:" in done.stdout
    return out


def _review_of(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.specs.review", "--repo", str(repo), "--base", "main"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def a_second_made_faster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A branch that turns 4.1's "in under 2 seconds" into "in under 1 second": a step no definition matches."""
    repo = tmp_path_factory.mktemp("repo-faster")
    shutil.copytree(ROOT / "features", repo / "features", ignore=shutil.ignore_patterns("__pycache__"))
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "faster")
    history = repo / "features" / "4_partial_results.feature"
    text = history.read_text()
    step = "And the refusal came at once, in under 2 seconds"
    assert text.count(step) == 2
    history.write_text(text.replace(step, "And the refusal came at once, in under 1 second", 1))
    _git(repo, "commit", "-q", "-am", "4.1 at once: under 1 second")
    return repo


def test_a_step_no_definition_matches_is_shown_as_broken_not_as_a_plain_change(a_second_made_faster: Path) -> None:
    done = _review_of(a_second_made_faster)
    assert done.returncode == 1, done.stdout + done.stderr
    broken = [line for line in done.stdout.splitlines() if line.startswith("review: BROKEN ")]
    assert len(broken) == 1, done.stdout
    assert "features/4_partial_results.feature:" in broken[0]
    assert 'no step definition matches "And the refusal came at once, in under 1 second"' in broken[0]
    md = (a_second_made_faster / "reports" / "review" / "review.md").read_text()
    assert "**What this change breaks (1)**" in md and "in under 1 second" in md


def test_a_change_that_breaks_nothing_says_so(branch: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "features", repo / "features", ignore=shutil.ignore_patterns("__pycache__"))
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    path = repo / "features" / "2_2_metadata_latency.feature"
    path.write_text(
        path.read_text().replace("ask for the live metadata 20 times", "ask for the live metadata 30 times")
    )
    done = _review_of(repo)
    assert done.returncode == 0, done.stdout
    assert "Nothing found broken before running" in (repo / "reports" / "review" / "review.md").read_text()


def test_the_short_version_lists_both_changes_and_the_coverage_moved(review: Path) -> None:
    md = (review / "review.md").read_text()
    assert "| 2.2 Metadata Collection Time | changed | The live metadata answers in under 1 second, 50 calls |" in md
    assert "| 4.3 Scenario 3: Partial Coverage → Data with Holes | added | Two holes in one window" in md
    assert "| 4.3 | 2 scenarios · API: task 1, job 1 · quick 1, nightly only 1 | **3 scenarios" in md


def test_the_page_opened_in_chromium_shows_both_scenarios_and_clause_coverage_before_and_after(
    review: Path, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("chromium absent: apt-get install -y chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("requestfailed", lambda request: errors.append(request.url))
            page.goto((review / "review.html").as_uri())
            page.screenshot(path=str(review / "review.png"), full_page=True)

            broken = page.locator(".breaks")
            assert broken.is_visible() and "thing(s) this change breaks" in broken.inner_text()
            assert (
                "no step definition matches" in broken.inner_text() and "Given recordings 10:00" in broken.inner_text()
            )
            # above the changes, where a reviewer starts reading
            assert broken.bounding_box()["y"] < page.locator(".change").first.bounding_box()["y"]

            changed = page.locator(".change-changed")
            assert changed.count() == 1
            assert "The live metadata answers in under 1 second, 50 calls" in changed.locator(".new").inner_text()
            assert "The live metadata answers in under 1 second" in changed.locator(".old").inner_text()
            assert "@spec-2.2" in changed.inner_text() and "@case-live-metadata-quick" in changed.inner_text()
            # 2.2's scenarios carry their feature's quote: shown with the change
            assert "Metadata collect time is supposed to be quick" in changed.inner_text()
            diff = changed.locator("pre.diff").inner_text()
            assert "-    When I ask for the live metadata 20 times" in diff
            assert "+    When I ask for the live metadata 50 times" in diff

            added = page.locator(".change-added")
            assert added.count() == 1
            assert "Two holes in one window" in added.locator(".new").inner_text()
            assert "not in the base" in added.locator(".old").inner_text()
            assert (
                "@spec-4.3" in added.inner_text()
                and "Verify partial results with holes when recordings have gaps." in added.inner_text()
            )

            row_22 = page.locator("tr", has=page.locator('a.clause-id[href="#clause-2-2"]'))
            row_43 = page.locator("tr", has=page.locator('a.clause-id[href="#clause-4-3"]'))
            cells_43 = row_43.locator("td").all_inner_texts()
            assert cells_43[2].startswith("2 scenarios") and cells_43[3].startswith("3 scenarios"), cells_43
            assert "task 2" in cells_43[3] and "quick 2" in cells_43[3]
            cells_22 = row_22.locator("td").all_inner_texts()
            assert cells_22[2] == cells_22[3] and "touched" in cells_22[0]  # changed, but its coverage did not move
            assert page.locator("h2#clause-4-3").inner_text().startswith("4.3")
            page.click('a.tag[href="#clause-4-3"]')  # a clause tag leads to the clause on this page, not away
            assert page.url.endswith("#clause-4-3")
            assert not errors, errors
        finally:
            browser.close()


def test_an_unknown_base_is_one_clear_line(branch: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tools.specs.review", "--repo", str(branch), "--base", "no-such-branch"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "no such base 'no-such-branch'" in done.stderr


def test_in_a_ci_checkout_the_base_is_fetched_from_origin(branch: Path, tmp_path: Path) -> None:
    """As the pull-request workflow runs it: a shallow clone of the change alone, no local `main`, `--fetch`."""
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth=1", "--branch", "change", branch.as_uri(), str(clone)],
        check=True,
        capture_output=True,
    )
    summary = tmp_path / "summary.md"
    summary.write_text("earlier steps\n")
    options = ["--base", "main", "--fetch", "--summary", str(summary), "--copy-to", str(tmp_path / "artifacts")]
    done = subprocess.run(
        [sys.executable, "-m", "tools.specs.review", "--repo", str(clone), *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # the added scenario's steps have no definition (see above)
    assert "since origin/main" in done.stdout and "1 changed, 1 added, 0 removed" in done.stdout
    assert summary.read_text().startswith("earlier steps\n### Specs changed since origin/main")
    assert (tmp_path / "artifacts" / "review.html").is_file()
