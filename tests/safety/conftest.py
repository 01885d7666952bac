"""The real parts of the safety tests (safety_parts.py), one of each for the folder, started in the background when
collection finds a safety test and stopped after its last one; the one whole quick run that two test modules judge;
the figures the tests measure, printed at the end ("safety figures")."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import safety_parts as parts
from safety_parts import REST_PASSWORD, REST_USER, production_target, run_behave

HERE = Path(__file__).resolve().parent


class Parts:
    """Started at once, side by side (the wall time); stopped once, each when it is there."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="focus-safety-"))
        self.pool = ThreadPoolExecutor(max_workers=3)
        self.certs = self.pool.submit(parts.make_certificates, self.dir / "certs")
        self.production = self.pool.submit(self._production)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FOCUS_", "STAND_"))}
        self.stand: Future[parts.StandHandle] = self.pool.submit(parts.stand_up, self.dir / "stand.env", env)

    def _production(self) -> parts.Production:
        # '/', '#', '?' and '@' are percent-encoded in the AMQP URL: the suite has to decode it for the management
        # API, and masking has to catch both forms (by value: a URL parser would end the password early).
        password = f"Prod/Pw#{secrets.token_hex(6)}?!@x"
        broker = parts.ProductionBroker(self.dir / "production", "focus", password, self.certs.result())
        broker.start()
        parts.preload(broker)
        consumer = parts.ProductionConsumer(broker.amqp_url)
        baseline, first = parts.settled(broker, parts.preloaded, timeout_s=60)
        assert first >= 0, f"the production broker's state did not settle: {baseline}"
        return parts.Production(broker, consumer, baseline)

    def stop(self) -> None:
        for future, stop in ((self.stand, parts.stand_down), (self.production, parts.Production.stop)):
            with contextlib.suppress(Exception):
                stop(future.result(timeout=240))  # still starting: wait, then stop it
        self.pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.dir, ignore_errors=True)


PARTS: list[Parts] = []  # while they run


def _mine(item: pytest.Item | None) -> bool:
    return item is not None and HERE in Path(item.path).parents


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.config.option.collectonly and any(_mine(item) for item in session.items):
        PARTS.append(Parts())


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the last safety test, stop everything: the tests that follow get the machine back."""
    if PARTS and _mine(item) and not _mine(nextitem):
        PARTS.pop().stop()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if PARTS:
        PARTS.pop().stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if parts.FIGURES:
        terminalreporter.section("safety figures")
        for name, value in sorted(parts.FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="session")
def certs() -> parts.Certificates:
    return PARTS[0].certs.result(timeout=60)


@pytest.fixture(scope="session")
def production() -> parts.Production:
    return PARTS[0].production.result(timeout=180)


@pytest.fixture(scope="session")
def stand() -> parts.StandHandle:
    return PARTS[0].stand.result(timeout=180)


@pytest.fixture(scope="session")
def whole_run(
    production: parts.Production, stand: parts.StandHandle, tmp_path_factory: pytest.TempPathFactory
) -> tuple[parts.Run, parts.Watcher]:
    """The quick profile, in one behave process, against the production node, with a REST URL that carries
    credentials of its own; watched on the broker while it runs."""
    rest = stand.env["FOCUS_BASE_URL"].replace("http://", f"http://{REST_USER}:{REST_PASSWORD}@", 1)
    env = production_target(production, stand, FOCUS_BASE_URL=rest)
    with parts.Watcher(production.broker, production.baseline) as watched:
        run = run_behave(env, tmp_path_factory.mktemp("whole-run"), "features", "--tags=not @slow", timeout_s=900)
    parts.FIGURES["whole quick run (one behave process)"] = f"{run.seconds:.0f} s, exit {run.returncode}"
    return run, watched
