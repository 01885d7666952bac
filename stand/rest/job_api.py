"""The job API's own routes: `POST /configure` (a job with its own gRPC stream) and `GET /channels`.

Fault switches here: degrade-seen-body (2.3), slow-channels (2.2). A resent configure (`Resends`) is told to the job
registry (stand/jobs.py), whose switches make it misbehave: configure-not-equivalent, resent-job-lingers,
resent-job-unreadable (2.3); the gRPC stream's own faults are stand/streaming.py's.
"""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from stand import fiber
from stand.catalogue import Catalogue
from stand.faults import ActiveFault
from stand.jobs import JobRegistry
from stand.request_bodies import ConfigureRequest
from stand.rest.common import PREFIX, SeenBodies
from stand.rest.history_gate import HistoryGate
from stand.timing import StandTiming

SLOW_METADATA_S = StandTiming.slow_metadata_s
RESENT_WITHIN_S = StandTiming.resent_within_s  # configure-not-equivalent / resent-job-lingers: a frontend's resend


class Resends:
    """Tells a resent `POST /configure` (the same body as the one before it, within a few seconds) from a new one."""

    def __init__(self) -> None:
        self.last: tuple[ConfigureRequest, float] | None = None

    def is_resend(self, body: ConfigureRequest) -> bool:
        now = time.monotonic()
        resent = self.last is not None and self.last[0] == body and now - self.last[1] < RESENT_WITHIN_S
        self.last = (body, now)
        return resent


def _degraded(answer: dict) -> dict:
    """Fault degrade-seen-body: the answer describes the first half of the channels only (the job streams them all)."""
    channels = sorted(answer["channel_to_stream_index"], key=int)
    kept = channels[: max(1, len(channels) // 2)]
    index = {channel: answer["channel_to_stream_index"][channel] for channel in kept}
    return answer | {"channel_to_stream_index": index, "channel_amount": len(kept)}


def job_routes(
    jobs: JobRegistry, catalogue: Catalogue, gate: HistoryGate, seen: SeenBodies, fault: ActiveFault
) -> APIRouter:
    routes = APIRouter(prefix=PREFIX)
    resends = Resends()

    @routes.post("/configure", summary="Create a streaming job (data over gRPC)")
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

    @routes.get("/channels", summary="Inclusive range of usable channels (1-based)")
    def channels() -> dict:
        if fault.on("slow-channels"):
            time.sleep(SLOW_METADATA_S)
        return {"lowest_channel": 1, "highest_channel": fiber.CHANNELS}

    return routes
