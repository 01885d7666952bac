"""Real stands for the integration tests, started in the background as soon as collection knows what is needed.

- one main stand (private broker, short test-only stream limit) for the contract tests;
- one shared private broker whose vhosts hold the fault stands (`python -m stand up --fault X --amqp-url ...`),
  brought up, checked clause by clause and brought down a few at a time while other tests run;
- with slow tests selected, a stand with the real 180 s limit whose streams run in the background.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from clause_checks import evaluate
from stand_wire import StandHandle, read_env, stand_cli

from stand.broker import PrivateBroker
from stand.faults import FAULTS

TEST_STREAM_LIMIT_S = 8.0
FAULT_STREAM_LIMIT_S = 8.0  # room for history-overrun's seconds (StandTiming.overrun_s) after a 1-s history
FAULT_WORKERS = 3  # fault stands checked at once (2 cores: more makes timing checks flaky)


class Stands:
    """Everything started for this session, and how to stop it."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="stand-tests-"))
        self.pool = ThreadPoolExecutor(max_workers=6)
        self.fault_pool = ThreadPoolExecutor(max_workers=FAULT_WORKERS)
        self.main: Future[StandHandle] | None = None
        self.shared_broker: Future[PrivateBroker] | None = None
        self.fault_results: dict[str, Future[dict]] = {}
        self.slow: Future[dict] | None = None
        self.started: list[StandHandle] = []

    # -- stands --------------------------------------------------------------------------------------------------

    def up(self, name: str, *args: str, env: dict[str, str] | None = None) -> StandHandle:
        env_file = self.dir / f"{name}.env"
        started = time.monotonic()
        done = stand_cli("up", *args, "--env-file", str(env_file), env=env)
        if done.returncode != 0:
            raise RuntimeError(f"stand up {name} failed: {done.stderr[-2000:]}")
        handle = StandHandle(env_file, read_env(env_file), up_seconds=time.monotonic() - started)
        self.started.append(handle)
        return handle

    def down(self, handle: StandHandle) -> None:
        stand_cli("down", "--env-file", str(handle.env_file), "--keep-logs", str(self.dir / handle.env_file.stem))
        if handle in self.started:
            self.started.remove(handle)

    def on_shared_broker(self, name: str, *args: str) -> StandHandle:
        broker = self.shared_broker.result()
        vhost = f"stand-{name}"
        endpoints = broker.endpoints(vhost)
        api = f"{endpoints.api_url}/api"
        auth = (endpoints.api_user, endpoints.api_password)
        requests.put(f"{api}/vhosts/{quote(vhost, safe='')}", auth=auth, timeout=10).raise_for_status()
        requests.put(
            f"{api}/permissions/{quote(vhost, safe='')}/{endpoints.api_user}",
            json={"configure": ".*", "write": ".*", "read": ".*"},
            auth=auth,
            timeout=10,
        ).raise_for_status()
        # The AMQP URL (with its password) goes by environment, never on a command line.
        env = {"STAND_AMQP_URL": endpoints.amqp_url, "STAND_RABBITMQ_API_PASSWORD": endpoints.api_password}
        return self.up(name, "--rabbitmq-api-url", endpoints.api_url, *args, env=env)

    def start_shared_broker(self) -> PrivateBroker:
        broker = PrivateBroker(self.dir / "shared-broker", "focus", None)
        broker.start()
        return broker

    def check_fault(self, fault: str) -> dict:
        """Up, every clause check, the fault's own effect, down: all in the background."""
        from fault_effects import EFFECTS

        handle = self.on_shared_broker(fault, "--fault", fault, "--stream-limit", str(FAULT_STREAM_LIMIT_S))
        try:
            effect = None
            try:
                EFFECTS[fault](handle)
            except AssertionError as exc:
                effect = str(exc) or "assertion failed"
            return {"clauses": evaluate(handle), "effect_missing": effect, "up_seconds": handle.up_seconds}
        finally:
            self.down(handle)

    def stop(self) -> None:
        for handle in list(self.started):
            self.down(handle)
        if self.shared_broker is not None and self.shared_broker.done() and not self.shared_broker.exception():
            self.shared_broker.result().stop()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.fault_pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.dir, ignore_errors=True)


STANDS: Stands | None = None


def _selected(session: pytest.Session, module: str) -> list[pytest.Item]:
    return [item for item in session.items if item.path.name == module]


def pytest_collection_finish(session: pytest.Session) -> None:
    global STANDS
    here = Path(__file__).parent
    mine = [item for item in session.items if here in item.path.parents]
    if not mine or session.config.option.collectonly:
        return
    STANDS = stands = Stands()
    needs_main = any(item.path.name not in ("test_faults.py", "test_lifecycle.py") for item in mine)
    fault_items = _selected(session, "test_faults.py")
    slow_items = [item for item in mine if item.get_closest_marker("slow")]
    if needs_main:
        stands.main = stands.pool.submit(stands.up, "main", "--stream-limit", str(TEST_STREAM_LIMIT_S))
    if fault_items or slow_items:
        stands.shared_broker = stands.pool.submit(stands.start_shared_broker)
    if slow_items:
        from slow_probe import run_slow_probe

        stands.slow = stands.pool.submit(run_slow_probe, stands)
    wanted = [f.name for f in FAULTS if any(f.name in item.name for item in fault_items)]
    for name in wanted:
        stands.fault_results[name] = stands.fault_pool.submit(stands.check_fault, name)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if STANDS is not None:
        STANDS.stop()


@pytest.fixture(scope="session")
def stands() -> Stands:
    assert STANDS is not None
    return STANDS


@pytest.fixture(scope="session")
def stand(stands: Stands) -> StandHandle:
    """The main stand (private broker, stream limit of TEST_STREAM_LIMIT_S)."""
    return stands.main.result(timeout=120)


@pytest.fixture(scope="session")
def amqp_url(stand: StandHandle) -> str:
    return stand.env["FOCUS_AMQP_URL"]


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
