"""The task API's own routes: `POST /config/{task_id}`, `GET /waterfall/{task_id}/{row_count}`, `GET /sensors`.

Fault switches here: refused-task-lingers (4.1), config-not-idempotent, degrade-seen-body (2.3), rows-with-200 (4.x),
slow-sensors (2.2). The task registry (stand/tasks.py) holds the rest of the task API's: no-eos, rows-after-eos,
late-duplicate-queue.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, Response

from stand import fiber
from stand.faults import ActiveFault
from stand.request_bodies import ConfigTaskRequest
from stand.rest.common import PREFIX, TASK_ID_PATTERN, SeenBodies, error
from stand.rest.history_gate import HistoryGate
from stand.tasks import Poll, TaskRegistry
from stand.timing import StandTiming

SLOW_METADATA_S = StandTiming.slow_metadata_s
ACCEPTED = "Config received successfully"


def task_routes(tasks: TaskRegistry, gate: HistoryGate, seen: SeenBodies, fault: ActiveFault) -> APIRouter:
    routes = APIRouter(prefix=PREFIX)

    @routes.post("/config/{task_id}", summary="Configure (start) a task; idempotent for the same body")
    def config_task(body: ConfigTaskRequest, task_id: str = Path(pattern=TASK_ID_PATTERN)) -> Response:
        segments = None
        if body.is_history:
            refusal = gate.refuse(*body.window())
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
            return JSONResponse({"status": ACCEPTED, "task_id": task_id, "cached": True})
        return JSONResponse({"status": ACCEPTED, "task_id": task_id})

    @routes.get("/waterfall/{task_id}/{row_count}", summary="Pull rows: 201 rows, 200 none yet, 208 end of stream")
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

    @routes.get("/sensors", summary="Sensor indices, 0-based")
    def sensors() -> dict:
        if fault.on("slow-sensors"):
            time.sleep(SLOW_METADATA_S)
        return {"sensors": list(range(fiber.CHANNELS))}

    return routes
