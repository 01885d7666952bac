"""The review view on a branch that changes a 2.2 scenario and adds a 4.3 one, read in Chromium as a reviewer would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tools_testkit import chromium

from tools.common.layout import ROOT

ADDED_43 = """
  @spec-4.3 @case-partial-coverage-two-holes @api-task
  Scenario: Two holes in one window: rows from the three recordings, each hole only where it is
    > Verify partial results with holes when recordings have gaps.
    Given recordings 10:00–10:05, 10:10–10:15 and 10:20–10:25 in a 10:00–10:30 window
    When I play the window back
    Then rows arrive from each recording and each hole is only where it is
"""
browser = chromium  # the module's headless Chromium (tools_testkit)
LIVE = "  Scenario: The live metadata answers in under 1 second\n    When I ask for the live metadata 20 times\n"


def _git(repo: Path, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _repo(folder: Path, **changes: tuple[str, str]) -> Path:
    """The project's features committed on `main`, then each file's (old, new) replaced on a branch `change`."""
    shutil.copytree(ROOT / "features", folder / "features", ignore=shutil.ignore_patterns("__pycache__"))
    _git(folder, "init", "-q", "-b", "main")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "base")
    _git(folder, "checkout", "-q", "-b", "change")
    for name, (old, new) in changes.items():
        path = folder / "features" / f"{name}.feature"
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1) if old else text + new)
    _git(folder, "commit", "-q", "-am", "changed")
    return folder


def _review(repo: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tools.specs.review", "--repo", str(repo), "--base", "main", *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def branch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2.2 live metadata scenario changed (its limit), a 4.3 scenario added."""
    changed = LIVE.replace("20 times", "50 times").replace("1 second\n", "1 second, 50 calls\n")
    folder = tmp_path_factory.mktemp("repo")
    return _repo(folder, **{"2_2_metadata_latency": (LIVE, changed), "4_partial_results": ("", ADDED_43)})


def test_the_review_says_what_breaks_and_the_coverage_moved(branch: Path) -> None:
    done = _review(branch)
    # The added 4.3 scenario's steps have no definition yet: the review says so and fails, before anything runs.
    assert done.returncode == 1, done.stderr
    assert "1 changed, 1 added, 0 removed" in done.stdout
    assert "review: BROKEN features/4_partial_results.feature:" in done.stdout
    md = (branch / "reports" / "review" / "review.md").read_text()
    assert "| 2.2 Metadata Collection Time | changed | The live metadata answers in under 1 second, 50 calls |" in md
    assert "| 4.3 Scenario 3: Partial Coverage → Data with Holes | added | Two holes in one window" in md
    assert "| 4.3 | 2 scenarios · API: task 1, job 1 · quick 1, nightly only 1 | **3 scenarios" in md


def test_a_step_made_faster_is_broken_and_a_change_that_breaks_nothing_says_so(tmp_path: Path) -> None:
    step = "And the refusal came at once, in under 2 seconds"
    faster = _repo(tmp_path / "faster", **{"4_partial_results": (step, step.replace("2 seconds", "1 second"))})
    done = _review(faster)
    broken = [line for line in done.stdout.splitlines() if line.startswith("review: BROKEN ")]
    assert done.returncode == 1 and len(broken) == 1, done.stdout
    assert 'no step definition matches "And the refusal came at once, in under 1 second"' in broken[0]
    assert "**What this change breaks (1)**" in (faster / "reports" / "review" / "review.md").read_text()
    calls = "ask for the live metadata 20 times"
    fine = _repo(tmp_path / "fine", **{"2_2_metadata_latency": (calls, calls.replace("20", "30"))})
    assert _review(fine).returncode == 0
    assert "Nothing found broken before running" in (fine / "reports" / "review" / "review.md").read_text()


def test_the_page_in_chromium_shows_both_scenarios_and_the_coverage_before_and_after(branch: Path, browser) -> None:
    _review(branch)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: errors.append(request.url))
    page.goto((branch / "reports" / "review" / "review.html").as_uri())
    broken = page.locator(".breaks")
    assert "no step definition matches" in broken.inner_text() and "Given recordings 10:00" in broken.inner_text()
    assert broken.bounding_box()["y"] < page.locator(".change").first.bounding_box()["y"]  # read first
    changed = page.locator(".change-changed")
    assert "The live metadata answers in under 1 second, 50 calls" in changed.locator(".new").inner_text()
    assert "@case-live-metadata-quick" in changed.inner_text()
    assert "Metadata collect time is supposed to be quick" in changed.inner_text()  # its feature's quote
    diff = changed.locator("pre.diff").inner_text()
    assert "-    When I ask for the live metadata 20 times" in diff and "+    When I ask for the live" in diff
    added = page.locator(".change-added")
    assert "Two holes in one window" in added.locator(".new").inner_text()
    assert "not in the base" in added.locator(".old").inner_text()
    cells = page.locator("tr", has=page.locator('a.clause-id[href="#clause-4-3"]')).locator("td")
    assert cells.nth(2).inner_text().startswith("2 scenarios") and "task 2" in cells.nth(3).inner_text()
    page.click('a.tag[href="#clause-4-3"]')  # a clause tag leads to the clause on this page, not away
    assert page.url.endswith("#clause-4-3") and page.locator("h2#clause-4-3").is_visible()
    assert not errors, errors


def test_an_unknown_base_is_one_clear_line_and_a_ci_checkout_fetches_it(branch: Path, tmp_path: Path) -> None:
    done = _review(branch, "--base", "no-such-branch")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no such base 'no-such-branch'" in done.stderr
    # As the pull-request workflow runs it: a shallow clone of the change alone, no local `main`, `--fetch`.
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth=1", "--branch", "change", branch.as_uri(), str(clone)], check=True)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier steps\n")
    done = _review(clone, "--fetch", "--summary", str(summary), "--copy-to", str(tmp_path / "artifacts"))
    assert done.returncode == 1 and "since origin/main" in done.stdout, done.stderr
    assert summary.read_text().startswith("earlier steps\n### Specs changed since origin/main")
    assert (tmp_path / "artifacts" / "review.html").is_file()
