"""The stand's REST shapes: `--api job` offers exactly the production server's six routes; and the live recording."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from conftest import Stands
from stand_wire import StandHandle, job_body, read_stream

NOT_FOUND = {"detail": "Not Found"}
JOB_ROUTES = {
    "/focus-server/configure", "/focus-server/ack", "/focus-server/channels", "/focus-server/live_metadata",
    "/focus-server/metadata/{run_id}", "/focus-server/recordings_in_time_range",
}  # fmt: skip


@pytest.fixture(scope="module")
def job_only(stands: Stands) -> Iterator[StandHandle]:
    handle = stands.on_shared_broker("job-only", "--api", "job", "--stream-limit", "8")
    try:
        yield handle
    finally:
        stands.down(handle)


def test_the_job_only_shape_offers_the_six_routes_and_nothing_else(job_only: StandHandle) -> None:
    paths = set(job_only.get("/openapi.json").json()["paths"])
    assert paths == JOB_ROUTES
    for path in ["/sensors", "/waterfall/acc_x/10", "/config/acc_x"]:
        answer = job_only.get(path)
        assert (answer.status_code, answer.json()) == (404, NOT_FOUND), path
    task = job_only.post("/config/acc_x", {"anything": 1})
    assert (task.status_code, task.json()) == (404, NOT_FOUND)
    # An unknown id on a route that is there is another 404: the job API's own.
    unknown = job_only.get("/metadata/acc_x")
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Invalid job_id"})


def test_the_job_only_shape_still_streams_and_answers_every_job_route(job_only: StandHandle) -> None:
    assert job_only.get("/ack").json() == {}
    assert job_only.get("/channels").json()["lowest_channel"] == 1
    assert job_only.get("/live_metadata").status_code == 200
    job = job_only.post("/configure", job_body(channels={"min": 1, "max": 4})).json()
    assert job_only.get(f"/metadata/{job['job_id']}").json() == job
    assert read_stream(job, keep_frames=1, read_for_s=1.0).frames


def test_the_catalogue_holds_the_live_recording_since_the_stand_started(stand: StandHandle) -> None:
    now = int(time.time())
    found = stand.post("/recordings_in_time_range", {"start_time": now - 86_400, "end_time": now + 60}).json()
    assert found, "no recording over the last day"
    start, end = found[-1]
    assert now - 3600 < start <= now and now - 3 <= end <= now + 1, (start, end, now)
    # It plays as history, as any recording: the seconds it holds come back over gRPC.
    answer = stand.post("/configure", job_body(start_time=start, end_time=start + 2)).json()
    outcome = read_stream(answer, deadline_s=30)
    assert sorted({t // 1000 for t in outcome.timestamps}) == [start, start + 1]
