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
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from stand.actors import Actors
from stand.broker import BrokerStart, PrivateBroker, StandSettings, wait_until_visible
from stand.catalogue import Catalogue
from stand.faults import ActiveFault
from stand.jobs import JobRegistry
from stand.rest import PREFIX, build_app
from stand.streaming import serve
from stand.tasks import TaskRegistry
from stand.timing import StandTiming

log = logging.getLogger(__name__)


class Stand:
    def __init__(self, settings: StandSettings, state_dir: Path) -> None:
        self.settings = settings
        self.state_dir = state_dir
        self.fault = ActiveFault(settings.fault, StandTiming(settings.stream_limit_s))
        self.broker: PrivateBroker | None = None
        self.actors = Actors(self.fault)
        self.jobs: JobRegistry | None = None
        self.server: uvicorn.Server | None = None
        self.rest = threading.Thread()
        self.stopping = threading.Event()

    def start(self, broker: BrokerStart) -> dict[str, object]:
        """Everything but the broker starts while the broker boots (that is most of the time to ready); the env
        file's lines: FOCUS_* for the suite, STAND_* for `down`."""
        started = time.monotonic()
        # The stand records what it plays from now on, as the real system records continuously.
        catalogue = Catalogue.load(self.settings.recordings, live_since=math.ceil(time.time()))
        focus, analyzer = self.actors.focus, self.actors.analyzer
        tasks = TaskRegistry(catalogue, self.fault, focus, analyzer, self.settings.task_idle_ttl_s)
        ttl_s = self.fault.timing.job_unconnected_ttl_s
        self.jobs = JobRegistry(self.fault, focus, analyzer, self.settings.stream_limit_s, ttl_s, serve)
        base_url = self._start_rest(build_app(tasks, self.jobs, catalogue, self.fault, self.settings.api))
        endpoints = broker.result()
        self.broker = broker.private
        self.actors.start(endpoints.amqp_url)
        if not self.actors.wait_connected(StandTiming.ready_s):
            raise RuntimeError("the AMQP actors did not connect")
        wait_until_visible(endpoints, self.actors.names, StandTiming.ready_s)
        threading.Thread(target=self._housekeeping, args=(tasks,), name="housekeeping", daemon=True).start()
        history_from, history_to = (t.isoformat().replace("+00:00", "Z") for t in catalogue.bounds())
        fault = self.fault.name or ""
        log.info(
            "stand ready in %.1f s at %s (api: %s; fault: %s)",
            time.monotonic() - started,
            base_url,
            self.settings.api,
            fault or "none",
        )
        api_url, api_user, api_password = endpoints.api
        return {
            "FOCUS_BASE_URL": base_url,
            "FOCUS_AMQP_URL": endpoints.amqp_url,
            "FOCUS_RABBITMQ_API_URL": api_url,
            "FOCUS_RABBITMQ_API_USER": api_user,
            "FOCUS_RABBITMQ_API_PASSWORD": api_password,
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
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_keep_alive=round(StandTiming.keep_alive_s),
                timeout_graceful_shutdown=round(StandTiming.graceful_shutdown_s),
            )
        )
        self.rest = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, name="rest", daemon=True)
        self.rest.start()
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}{PREFIX}"

        @retry(
            retry=retry_if_exception_type(requests.RequestException),
            wait=wait_fixed(StandTiming.poll_s),
            stop=stop_after_delay(StandTiming.ready_s),
            reraise=True,
        )
        def answers() -> None:
            requests.get(f"{base_url}/ack", timeout=StandTiming.http_probe_s).raise_for_status()

        answers()
        return base_url

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
        if self.jobs is not None:
            self.jobs.stop_all()
        self.actors.stop()
        if self.broker is not None:
            self.broker.stop()
            shutil.rmtree(self.broker.dir, ignore_errors=True)
        log.info("stand stopped in %.1f s", time.monotonic() - started)
