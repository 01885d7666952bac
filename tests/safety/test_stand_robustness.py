"""The stand takes the abuse a real server takes: 20 tasks polled at once, schemathesis against its OpenAPI (at
least 500 generated requests, no 5xx, no crash), and a broker restart while it runs, after which the Smart
Recorder's messages and Focus Server's commands resume within 10 s (measured from the moment the broker answers
again). Run last among the stand's users in this folder's order of tests, since the restart disturbs it.
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pika
import requests
from safety_parts import StandHandle

from support.amqp_probe import AmqpProbe, Delivery
from support.focus_api import FocusServer
from support.live import WaterfallPolling, configure_live_task
from support.models import ConfigAccepted, TaskConfig
from support.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CONCURRENT_TASKS = 20
POLL_FOR_S = 5.0
FUZZ_EXAMPLES = 50  # per operation; with the coverage phase and unsupported methods, about 600 requests
MIN_FUZZ_REQUESTS = 500
RESUME_LIMIT_S = 10.0


def _settings(stand: StandHandle) -> Settings:
    return Settings(**{key.removeprefix("FOCUS_").lower(): value for key, value in stand.focus.items()})


def test_twenty_tasks_polled_at_once_without_an_error(stand: StandHandle, figures: dict) -> None:
    # A load on the stand, not a nightly: as many tasks alive at once as it polls (the run's FOCUS_MAX_JOBS is 10).
    settings = _settings(stand).model_copy(update={"max_jobs": CONCURRENT_TASKS})
    start = threading.Barrier(CONCURRENT_TASKS)
    statuses: dict[str, collections.Counter[str]] = {}
    errors: list[str] = []

    def one_task(number: int) -> None:
        focus = FocusServer(settings)
        task_id = f"safety_concurrent_{number}"
        counts = statuses.setdefault(task_id, collections.Counter())
        try:
            accepted = focus.config_task(task_id, TaskConfig(sensors={"min": number * 10, "max": number * 10 + 15}))
            assert isinstance(accepted.body, ConfigAccepted), accepted.text
            start.wait(timeout=30)  # every task is polled from the same instant on
            end = time.monotonic() + POLL_FOR_S
            while time.monotonic() < end:
                counts[f"waterfall {focus.waterfall(task_id, 50).status}"] += 1  # the model checks every block
                counts[f"metadata {focus.task_metadata(task_id).status}"] += 1
                focus.exchanges.clear()
        except Exception as error:  # every kind of failure is the finding: collect, report all at once
            errors.append(f"{task_id}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=one_task, args=(n,)) for n in range(CONCURRENT_TASKS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    polls = sum(sum(c.values()) for c in statuses.values())
    figures["20 concurrent tasks"] = f"{polls} calls in {time.monotonic() - started:.1f} s, {len(errors)} errors"

    assert errors == []
    for task_id, counts in statuses.items():
        assert set(counts) <= {"waterfall 200", "waterfall 201", "metadata 200", "metadata 201"}, (task_id, counts)
        assert counts["waterfall 201"] > 0 and counts["metadata 201"] > 0, (task_id, counts)


def test_schemathesis_finds_no_5xx_and_no_crash(stand: StandHandle, tmp_path: Path, figures: dict) -> None:
    base_url = stand.env["FOCUS_BASE_URL"]
    har = tmp_path / "fuzz.har"
    log = Path(stand.env["STAND_STATE_DIR"]) / "stand.log"
    log_before = log.read_text(errors="replace") if log.exists() else ""
    done = subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/openapi.json",
            "--checks", "not_a_server_error", "--max-examples", str(FUZZ_EXAMPLES), "--seed", "20251009",
            "--workers", "1", "--phases", "examples,coverage,fuzzing", "--no-shrink",
            "--report", "har", "--report-har-path", str(har),
        ],
        cwd=tmp_path,  # its cache folder goes here, not into the repository
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    entries = json.loads(har.read_text())["log"]["entries"]
    by_status = collections.Counter(entry["response"]["status"] for entry in entries)
    server_errors = sum(count for status, count in by_status.items() if status >= 500)
    no_answer = by_status.get(0, 0)
    figures["schemathesis requests"] = f"{len(entries)} ({dict(sorted(by_status.items()))})"
    figures["schemathesis 5xx"] = server_errors

    assert done.returncode == 0, done.stdout[-4000:]
    assert len(entries) >= MIN_FUZZ_REQUESTS
    assert server_errors == 0 and no_answer == 0
    assert requests.get(f"{base_url}/ack", timeout=5).status_code == 200  # still up
    new_log = (log.read_text(errors="replace") if log.exists() else "")[len(log_before) :]
    assert "unexpected error" not in new_log and "Traceback" not in new_log  # no bug hidden behind a 400


class BrokerWatch(threading.Thread):
    """Tries an AMQP connection every 0.2 s: when the broker stopped taking them, and when it took them again."""

    def __init__(self, amqp_url: str) -> None:
        super().__init__(name="broker-watch", daemon=True)
        self.parameters = pika.URLParameters(amqp_url)
        self.parameters.connection_attempts = 1
        self.parameters.socket_timeout = 1
        self.down_at: float | None = None
        self.up_at: float | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2) and self.up_at is None:
            try:
                pika.BlockingConnection(self.parameters).close()
                if self.down_at is not None:
                    self.up_at = time.monotonic()
            except (pika.exceptions.AMQPError, OSError):
                self.down_at = self.down_at or time.monotonic()


def test_after_a_broker_restart_recorder_messages_and_commands_resume_within_10_s(
    stand: StandHandle, figures: dict
) -> None:
    settings = _settings(stand)
    focus = FocusServer(settings)
    before = configure_live_task(focus)  # polled throughout: its keepalives stop with the broker, then resume
    watch = BrokerWatch(stand.env["FOCUS_AMQP_URL"])
    with WaterfallPolling(settings, before):
        watch.start()
        done = subprocess.run(
            [sys.executable, "-m", "stand", "restart-broker", "--env-file", str(stand.env_file)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        watch.join(timeout=30)
        watch.stop.set()
        assert watch.down_at is not None and watch.up_at is not None, "the broker was never seen down and up again"
        # A probe can only listen once the broker is back, so what it times is an upper bound of the resumption.
        with AmqpProbe(settings) as probe:
            probe.listen("prisma", "recorder.data.#")
            probe.listen("prisma", "baby_analyzer.commands.#")
            after = configure_live_task(focus)  # its region-of-interest command is new after the restart

            def first(kind: str, test: Callable[[Delivery], bool]) -> Delivery:
                return probe.collect(
                    lambda got: next((d for d in got if test(d)), None),
                    reason=f"{kind} after the broker restart",
                    timeout_s=30,
                )

            recorder = first("a Smart Recorder message", lambda d: d.routing_key.startswith("recorder.data."))
            keepalive = first("a keepalive command", lambda d: d.body_type == "KeepaliveCommand")
            roi = first("the new task's roi command", lambda d: (d.body or {}).get("value") == after.region)
    resumed = {
        "Smart Recorder messages": recorder.arrived_at - watch.up_at,
        "keepalive commands (task polled throughout)": keepalive.arrived_at - watch.up_at,
        "roi command (task configured after)": roi.arrived_at - watch.up_at,
    }
    figures["broker restart: AMQP refused for"] = f"{watch.up_at - watch.down_at:.1f} s"
    for name, seconds in resumed.items():
        figures[f"resumed after the broker took connections again: {name}"] = f"{seconds:.1f} s"
    assert all(seconds < RESUME_LIMIT_S for seconds in resumed.values()), resumed
