"""Harmless on a live broker: a whole quick run, and one cut by Ctrl-C half-way through a scenario, leave the
production node's every exchange, queue, binding, message count, consumer, message statistics, vhost, user,
permission and policy as they were: the suite declares no exchange and no named queue, purges nothing, consumes from
no named queue, and its probe queues (exclusive, auto-delete, server-named) are gone when it ends. Only the suite's
AMQP and management API use that node (the REST side is the stand): what changes there, the suite changed; scenario
outcomes do not matter here, harm does. The management API's statistics lag ~5 s: every comparison polls.
"""

from __future__ import annotations

from pathlib import Path

import pika
import safety_parts as parts
from safety_parts import FIGURES, Production, Run, Snapshot, StandHandle, Watcher, settled

SETTLE_S = 60.0


def _assert_as_before(production: Production, name: str) -> None:
    after, seconds = settled(production.broker, lambda now: now == production.baseline, SETTLE_S)
    FIGURES[f"production broker back to its snapshot after {name}"] = f"{seconds:.1f} s of polling"
    assert after == production.baseline, "the run changed the production broker:\n" + "\n".join(
        production.baseline.diff(after)
    )


def test_a_whole_run_leaves_the_production_broker_as_it_was(
    whole_run: tuple[Run, Watcher], production: Production
) -> None:
    run, watched = whole_run
    assert len(run.results()) > 20, run.stdout[-3000:]  # the run went through its scenarios
    # It did use the broker, as it may: server-named probe queues, exclusive and auto-delete, bound to prisma.
    assert watched.queues, "the run was never seen on the broker"
    for name, queue in watched.queues.items():
        assert name.startswith("amq.gen-") and queue == {"exclusive": True, "auto_delete": True, "durable": False}
    assert any(binding.startswith("prisma ") for binding in watched.bindings)
    assert "focus-acceptance-probe" in watched.connections
    _assert_as_before(production, "a whole run")


def test_a_run_cut_by_ctrl_c_mid_scenario_leaves_the_production_broker_as_it_was(
    production: Production, stand: StandHandle, tmp_path: Path
) -> None:
    known = {key.split(" ", 2)[2] for key in production.baseline.data if key.startswith("queue ")}

    def probe_queues_bound() -> bool:
        """Half-way through a scenario: its probe queues exist and are bound to prisma (a scenario of §1)."""
        bindings = production.broker.api("GET", "/bindings")
        return any(b["source"] == "prisma" and b["destination"] not in known for b in bindings)

    env = parts.production_target(production, stand)
    run, ended_after = parts.interrupt_behave(
        env, tmp_path, ["features/1_rabbitmq_topology.feature"], probe_queues_bound, 60
    )
    FIGURES["behave ended after Ctrl-C within"] = f"{ended_after:.1f} s"

    assert run.returncode != 0
    assert "ABORTED" in run.stdout, run.stdout[-2000:]
    assert ended_after < 30
    _assert_as_before(production, "a run cut by Ctrl-C")


def test_the_comparison_sees_harm_when_there_is_some(production: Production) -> None:
    """The control: what a careless suite would do (peek at a named queue and put the message back, leave a named
    queue and an exchange of its own) shows in the comparison. Run last here: the peek cannot be undone, so the
    baseline is taken again afterwards."""
    params = pika.URLParameters(production.broker.amqp_url)
    params.client_properties = {"connection_name": "careless-suite"}
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    method, _, _ = channel.basic_get("recorder_input", auto_ack=False)
    channel.basic_nack(method.delivery_tag, requeue=True)  # the count stays 7: only the statistics tell
    channel.exchange_declare("acceptance_commands", exchange_type="topic")
    channel.queue_declare("acceptance_leftover")
    harmed = {"queue / recorder_input", "queue / acceptance_leftover", "exchange / acceptance_commands"}

    def harm_seen(current: Snapshot) -> bool:
        connection.process_data_events(time_limit=0)  # the careless connection stays open, its statistics in
        peeked = current.data.get("queue / recorder_input") or {}
        found = {line.split(":")[0] for line in production.baseline.diff(current)}
        return harmed <= found and (peeked.get("messages"), peeked.get("deliver_get")) == (7, 1)

    try:
        seen, seconds = settled(production.broker, harm_seen, timeout_s=30, hold_s=0)
        FIGURES["harm seen by the comparison after"] = f"{seconds:.1f} s"
        assert harm_seen(seen), production.baseline.diff(seen)
    finally:
        connection.close()
        production.broker.api("DELETE", "/queues/%2F/acceptance_leftover")
        production.broker.api("DELETE", "/exchanges/%2F/acceptance_commands")
        production.baseline, _ = settled(production.broker, lambda _state: True, timeout_s=60)
