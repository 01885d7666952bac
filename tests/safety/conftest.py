"""Real parts for the safety tests, started once in the background as soon as collection knows they are needed,
and stopped as soon as the last safety test has run (so that they do not weigh on the tests that follow):

- test certificates (a CA, a server certificate it signs, a self-signed rogue one), made with openssl;
- a "production" RabbitMQ node (plain and TLS listeners, default 5 s statistics) pre-loaded with live state and
  a consumer of its own, with the snapshot of that state taken before any test runs;
- one stand (`python -m stand up`, its private broker's password from STAND_BROKER_PASSWORD): the Focus Server
  REST for every run, the target of the secrets run, and the subject of the robustness tests.

Figures the tests measure are printed at the end of the pytest run ("safety figures").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from safety_certs import Certificates
from safety_parts import Production, Safety, StandHandle

HERE = Path(__file__).resolve().parent


SAFETY: Safety | None = None


def _mine(item: pytest.Item | None) -> bool:
    return item is not None and HERE in Path(item.path).parents


def pytest_collection_finish(session: pytest.Session) -> None:
    global SAFETY
    if session.config.option.collectonly or not any(_mine(item) for item in session.items):
        return
    SAFETY = Safety()
    SAFETY.start()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the last safety test, stop everything at once: the tests that follow get the machine back."""
    if SAFETY is not None and _mine(item) and not _mine(nextitem):
        SAFETY.stop()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if SAFETY is not None:
        SAFETY.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SAFETY is None or not SAFETY.figures:
        return
    terminalreporter.section("safety figures")
    for name, value in sorted(SAFETY.figures.items()):
        terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="session")
def safety() -> Safety:
    assert SAFETY is not None
    return SAFETY


@pytest.fixture(scope="session")
def certs(safety: Safety) -> Certificates:
    return safety.certs.result(timeout=60)


@pytest.fixture(scope="session")
def production(safety: Safety) -> Production:
    return safety.production.result(timeout=180)


@pytest.fixture(scope="session")
def stand(safety: Safety) -> StandHandle:
    return safety.stand.result(timeout=180)


@pytest.fixture(scope="session")
def figures(safety: Safety) -> dict[str, Any]:
    return safety.figures
