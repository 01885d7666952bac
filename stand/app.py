"""One running stand: broker, AMQP actors, REST and per-job gRPC servers, started and stopped together."""

from __future__ import annotations

import logging
import math
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import requests
import uvicorn

from stand.actors import BabyAnalyzer, FocusPublisher, Interrogator, SmartRecorder
from stand.broker import BrokerStart, PrivateBroker, StandSettings, wait_until_visible
from stand.catalogue import Catalogue
from stand.faults import ActiveFault
from stand.jobs import JobRegistry
from stand.rest import PREFIX, build_app
from stand.tasks import TaskRegistry
from stand.timing import StandTiming

log = logging.getLogger(__name__)


class Stand:
    def __init__(self, settings: StandSettings, state_dir: Path) -> None:
        self.settings = settings
        self.state_dir = state_dir
        self.fault = ActiveFault(settings.fault, StandTiming(settings.stream_limit_s))
        self.broker: PrivateBroker | None = None
        self.focus, self.analyzer = FocusPublisher(self.fault), BabyAnalyzer(self.fault)
        self.actors = (Interrogator(self.fault), SmartRecorder(self.fault), self.analyzer, self.focus)
        self.jobs = JobRegistry(self.fault, self.focus, self.analyzer)
        self.server: uvicorn.Server | None = None
        self.rest = threading.Thread()
        self.stopping = threading.Event()

    def start(self, broker: BrokerStart) -> dict[str, object]:
        """Everything but the broker starts while the broker boots (that is most of the time to ready); the env
        file's lines: FOCUS_* for the suite, STAND_* for `down`."""
        started = time.monotonic()
        # The stand records what it plays from now on, as the real system records continuously.
        catalogue = Catalogue.load(self.settings.recordings, live_since=math.ceil(time.time()))
        tasks = TaskRegistry(self.fault, self.focus, self.analyzer, self.settings.task_idle_ttl_s)
        base_url = self._start_rest(build_app(tasks, self.jobs, catalogue, self.fault, self.settings.api))
        endpoints = broker.result()
        self.broker = broker.private
        for actor in self.actors:
            actor.amqp_url = endpoints.amqp_url
            actor.start()
        ready_by = time.monotonic() + StandTiming.ready_s
        if not all(actor.connected.wait(max(0.0, ready_by - time.monotonic())) for actor in self.actors):
            raise RuntimeError("the AMQP actors did not connect")
        wait_until_visible(endpoints, {actor.connection_name for actor in self.actors}, StandTiming.ready_s)
        threading.Thread(target=self._housekeeping, args=(tasks,), name="housekeeping", daemon=True).start()
        history_from, history_to = (t.isoformat().replace("+00:00", "Z") for t in catalogue.bounds())
        fault = self.fault.name or ""
        took = time.monotonic() - started
        log.info("stand ready in %.1f s at %s (api: %s; fault: %s)", took, base_url, self.settings.api, fault or "none")
        return {
            "FOCUS_BASE_URL": base_url,
            "FOCUS_AMQP_URL": endpoints.amqp_url,
            "FOCUS_RABBITMQ_API_URL": endpoints.api_url,
            "FOCUS_RABBITMQ_API_USER": endpoints.api_user,
            "FOCUS_RABBITMQ_API_PASSWORD": endpoints.api_password,
            "FOCUS_HISTORY_FROM": history_from,
            "FOCUS_HISTORY_TO": history_to,
            "FOCUS_STREAM_LIMIT_S": f"{self.settings.stream_limit_s:g}",
            "STAND_PID": os.getpid(),
            "STAND_STATE_DIR": self.state_dir,
            "STAND_FAULT": fault,
            "STAND_API": self.settings.api,
            "STAND_PRIVATE_BROKER": int(self.broker is not None),
        }

    def _start_rest(self, app: object) -> str:
        # proto must say TCP: asyncio sets TCP_NODELAY only on sockets that do, and without it Nagle's algorithm
        # adds ~40 ms to every answer on a kept-alive connection (headers and body are two writes). uvicorn gets the
        # bound socket, so that no other process can take the port.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=round(StandTiming.keep_alive_s),
            timeout_graceful_shutdown=round(StandTiming.graceful_shutdown_s),
        )
        self.server = uvicorn.Server(config)
        self.rest = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, name="rest", daemon=True)
        self.rest.start()
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}{PREFIX}"
        deadline = time.monotonic() + StandTiming.ready_s
        while True:  # until it answers
            try:
                requests.get(f"{base_url}/ack", timeout=StandTiming.http_probe_s).raise_for_status()
                return base_url
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(StandTiming.poll_s)

    def _housekeeping(self, tasks: TaskRegistry) -> None:
        while not self.stopping.wait(StandTiming.housekeeping_s):
            try:
                tasks.reap_idle()
                self.jobs.reap_unconnected()
            except Exception:
                log.exception("housekeeping failed")

    def stop(self) -> None:
        started = time.monotonic()
        self.stopping.set()
        if self.server is not None:
            self.server.should_exit = True
            self.rest.join(timeout=StandTiming.join_s)
        self.jobs.stop_all()
        for actor in self.actors:
            actor.stopping.set()
        for actor in self.actors:
            if actor.is_alive():
                actor.join(timeout=StandTiming.join_s)
        if self.broker is not None:
            self.broker.stop()
            shutil.rmtree(self.broker.dir, ignore_errors=True)
        log.info("stand stopped in %.1f s", time.monotonic() - started)
