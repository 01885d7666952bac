"""Contract: RabbitMQ topology, commands and Smart Recorder traffic, seen with pika probes and the management API."""

from __future__ import annotations

import itertools
import json
import time

from polls import until
from stand_wire import Probe, StandHandle, history_task_body, job_body, live_task_body, unique_id

from stand.timing import StandTiming

POLLED_FOR_S = 2.75  # how long a frontend polls the waterfall (12 polls), at FRONTEND_POLL_S
FRONTEND_POLL_S = 0.25


def test_roi_on_configure_and_keepalives_while_polled(stand: StandHandle) -> None:
    with Probe(stand.env["FOCUS_AMQP_URL"], [("prisma", "baby_analyzer.commands.#")]) as probe:
        task_id = unique_id("cmd")
        stand.post(f"/config/{task_id}", live_task_body(sensors={"min": 4, "max": 17}))
        polls: list[tuple[float, float]] = []  # (start, end) of each poll, monotonic
        while not polls or polls[-1][0] - polls[0][0] < POLLED_FOR_S:  # a frontend polling its waterfall
            began = time.monotonic()
            stand.get(f"/waterfall/{task_id}/10")
            polls.append((began, time.monotonic()))
            time.sleep(FRONTEND_POLL_S)
        job = stand.post("/configure", job_body(channels={"min": 30, "max": 40})).json()
        until(lambda: len(probe.json_of("baby_analyzer.commands.roi")) >= 2, "the roi commands of the task and the job")
        roi = probe.json_of("baby_analyzer.commands.roi")
        keepalives = probe.json_of("baby_analyzer.commands.keepalive")
    assert roi[0] == {"type": "RegionOfInterestCommand", "value": {"start": 4, "end": 17}}
    assert roi[1] == {"type": "RegionOfInterestCommand", "value": {"start": 30, "end": 40}}
    assert {json.dumps(k) for k in keepalives} == {
        json.dumps({"type": "KeepaliveCommand", "value": {"source": "focus-server"}})
    }
    # At most one a second while polled, and one again at the first poll once a second passed: the stand sees each
    # poll between its request's start and end, so the bounds come from the polling times measured (a busy host
    # stretches them), not from the 3 s asked for.
    every = StandTiming.keepalive_every_s
    widest_gap = max(end - start for (start, _), (_, end) in itertools.pairwise(polls))
    fewest = 1 + int((polls[-1][0] - polls[0][1]) // (every + widest_gap))
    most = 1 + int((polls[-1][1] - polls[0][0]) // every)
    assert fewest <= len(keepalives) <= most, (
        f"{len(keepalives)} keepalives over {len(polls)} polls in {polls[-1][1] - polls[0][0]:.2f} s: "
        f"expected {fewest} to {most}"
    )
    assert stand.get(f"/metadata/{job['job_id']}").status_code == 200


def test_results_queue_lives_with_its_task(stand: StandHandle) -> None:
    """A job's: clause_checks.queues_1_2."""
    task_id = unique_id("rq")
    stand.post(f"/config/{task_id}", history_task_body("2025-10-11 10:04:50", "2025-10-11 10:05:00"))
    until(lambda: f"{task_id}_results" in stand.queues(), f"{task_id}_results to be declared")
    until(
        lambda: any(b["source"] == "prisma" for b in stand.bindings_of(f"{task_id}_results")), "its binding to prisma"
    )
    _, status = stand.drain_task(task_id)
    assert status == 208
    until(lambda: f"{task_id}_results" not in stand.queues(), f"{task_id}_results to go with its task")
