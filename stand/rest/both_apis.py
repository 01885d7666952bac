"""The routes both APIs offer: `GET /metadata/{id}` (a job's or a task's), `GET /live_metadata`,
`POST /recordings_in_time_range`, `GET /ack`.

Fault switches here: slow-job-metadata, slow-task-metadata, slow-live-metadata (2.2).
"""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from stand import fiber
from stand.catalogue import Catalogue
from stand.faults import ActiveFault
from stand.jobs import JobRegistry
from stand.request_bodies import TimeRangeRequest
from stand.rest.common import JOB_ID, PREFIX, error
from stand.tasks import TaskRegistry
from stand.timing import StandTiming

SLOW_METADATA_S = StandTiming.slow_metadata_s
SLOW_TASK_METADATA_S = StandTiming.slow_task_metadata_s


def shared_routes(
    tasks: TaskRegistry, jobs: JobRegistry, catalogue: Catalogue, fault: ActiveFault, offered: tuple[str, ...]
) -> APIRouter:
    routes = APIRouter(prefix=PREFIX)

    @routes.get("/metadata/{run_id}", summary="A job's configure answer (job id n-n) or a task's metadata")
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

    @routes.get("/live_metadata", summary="The fibre's live metadata")
    def live_metadata() -> dict:
        if fault.on("slow-live-metadata"):
            time.sleep(SLOW_METADATA_S)
        return fiber.live_metadata()

    @routes.post("/recordings_in_time_range", summary="Whole recordings overlapping the window, sorted")
    def recordings_in_time_range(body: TimeRangeRequest) -> list[list[int]]:
        return [[int(r.start), int(r.end)] for r in catalogue.overlapping(body.start_time, body.end_time)]

    @routes.get("/ack", summary="Health check")
    def ack() -> dict:
        return {}

    return routes
