"""Contract: RabbitMQ topology, commands and Smart Recorder traffic, seen with pika probes and the management API."""

from __future__ import annotations

import itertools
import json
import time

from stand_wire import Probe, StandHandle, history_task_body, job_body, live_task_body, read_stream, unique_id, utc


def _wait(condition, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_prisma_is_the_only_custom_exchange_topic_and_durable(stand: StandHandle) -> None:
    exchanges = stand.exchanges()
    assert sorted(n for n in exchanges if n and not n.startswith("amq.")) == ["prisma"]
    assert (exchanges["prisma"]["type"], exchanges["prisma"]["durable"]) == ("topic", True)


def test_named_queues_and_their_consumers(stand: StandHandle) -> None:
    queues = stand.queues()
    assert {"recorder_input", "interrogator_input"} <= set(queues)
    consumers = stand.consumers_by_connection()
    assert consumers["smart-recorder"] == ["recorder_input"]
    assert consumers["interrogator"] == ["interrogator_input"]


def test_focus_server_is_named_and_owns_no_queue_and_no_consumer(stand: StandHandle) -> None:
    names = [c["client_properties"].get("connection_name") for c in stand.connections()]
    assert "focus-server" in names
    assert "focus-server" not in stand.consumers_by_connection()
    owners = [q.get("owner_pid_details", {}).get("name") for q in stand.queues().values()]
    assert not [q for q in stand.queues() if "focus" in q] and "focus-server" not in owners


def test_roi_on_configure_and_keepalives_while_polled(stand: StandHandle) -> None:
    with Probe(stand.env["FOCUS_AMQP_URL"], [("prisma", "baby_analyzer.commands.#")]) as probe:
        task_id = unique_id("cmd")
        stand.post(f"/config/{task_id}", live_task_body(sensors={"min": 4, "max": 17}))
        for _ in range(12):
            stand.get(f"/waterfall/{task_id}/10")
            time.sleep(0.25)
        job = stand.post("/configure", job_body(channels={"min": 30, "max": 40})).json()
        assert _wait(lambda: len(probe.json_of("baby_analyzer.commands.roi")) >= 2, 3)
        roi = probe.json_of("baby_analyzer.commands.roi")
        keepalives = probe.json_of("baby_analyzer.commands.keepalive")
    assert roi[0] == {"type": "RegionOfInterestCommand", "value": {"start": 4, "end": 17}}
    assert roi[1] == {"type": "RegionOfInterestCommand", "value": {"start": 30, "end": 40}}
    assert {json.dumps(k) for k in keepalives} == {
        json.dumps({"type": "KeepaliveCommand", "value": {"source": "focus-server"}})
    }
    assert 2 <= len(keepalives) <= 4  # polled for ~3 s: at most one a second
    assert stand.get(f"/metadata/{job['job_id']}").status_code == 200


def test_smart_recorder_publishes_recorder_data_several_times_a_second(stand: StandHandle) -> None:
    with Probe(stand.env["FOCUS_AMQP_URL"], [("prisma", "recorder.data.#")]) as probe:
        time.sleep(3)
        arrivals = [m[2] for m in probe.messages]
    assert len(arrivals) >= 9
    assert max(b - a for a, b in itertools.pairwise(arrivals)) < 1.0


def test_results_queue_lives_with_its_task_and_its_job(stand: StandHandle) -> None:
    task_id = unique_id("rq")
    stand.post(f"/config/{task_id}", history_task_body("2025-10-11 10:04:50", "2025-10-11 10:05:00"))
    assert _wait(lambda: f"{task_id}_results" in stand.queues())
    assert _wait(lambda: any(b["source"] == "prisma" for b in stand.bindings_of(f"{task_id}_results")))
    _, status = stand.drain_task(task_id)
    assert status == 208
    assert _wait(lambda: f"{task_id}_results" not in stand.queues())

    answer = stand.post(
        "/configure", job_body(start_time=utc("2025-10-11 10:04:58"), end_time=utc("2025-10-11 10:05:00"))
    )
    job_id = answer.json()["job_id"]
    assert _wait(lambda: f"{job_id}_results" in stand.queues())
    read_stream(answer.json())
    assert _wait(lambda: f"{job_id}_results" not in stand.queues())


def test_idempotent_config_keeps_one_results_queue(stand: StandHandle) -> None:
    task_id = unique_id("one")
    body = live_task_body()
    stand.post(f"/config/{task_id}", body)
    stand.post(f"/config/{task_id}", body)
    assert _wait(lambda: f"{task_id}_results" in stand.queues())
    assert [q for q in stand.queues() if task_id in q] == [f"{task_id}_results"]
