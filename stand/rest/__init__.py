"""The Focus Server's REST API (task API and job API) under `/focus-server`, with the contract's status codes.

One module per route family, each with the fault switches that break its routes beside them: `task_api` (the task
API's own routes), `job_api` (the job API's own), `both_apis` (what both offer), `history_gate` (what a history
window without full coverage answers, 4.1 and 4.6, for both configure routes); `common` holds what they share. A new
fault of a route goes into its family's module (and the registry, stand/faults.py); a new route family is a module
here with a router function, included below for the shapes that offer it.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from stand import fiber
from stand.catalogue import Catalogue
from stand.faults import ActiveFault, offered_apis
from stand.jobs import JobRegistry
from stand.rest.both_apis import shared_routes
from stand.rest.common import PREFIX, SeenBodies, error
from stand.rest.history_gate import HistoryGate
from stand.rest.job_api import job_routes
from stand.rest.task_api import task_routes
from stand.tasks import TaskRegistry

__all__ = ["PREFIX", "build_app"]

log = logging.getLogger(__name__)


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

    @app.exception_handler(Exception)
    async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # An honest 500 and a log line: a bug of the stand must show, never pass for the client's fault (a 400
        # would hide it from the fuzzing test, which counts 5xx; tests/safety/test_stand_robustness.py).
        log.exception("unexpected error on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return error(500, f"Internal Server Error: {type(exc).__name__}")

    offered = offered_apis(api)
    gate = HistoryGate(catalogue, fault)
    seen = SeenBodies()  # one memory for both configure routes: a body is a body, whichever API it came through
    app.include_router(shared_routes(tasks, jobs, catalogue, fault, offered))
    if "task" in offered:
        app.include_router(task_routes(tasks, gate, seen, fault))
    if "job" in offered:
        app.include_router(job_routes(jobs, catalogue, gate, seen, fault))
    return app
