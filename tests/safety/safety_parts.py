"""The real parts that the safety tests share (see conftest.py), and how to start and stop them."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safety_broker import ProductionBroker, ProductionConsumer, Snapshot, preload, snapshot
from safety_certs import Certificates, make_certificates
from safety_runs import ROOT

STATS_INTERVAL_S = 5.0  # RabbitMQ's default collect_statistics_interval, which the production node keeps
STABLE_FOR_S = 2 * STATS_INTERVAL_S + 1  # every queue has emitted fresh statistics at least once in that time
SNAPSHOT_TIMEOUT_S = 60.0


@dataclass
class StandHandle:
    env_file: Path
    env: dict[str, str]
    password: str

    @property
    def focus(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if k.startswith("FOCUS_")}


@dataclass
class Production:
    broker: ProductionBroker
    consumer: ProductionConsumer
    baseline: Snapshot

    @property
    def password(self) -> str:
        return self.broker.password

    def wait_until_as_before(self, timeout_s: float = SNAPSHOT_TIMEOUT_S) -> tuple[Snapshot, float]:
        """Poll until the management API shows the baseline, and keeps showing it for longer than two rounds of
        its statistics (a count that changed late would still show the old value for up to one round).

        Returns the last snapshot and the seconds until it first showed the baseline.
        """
        started = time.monotonic()
        return held_snapshot(self.broker, lambda current: current == self.baseline, timeout_s, started)


def held_snapshot(
    broker: ProductionBroker, wanted: Callable[[Snapshot], bool], timeout_s: float, started: float | None = None
) -> tuple[Snapshot, float]:
    """Poll (never a fixed sleep) until `wanted` holds on every snapshot for longer than two statistics rounds,
    or the timeout: the last snapshot, and the seconds until `wanted` first held (-1 if never)."""
    started = time.monotonic() if started is None else started
    held: Snapshot | None = None
    held_since = first = -1.0
    while True:
        current = snapshot(broker)
        now = time.monotonic()
        if wanted(current) and (held is None or current == held):
            if held is None:
                held, held_since = current, now
                first = now - started if first < 0 else first
            elif now - held_since > STABLE_FOR_S:
                return current, first
        else:
            held = None
        if now - started > timeout_s:
            return current, first
        time.sleep(0.5)


def poll_snapshot(
    broker: ProductionBroker, wanted: Callable[[Snapshot], bool], timeout_s: float, pump: Any = None
) -> tuple[Snapshot, float]:
    """Poll until `wanted` holds once, or the timeout: the last snapshot, and the seconds it took.

    `pump`, a pika BlockingConnection of the caller's, is kept serviced (heartbeats) meanwhile.
    """
    started = time.monotonic()
    while True:
        current = snapshot(broker)
        if wanted(current) or time.monotonic() - started > timeout_s:
            return current, time.monotonic() - started
        if pump is not None:
            pump.process_data_events(time_limit=0.5)
        else:
            time.sleep(0.5)


def settled_snapshot(broker: ProductionBroker, ready: Callable[[Snapshot], bool], timeout_s: float) -> Snapshot:
    """The state once it satisfies `ready` and has stayed the same for more than two statistics rounds."""
    current, first = held_snapshot(broker, ready, timeout_s)
    if first < 0:
        raise RuntimeError(f"the production broker's state did not settle within {timeout_s:g} s: {current}")
    return current


def _expected_preload(state: Snapshot) -> bool:
    data = state.data
    return (
        (data.get("queue / recorder_input") or {}).get("messages") == 7
        and (data.get("queue / interrogator_input") or {}).get("messages") == 4
        and (data.get("queue / job_abc123_results") or {}).get("consumers") == 1
        and data.get("connections") == ["production-analyzer"]
        and data.get("channels") == 1
    )


@dataclass
class Safety:
    dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="focus-safety-")))
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=3))
    certs: Future[Certificates] | None = None
    production: Future[Production] | None = None
    stand: Future[StandHandle] | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    stopped: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        self.certs = self.pool.submit(make_certificates, self.dir / "certs")
        self.production = self.pool.submit(self._start_production)
        self.stand = self.pool.submit(self._start_stand)

    def _start_production(self) -> Production:
        certs = self.certs.result()
        # '@' must be percent-encoded in the AMQP URL: the suite has to decode it for the management API.
        broker = ProductionBroker(self.dir / "production", "focus", f"Prod-Pw-{secrets.token_hex(6)}@x", certs)
        broker.start()
        preload(broker)
        consumer = ProductionConsumer(broker.amqp_url)
        consumer.start()
        baseline = settled_snapshot(broker, _expected_preload, timeout_s=SNAPSHOT_TIMEOUT_S)
        return Production(broker, consumer, baseline)

    def _start_stand(self) -> StandHandle:
        env_file = self.dir / "stand.env"
        # '!', '/', '#' and '?' are percent-encoded in the stand's AMQP URL: the masking has to catch both forms (and
        # a URL parser would end the password early at '/', '#' or '?': masking goes by value, never by parsing).
        password = f"Stand/Pw#{secrets.token_hex(6)}?!x"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FOCUS_", "STAND_"))}
        env["STAND_BROKER_PASSWORD"] = password
        done = subprocess.run(
            [sys.executable, "-m", "stand", "up", "--env-file", str(env_file)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if done.returncode != 0:
            raise RuntimeError(f"stand up failed ({done.returncode}): {done.stderr[-2000:]}")
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        return StandHandle(env_file, values, password)

    def stop(self) -> None:
        with self.lock:
            if self.stopped:
                return
            self.stopped = True
        handle = None
        if self.stand is not None:
            try:
                handle = self.stand.result(timeout=240)  # still starting (no test needed it yet): wait, then stop it
            except Exception:
                handle = None
        if handle is not None:
            subprocess.run(
                [sys.executable, "-m", "stand", "down", "--env-file", str(handle.env_file)],
                cwd=ROOT,
                capture_output=True,
                timeout=120,
            )
        if self.production is not None:
            try:
                production = self.production.result(timeout=120)
            except Exception:
                production = None
            if production is not None:
                production.consumer.close()
                production.broker.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.dir, ignore_errors=True)
