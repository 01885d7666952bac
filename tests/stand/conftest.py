"""Real stands for the integration tests, started in the background as soon as collection knows what is needed.

One private RabbitMQ node (`stand broker-up`) holds them all, each stand in a vhost of its own (`stand up
--broker-env`), so that the session starts one node, not one per stand:
- the main stand (short test-only stream limit) for the contract tests;
- the fault stands, brought up, checked clause by clause and brought down a few at a time while other tests run;
- with slow tests selected, a stand at test_slow.SLOW_LIMIT_S whose streams run in the background.
Only what restarts its broker (test_lifecycle) or claims a node of its own starts a private one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from clause_checks import evaluate
from stand_wire import StandHandle, stand_cli

from stand.control import SharedBroker, read_env_file
from stand.faults import FAULTS
from stand.timing import StandTiming

TEST_STREAM_LIMIT_S = 8.0
FAULT_STREAM_LIMIT_S = 8.0  # room for history-overrun's seconds (StandTiming.overrun_s) after a 1-s history
FAULT_WORKERS = 4  # fault stands checked at once: each mostly waits on its stand (3 kept the 2 cores 60 % busy)
# The main stand: the shared broker's start, then its own (a busy host takes longer than either's own budget).
MAIN_READY_S = StandTiming.broker_start_s + StandTiming.up_s + StandTiming.ready_s


class Stands:
    """Everything started for this session, and how to stop it."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="stand-tests-"))
        self.pool = ThreadPoolExecutor(max_workers=6)
        self.fault_pool = ThreadPoolExecutor(max_workers=FAULT_WORKERS)
        self.main: Future[StandHandle] | None = None
        self.shared_broker: Future[SharedBroker] | None = None
        self.fault_results: dict[str, Future[dict]] = {}
        self.slow: Future[dict] | None = None
        self.started: list[StandHandle] = []

    # -- stands --------------------------------------------------------------------------------------------------

    def up(self, name: str, *args: str) -> StandHandle:
        env_file = self.dir / f"{name}.env"
        done = stand_cli("up", *args, "--env-file", str(env_file))
        if done.returncode != 0:
            raise RuntimeError(f"stand up {name} failed: {done.stderr[-2000:]}")
        handle = StandHandle(env_file, read_env_file(env_file))
        self.started.append(handle)
        return handle

    def down(self, handle: StandHandle) -> None:
        stand_cli("down", "--env-file", str(handle.env_file), "--keep-logs", str(self.dir / handle.env_file.stem))
        if handle in self.started:
            self.started.remove(handle)

    def on_shared_broker(self, name: str, *args: str) -> StandHandle:
        """A stand in a vhost of its own on the session's one node (`down` removes the vhost with it)."""
        broker = self.shared_broker.result()
        return self.up(name, "--broker-env", str(broker.env_file), *args)

    def check_fault(self, fault: str) -> dict[str, str | None]:
        """Up, every clause check, down: in the background."""
        handle = self.on_shared_broker(fault, "--fault", fault, "--stream-limit", str(FAULT_STREAM_LIMIT_S))
        try:
            return evaluate(handle)
        finally:
            self.down(handle)

    def stop(self) -> None:
        for handle in list(self.started):
            self.down(handle)
        if self.shared_broker is not None and self.shared_broker.done() and not self.shared_broker.exception():
            self.shared_broker.result().__exit__()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.fault_pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.dir, ignore_errors=True)


STANDS: Stands | None = None


def pytest_collection_finish(session: pytest.Session) -> None:
    global STANDS
    here = Path(__file__).parent
    mine = [item for item in session.items if here in item.path.parents]
    if not mine or session.config.option.collectonly:
        return
    STANDS = stands = Stands()
    needs_main = any("stand" in item.fixturenames for item in mine)
    fault_items = [item for item in mine if item.path.name == "test_faults.py"]
    slow_items = [item for item in mine if item.get_closest_marker("slow")]
    if needs_main or fault_items or slow_items or any("stands" in item.fixturenames for item in mine):
        stands.shared_broker = stands.pool.submit(SharedBroker.up, stands.dir / "broker.env")
    if needs_main:
        stands.main = stands.pool.submit(stands.on_shared_broker, "main", "--stream-limit", str(TEST_STREAM_LIMIT_S))
    if slow_items:
        from test_slow import SLOW_LIMIT_S, run_slow_probe

        stands.slow = stands.pool.submit(run_slow_probe, stands, SLOW_LIMIT_S)
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
    """The main stand (a vhost of the shared broker, stream limit of TEST_STREAM_LIMIT_S)."""
    return stands.main.result(timeout=MAIN_READY_S)


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
