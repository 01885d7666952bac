"""The Focus Server's REST API under `/focus-server` (docs: /work/shared/design/contract.md): the routes of the task
API, the job API and what both offer, each with the fault switches that break it read in the route (`fault.on(name)`).

A route of the other API is simply not there in a one-API shape, so FastAPI answers it 404 `{"detail": "Not
Found"}`, as the production server (job API only) does. A new route goes beside its API's routes below; a new fault
is its line in stand/faults.py and its switch here.
"""

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
JOB_ID = re.compile(r"^\d+-\d+$")
TASK_ID_PATTERN = r"^[A-Za-z0-9_-]{1,200}$"  # also a valid AMQP queue name once `_results` is appended
ACCEPTED = "Config received successfully"
NO_RECORDINGS = "No recordings found in the requested time range"
NOT_FOUND_TODAY = "No recording found in given time range"  # what the real server answers today (404)
STRICT_GAPS = "Recordings do not cover the whole requested time range"


# -- what the routes share -------------------------------------------------------------------------------------------


def error(status: int, text: str) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status)


def late(switched: bool, seconds: float) -> None:
    """Faults slow-*: the route answers `seconds` late (2.2's and 4.1's bounds)."""
    if switched:
        time.sleep(seconds)


class Memory:
    """What the configure routes remember: every body answered (fault degrade-seen-body: for the stand's whole life,
    whichever API it came through) and the last job body (a resend is the same body within a few seconds)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.last: tuple[ConfigureRequest, float] | None = None

    def seen_before(self, body: BaseModel) -> bool:
        key = body.model_dump_json()
        seen = key in self.seen
        self.seen.add(key)
        return seen

    def is_resend(self, body: ConfigureRequest) -> bool:
        now = time.monotonic()
        resent = self.last is not None and self.last[0] == body and now - self.last[1] < StandTiming.resent_within_s
        self.last = (body, now)
        return resent


def history(catalogue: Catalogue, fault: ActiveFault, start: float, end: float) -> JSONResponse | list[tuple[int, int]]:
    """4.1 and 4.6 in one place, for both configure routes: the answer to a window without (full) coverage, or the
    covered seconds it plays."""
    segments = catalogue.segments(start, end, fault)
    if not catalogue.overlapping(start, end) and not fault.on("no-fail-fast"):
        if fault.on("not-found-404"):
            return error(404, NOT_FOUND_TODAY)
        late(fault.on("slow-fail-fast"), StandTiming.slow_fail_fast_s)
        return error(400, NO_RECORDINGS)
    if fault.on("strict-gaps") and sum(b - a for a, b in segments) < math.ceil(end) - math.ceil(start):
        return error(400, STRICT_GAPS)
    return segments


def _degraded(answer: dict) -> dict:
    """Fault degrade-seen-body: the answer describes the first half of the channels only (the job streams them all)."""
    kept = sorted(answer["channel_to_stream_index"], key=int)[: max(1, len(answer["channel_to_stream_index"]) // 2)]
    index = {channel: answer["channel_to_stream_index"][channel] for channel in kept}
    return answer | {"channel_to_stream_index": index, "channel_amount": len(kept)}


# -- the app, by route family ----------------------------------------------------------------------------------------


def build_app(
    tasks: TaskRegistry, jobs: JobRegistry, catalogue: Catalogue, fault: ActiveFault, api: str = "both"
) -> FastAPI:
    """The REST app of the shape `api`: the task API, the job API or both."""
    app = FastAPI(
        title="Focus Server (embedded stand)",
        version=fiber.SW_VERSION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )

    @app.exception_handler(Exception)
    async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # An honest 500 and a log line: a bug of the stand must show, never pass for the client's fault (a 400
        # would hide it from a fuzzing client, which counts 5xx).
        log.exception("unexpected error on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return error(500, f"Internal Server Error: {type(exc).__name__}")

    offered, memory = offered_apis(api), Memory()
    app.include_router(
        _both_routes(tasks if "task" in offered else None, jobs if "job" in offered else None, catalogue, fault)
    )
    if "task" in offered:
        app.include_router(_task_routes(tasks, catalogue, fault, memory))
    if "job" in offered:
        app.include_router(_job_routes(jobs, catalogue, fault, memory))
    return app


def _both_routes(
    tasks: TaskRegistry | None, jobs: JobRegistry | None, catalogue: Catalogue, fault: ActiveFault
) -> APIRouter:
    """What both APIs offer; `tasks`/`jobs` None where the shape lacks that API."""
    both = APIRouter(prefix=PREFIX)

    @both.get("/metadata/{run_id}", summary="A job's configure answer (job id n-n) or a task's metadata")
    def metadata(run_id: str) -> Response:
        job = jobs.get(run_id) if jobs is not None else None
        if job is not None:
            late(fault.on("slow-job-metadata"), StandTiming.slow_task_metadata_s)
            return JSONResponse(job.answer)
        task = tasks.find(run_id) if tasks is not None else None
        if task is None:
            if JOB_ID.match(run_id) or tasks is None:
                return error(404, "Invalid job_id")
            return error(404, f"Unknown task_id {run_id}")
        late(fault.on("slow-task-metadata"), StandTiming.slow_task_metadata_s)
        if not task.consumer_running:
            return Response(status_code=200)
        return JSONResponse(fiber.live_metadata(), status_code=201)

    @both.get("/live_metadata", summary="The fibre's live metadata")
    def live_metadata() -> dict:
        late(fault.on("slow-live-metadata"), StandTiming.slow_metadata_s)
        return fiber.live_metadata()

    @both.post("/recordings_in_time_range", summary="Whole recordings overlapping the window, sorted")
    def recordings_in_time_range(body: TimeRangeRequest) -> list[list[int]]:
        return [[int(r.start), int(r.end)] for r in catalogue.overlapping(body.start_time, body.end_time)]

    @both.get("/ack", summary="Health check")
    def ack() -> dict:
        return {}

    return both


def _task_routes(tasks: TaskRegistry, catalogue: Catalogue, fault: ActiveFault, memory: Memory) -> APIRouter:
    task_api = APIRouter(prefix=PREFIX)

    @task_api.post("/config/{task_id}", summary="Configure (start) a task; idempotent for the same body")
    def config_task(body: ConfigTaskRequest, task_id: str = Path(pattern=TASK_ID_PATTERN)) -> Response:
        segments = history(catalogue, fault, *body.window()) if body.is_history else None
        if isinstance(segments, JSONResponse):
            if fault.on("refused-task-lingers"):
                tasks.refused.add(task_id)
            return segments
        current = tasks.find(task_id)
        if current is not None and current.request == body and fault.on("config-not-idempotent"):
            return error(409, f"Task {task_id} is already configured")
        tasks.configure(task_id, body, segments)
        if memory.seen_before(body) and fault.on("degrade-seen-body"):
            return JSONResponse({"status": ACCEPTED, "task_id": task_id, "cached": True})
        return JSONResponse({"status": ACCEPTED, "task_id": task_id})

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
        return JSONResponse(answer, status_code=200 if task.request.is_history and fault.on("rows-with-200") else 201)

    @task_api.get("/sensors", summary="Sensor indices, 0-based")
    def sensors() -> dict:
        late(fault.on("slow-sensors"), StandTiming.slow_metadata_s)
        return {"sensors": list(range(fiber.CHANNELS))}

    return task_api


def _job_routes(jobs: JobRegistry, catalogue: Catalogue, fault: ActiveFault, memory: Memory) -> APIRouter:
    """The job API (a job's gRPC stream and its faults: stand/jobs.py)."""
    job_api = APIRouter(prefix=PREFIX)

    @job_api.post("/configure", summary="Create a streaming job (data over gRPC)")
    def configure(body: ConfigureRequest) -> Response:
        segments = history(catalogue, fault, body.start_time, body.end_time) if body.is_history else None
        if isinstance(segments, JSONResponse):
            return segments
        degraded = memory.seen_before(body) and fault.on("degrade-seen-body")
        job = jobs.configure(body, segments, resent=memory.is_resend(body))
        return JSONResponse(_degraded(job.answer) if degraded else job.answer)

    @job_api.get("/channels", summary="Inclusive range of usable channels (1-based)")
    def channels() -> dict:
        late(fault.on("slow-channels"), StandTiming.slow_metadata_s)
        return {"lowest_channel": 1, "highest_channel": fiber.CHANNELS}

    return job_api
