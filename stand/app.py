"""One running stand: broker, AMQP actors, REST and per-job gRPC servers, started and stopped together."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import threading
import time
from dataclasses import asdict
from pathlib import Path

import requests
import uvicorn
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from stand.actors import Actors
from stand.broker import BrokerStart, PrivateBroker, wait_until_visible
from stand.catalogue import Catalogue
from stand.faults import ActiveFault
from stand.info import StandInfo
from stand.jobs import JobRegistry
from stand.options import StandSettings
from stand.ports import bound_socket
from stand.rest import PREFIX, build_app
from stand.streaming import serve
from stand.tasks import TaskRegistry
from stand.timing import StandTiming

log = logging.getLogger(__name__)

READY_TIMEOUT_S = StandTiming.ready_s


class NotAnswering(Exception):
    pass


class Stand:
    def __init__(self, settings: StandSettings, state_dir: Path) -> None:
        self.settings = settings
        self.state_dir = state_dir
        self.fault = ActiveFault(settings.fault, settings.timing)
        self.broker: PrivateBroker | None = None
        self.actors: Actors | None = None
        self.jobs: JobRegistry | None = None
        self.tasks: TaskRegistry | None = None
        self.server: uvicorn.Server | None = None
        self.server_thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def start(self, broker: BrokerStart) -> StandInfo:
        """Everything but the broker starts while the broker boots (that is most of the time to ready)."""
        started = time.monotonic()
        self.actors = Actors(self.fault)
        # The stand records what it plays from now on, as the real system records continuously.
        catalogue = Catalogue.load(self.settings.recordings, live_since=math.ceil(time.time()))
        self.tasks = TaskRegistry(
            catalogue, self.fault, self.actors.focus, self.actors.analyzer, self.settings.task_idle_ttl_s
        )
        self.jobs = JobRegistry(
            self.fault,
            self.actors.focus,
            self.actors.analyzer,
            self.settings.stream_limit_s,
            self.settings.timing.job_unconnected_ttl_s,
            serve,
        )
        base_url = self._start_rest(build_app(self.tasks, self.jobs, catalogue, self.fault, self.settings.api))
        endpoints = broker.result()
        self.broker = broker.private
        self.actors.start(endpoints.amqp_url)
        if not self.actors.wait_connected(READY_TIMEOUT_S):
            raise RuntimeError("the AMQP actors did not connect")
        wait_until_visible(endpoints, self.actors.names, READY_TIMEOUT_S)
        threading.Thread(target=self._housekeeping, name="housekeeping", daemon=True).start()
        history_from, history_to = catalogue.bounds()
        log.info(
            "stand ready in %.1f s at %s (api: %s; fault: %s)",
            time.monotonic() - started,
            base_url,
            self.settings.api,
            self.fault.name or "none",
        )
        return StandInfo(
            base_url=base_url,
            amqp_url=endpoints.amqp_url,
            api_url=endpoints.api_url,
            api_user=endpoints.api_user,
            api_password=endpoints.api_password,
            history_from=history_from.isoformat().replace("+00:00", "Z"),
            history_to=history_to.isoformat().replace("+00:00", "Z"),
            pid=os.getpid(),
            state_dir=str(self.state_dir),
            fault=self.fault.name or "",
            stream_limit_s=self.settings.stream_limit_s,
            private_broker=self.broker is not None,
            api=self.settings.api,
        )

    def _start_rest(self, app: object) -> str:
        sock = bound_socket()
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=round(StandTiming.keep_alive_s),
            timeout_graceful_shutdown=round(StandTiming.graceful_shutdown_s),
        )
        self.server = uvicorn.Server(config)
        self.server_thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, name="rest", daemon=True
        )
        self.server_thread.start()
        base_url = f"http://127.0.0.1:{port}{PREFIX}"

        @retry(
            retry=retry_if_exception_type(NotAnswering),
            wait=wait_fixed(StandTiming.exit_poll_s),
            stop=stop_after_delay(StandTiming.rest_answers_s),
            reraise=True,
        )
        def answers() -> None:
            try:
                if requests.get(f"{base_url}/ack", timeout=StandTiming.http_probe_s).status_code != 200:
                    raise NotAnswering("GET /ack is not 200")
            except requests.RequestException as exc:
                raise NotAnswering(str(exc)) from exc

        answers()
        return base_url

    def _housekeeping(self) -> None:
        while not self.stopping.wait(StandTiming.housekeeping_s):
            try:
                self.tasks.reap_idle()
                self.jobs.reap_unconnected()
            except Exception:
                log.exception("housekeeping failed")

    def restart_broker(self) -> None:
        if self.broker is None:
            raise RuntimeError("the stand uses an existing broker; restart it where it runs")
        self.broker.restart()

    def stop(self) -> None:
        started = time.monotonic()
        self.stopping.set()
        if self.server is not None:
            self.server.should_exit = True
            self.server_thread.join(timeout=StandTiming.server_join_s)
        if self.jobs is not None:
            self.jobs.stop_all()
        if self.actors is not None:
            self.actors.stop()
        if self.broker is not None:
            self.broker.stop()
            shutil.rmtree(self.broker.dir, ignore_errors=True)
        log.info("stand stopped in %.1f s", time.monotonic() - started)


def write_ready_file(path: Path, info: StandInfo) -> None:
    """Written atomically (rename) and readable by the owner only: it holds the broker password."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(info)))
    tmp.chmod(0o600)
    tmp.rename(path)
