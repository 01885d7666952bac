"""The Focus Server's REST API (task API and job API) under `/focus-server`, with the contract's status codes."""

from __future__ import annotations

import logging
import math
import re
import time

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from stand import fiber
from stand.catalogue import Catalogue
from stand.faults import ActiveFault, offered_apis
from stand.jobs import JobRegistry
from stand.request_bodies import ConfigTaskRequest, ConfigureRequest, TimeRangeRequest
from stand.tasks import Poll, TaskRegistry
from stand.timing import StandTiming

log = logging.getLogger(__name__)

PREFIX = "/focus-server"
NO_RECORDINGS = "No recordings found in the requested time range"
NOT_FOUND_TODAY = "No recording found in given time range"  # what the real server answers today (404)
STRICT_GAPS = "Recordings do not cover the whole requested time range"
JOB_ID = re.compile(r"^\d+-\d+$")
TASK_ID_PATTERN = r"^[A-Za-z0-9_-]{1,200}$"  # also a valid AMQP queue name once `_results` is appended
SLOW_METADATA_S = StandTiming.slow_metadata_s
SLOW_TASK_METADATA_S = StandTiming.slow_task_metadata_s
SLOW_FAIL_FAST_S = StandTiming.slow_fail_fast_s
RESENT_WITHIN_S = StandTiming.resent_within_s  # configure-not-equivalent / resent-job-lingers: a frontend's resend


def error(status: int, text: str) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status)


class HistoryGate:
    """Clause 4.1 and 4.6 in one place: what a history window without (full) coverage answers."""

    def __init__(self, catalogue: Catalogue, fault: ActiveFault) -> None:
        self.catalogue = catalogue
        self.fault = fault

    def refuse(self, start: float, end: float) -> JSONResponse | None:
        """An error answer for the window, or None when it may run."""
        if not self.catalogue.overlapping(start, end):
            if self.fault.on("no-fail-fast"):
                return None
            if self.fault.on("not-found-404"):
                return error(404, NOT_FOUND_TODAY)
            if self.fault.on("slow-fail-fast"):
                time.sleep(SLOW_FAIL_FAST_S)
            return error(400, NO_RECORDINGS)
        if self.fault.on("strict-gaps"):
            covered = sum(b - a for a, b in self.catalogue.segments(start, end, self.fault))
            if covered < math.ceil(end) - math.ceil(start):
                return error(400, STRICT_GAPS)
        return None


