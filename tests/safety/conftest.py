"""The real parts of the safety tests, started in the background as soon as collection knows they are needed, one
of each for the whole folder (one stand, one production node: the wall time), and stopped after its last test:
test certificates, the "production" RabbitMQ node (pre-loaded, with the baseline snapshot taken before any test
runs), one stand; and the one whole quick run (`behave --tags="not @slow"`) that test_harmless_on_live_broker and
test_secrets_never_leak both judge. Figures the tests measure are printed at the end ("safety figures").
"""

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
from safety_runs import REST_PASSWORD, REST_USER, WholeRun, production_target, run_behave

HERE = Path(__file__).resolve().parent
FIGURES: dict[str, Any] = {}


class Parts:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="focus-safety-"))
        self.pool = ThreadPoolExecutor(max_workers=3)
        self.certs = self.pool.submit(parts.make_certificates, self.dir / "certs")
        self.production = self.pool.submit(self._production)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FOCUS_", "STAND_"))}
        self.stand: Future[parts.StandHandle] = self.pool.submit(parts.stand_up, self.dir / "stand.env", env)
        self.stopped = False

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
        if self.stopped:
            return
        self.stopped = True
        for future, stop in ((self.stand, parts.stand_down), (self.production, parts.Production.stop)):
            with contextlib.suppress(Exception):
                stop(future.result(timeout=240))  # still starting: wait, then stop it
        self.pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.dir, ignore_errors=True)


PARTS: Parts | None = None


def _mine(item: pytest.Item | None) -> bool:
    return item is not None and HERE in Path(item.path).parents


def pytest_collection_finish(session: pytest.Session) -> None:
    global PARTS
    if not session.config.option.collectonly and any(_mine(item) for item in session.items):
        PARTS = Parts()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the last safety test, stop everything: the tests that follow get the machine back."""
    if PARTS is not None and _mine(item) and not _mine(nextitem):
        PARTS.stop()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if PARTS is not None:
        PARTS.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("safety figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="session")
def certs() -> parts.Certificates:
    assert PARTS is not None
    return PARTS.certs.result(timeout=60)


@pytest.fixture(scope="session")
def production() -> parts.Production:
    assert PARTS is not None
    return PARTS.production.result(timeout=180)


@pytest.fixture(scope="session")
def stand() -> parts.StandHandle:
    assert PARTS is not None
    return PARTS.stand.result(timeout=180)


@pytest.fixture(scope="session")
def figures() -> dict[str, Any]:
    return FIGURES


@pytest.fixture(scope="session")
def whole_run(
    production: parts.Production, stand: parts.StandHandle, tmp_path_factory: pytest.TempPathFactory
) -> WholeRun:
    """The quick profile, in one behave process, against the production node, with a REST URL that carries
    credentials of its own; watched on the broker while it runs."""
    rest = stand.env["FOCUS_BASE_URL"].replace("http://", f"http://{REST_USER}:{REST_PASSWORD}@", 1)
    env = production_target(production, stand, FOCUS_BASE_URL=rest)
    with parts.Watcher(production.broker, production.baseline) as watched:
        run = run_behave(env, tmp_path_factory.mktemp("whole-run"), "features", "--tags=not @slow", timeout_s=900)
    FIGURES["whole quick run (one behave process)"] = f"{run.seconds:.0f} s, exit {run.returncode}"
    return WholeRun(run, watched)
