"""Fixtures of the suite's unit tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def stand_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A real stand (real broker), started through its command line for the tests that need a real broker.

    Started once per session and only when a test asks for it; never imported, as the suite never imports it.
    """
    env_file = tmp_path_factory.mktemp("stand") / "stand.env"
    command = [sys.executable, "-m", "stand", "up", "--env-file", str(env_file)]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, timeout=120)
    try:
        values = {}
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.startswith("FOCUS_"):
                values[key.removeprefix("FOCUS_").lower()] = value
        yield Settings(**values)
    finally:
        subprocess.run(
            [sys.executable, "-m", "stand", "down", "--env-file", str(env_file)],
            cwd=ROOT,
            check=False,
            stdout=subprocess.DEVNULL,
            timeout=60,
        )


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FOCUS_* or TARGET variable of the shell leaks into a test's Settings."""
    for key in list(os.environ):
        if key.startswith("FOCUS_") or key == "TARGET":
            monkeypatch.delenv(key)