class SeenBodies:
    """Fault degrade-seen-body: every configure body answered so far (task id aside), for the stand's whole life."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def seen_before(self, body: BaseModel) -> bool:
        key = body.model_dump_json()
        seen = key in self.seen
        self.seen.add(key)
        return seen


def _degraded(answer: dict) -> dict:
    """Fault degrade-seen-body: the answer describes the first half of the channels only (the job streams them all)."""
    channels = sorted(answer["channel_to_stream_index"], key=int)
    kept = channels[: max(1, len(channels) // 2)]
    index = {channel: answer["channel_to_stream_index"][channel] for channel in kept}
    return answer | {"channel_to_stream_index": index, "channel_amount": len(kept)}


class Resends:
    """Tells a resent `POST /configure` (the same body as the one before it, within a few seconds) from a new one."""

    def __init__(self) -> None:
        self.last: tuple[ConfigureRequest, float] | None = None

    def is_resend(self, body: ConfigureRequest) -> bool:
        now = time.monotonic()
        resent = self.last is not None and self.last[0] == body and now - self.last[1] < RESENT_WITHIN_S
        self.last = (body, now)
        return resent


def build_app(
    tasks: TaskRegistry, jobs: JobRegistry, catalogue: Catalogue, fault: ActiveFault, api: str = "both"
) -> FastAPI:
    """The REST app of the shape `api`: the task API, the job API or both. A route of the other API is simply not
    there, so FastAPI answers it 404 `{"detail": "Not Found"}`, as the production server (job API only) does."""
    app = FastAPI(
        title="Focus Server (embedded stand)",
        version=fiber.SW_VERSION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    offered = offered_apis(api)
    api_router = APIRouter(prefix=PREFIX)
    task_api = APIRouter(prefix=PREFIX)
    job_api = APIRouter(prefix=PREFIX)
    gate = HistoryGate(catalogue, fault)
    resends = Resends()
    seen = SeenBodies()

    @app.exception_handler(Exception)
    async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # An honest 500 and a log line: a bug of the stand must show, never pass for the client's fault (a 400
        # would hide it from the fuzzing test, which counts 5xx; tests/safety/test_stand_robustness.py).
        log.exception("unexpected error on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return error(500, f"Internal Server Error: {type(exc).__name__}")

    # -- task API ------------------------------------------------------------------------------------------------

    @task_api.post("/config/{task_id}", summary="Configure (start) a task; idempotent for the same body")
    def config_task(body: ConfigTaskRequest, task_id: str = Path(pattern=TASK_ID_PATTERN)) -> Response:
        segments = None
        if body.is_history:
            start, end = body.window()
            refusal = gate.refuse(start, end)
            if refusal is not None:
                if fault.on("refused-task-lingers"):
                    tasks.refused.add(task_id)
                return refusal
            segments = tasks.history_segments(body)
        current = tasks.find(task_id)
        if current is not None and current.request == body and fault.on("config-not-idempotent"):
            return error(409, f"Task {task_id} is already configured")
        tasks.configure(task_id, body, segments)
        if seen.seen_before(body) and fault.on("degrade-seen-body"):
            return JSONResponse({"status": "Config received successfully", "task_id": task_id, "cached": True})
        return JSONResponse({"status": "Config received successfully", "task_id": task_id})

    @task_api.get("/waterfall/{task_id}/{row_count}", summary="Pull rows: 201 rows, 200 none yet, 208 end of stream")
    def waterfall(task_id: str, row_count: int) -> Response:
        if row_count <= 0:
            return error(400, "row_count must be > 0")
        task = tasks.find(task_id)
        if task is None:
            if task_id in tasks.refused:  # fault refused-task-lingers
                return Response(status_code=200)
            return error(404, f"Unknown task_id {task_id}")
        answer = tasks.poll(task, row_count)
        if answer is Poll.NOT_YET:
            return Response(status_code=200)
        if answer is Poll.END:
            return Response(status_code=208)
        rows_status = 200 if task.request.is_history and fault.on("rows-with-200") else 201
        return JSONResponse(answer, status_code=rows_status)

    @api_router.get("/metadata/{run_id}", summary="A job's configure answer (job id n-n) or a task's metadata")
    def metadata(run_id: str) -> Response:
        job = jobs.get(run_id) if "job" in offered else None
        if job is not None:
            if fault.on("slow-job-metadata"):
                time.sleep(SLOW_TASK_METADATA_S)
            return JSONResponse(job.answer)
        task = tasks.find(run_id) if "task" in offered else None
        if task is None:
            if JOB_ID.match(run_id) or "task" not in offered:
                return error(404, "Invalid job_id")
            return error(404, f"Unknown task_id {run_id}")
        if fault.on("slow-task-metadata"):
            time.sleep(SLOW_TASK_METADATA_S)
        if not task.consumer_running:
            return Response(status_code=200)
        return JSONResponse(fiber.live_metadata(), status_code=201)

    @api_router.get("/live_metadata", summary="The fibre's live metadata")
    def live_metadata() -> dict:
        if fault.on("slow-live-metadata"):
            time.sleep(SLOW_METADATA_S)
        return fiber.live_metadata()

    @task_api.get("/sensors", summary="Sensor indices, 0-based")
    def sensors() -> dict:
        if fault.on("slow-sensors"):
            time.sleep(SLOW_METADATA_S)
        return {"sensors": list(range(fiber.CHANNELS))}

    # -- job API -------------------------------------------------------------------------------------------------

    @job_api.post("/configure", summary="Create a streaming job (data over gRPC)")
    def configure(body: ConfigureRequest) -> Response:
        segments = None
        if body.is_history:
            refusal = gate.refuse(body.start_time, body.end_time)
            if refusal is not None:
                return refusal
            segments = catalogue.segments(body.start_time, body.end_time, fault)
        degraded = seen.seen_before(body) and fault.on("degrade-seen-body")
        job = jobs.configure(body, segments, resent=resends.is_resend(body))
        return JSONResponse(_degraded(job.answer) if degraded else job.answer)

    @job_api.get("/channels", summary="Inclusive range of usable channels (1-based)")
    def channels() -> dict:
        if fault.on("slow-channels"):
            time.sleep(SLOW_METADATA_S)
        return {"lowest_channel": 1, "highest_channel": fiber.CHANNELS}

    @api_router.post("/recordings_in_time_range", summary="Whole recordings overlapping the window, sorted")
    def recordings_in_time_range(body: TimeRangeRequest) -> list[list[int]]:
        return [[int(r.start), int(r.end)] for r in catalogue.overlapping(body.start_time, body.end_time)]

    @api_router.get("/ack", summary="Health check")
    def ack() -> dict:
        return {}

    app.include_router(api_router)
    if "task" in offered:
        app.include_router(task_api)
    if "job" in offered:
        app.include_router(job_api)
    return app
