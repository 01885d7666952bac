"""Fixtures of the suite's unit tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from support.settings import Settings, get_settings
from support.stand_process import Stand


@pytest.fixture(scope="session")
def stand_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A real stand (real broker), started through its command line for the tests that need a real broker.

    Started once per session and only when a test asks for it; never imported, as the suite never imports it.
    """
    stand = Stand.up(tmp_path_factory.mktemp("stand") / "stand.env")  # the harness's one client of the stand CLI
    try:
        yield Settings(**{key.removeprefix("FOCUS_").lower(): value for key, value in stand.focus_env.items()})
    finally:
        stand.down()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FOCUS_* or TARGET variable of the shell leaks into a test's Settings."""
    for key in list(os.environ):
        if key.startswith("FOCUS_") or key == "TARGET":
            monkeypatch.delenv(key)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set waits of the timeout context as a deployment would (FOCUS_<NAME>), for code that reads get_settings()."""

    def set_waits(**seconds: float) -> None:
        for name, value in seconds.items():
            monkeypatch.setenv(f"FOCUS_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield set_waits
    get_settings.cache_clear()
