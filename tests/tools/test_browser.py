"""The sign-off PDF's browser is one the runner has (Chrome, Chromium, a Playwright one) before anything asks apt."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.verdicts import browser


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture(autouse=True)
def no_debian_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(browser, "DEBIAN_CHROMIUM", tmp_path / "absent" / "chromium")


def test_a_playwright_chromium_is_found_when_no_command_is_there(tmp_path: Path) -> None:
    home = tmp_path / "home"
    older = _executable(home / ".cache" / "ms-playwright" / "chromium-1100" / "chrome-linux" / "chrome")
    newer = _executable(home / ".cache" / "ms-playwright" / "chromium-1200" / "chrome-linux64" / "chrome")
    env = {"PATH": str(tmp_path / "empty"), "HOME": str(home)}
    assert browser.find(env) == newer and older in browser.candidates(env)
    elsewhere = _executable(tmp_path / "pw" / "chromium-7" / "chrome-linux" / "chrome")
    assert browser.find({**env, "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "pw")}) == elsewhere


def test_none_at_all_is_none_google_chrome_comes_first_and_a_given_one_wins(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path / "empty"), "HOME": str(tmp_path / "home")}
    assert browser.find(env) is None
    chrome = _executable(tmp_path / "bin" / "google-chrome")
    _executable(tmp_path / "bin" / "chromium-browser")
    assert browser.find({**env, "PATH": str(tmp_path / "bin")}) == chrome
    given = _executable(tmp_path / "opt" / "my-chrome")
    assert browser.find({**env, "SIGNOFF_BROWSER": str(given)}) == given
