"""Harmless on a live broker: a whole acceptance run, and one cut by Ctrl-C half-way through a scenario, against
a broker that holds "production" state, leave every exchange, queue, binding, message count, consumer (and message
statistics, vhost, user, permission and policy) exactly as they were, and nothing of their own behind.

The REST side is the stand; the suite's AMQP and management API are the production node, which nothing else uses:
what changes there, the suite changed. Scenario outcomes do not matter here (the production node has no Focus
Server on it, so many fail); harm does. The management API's statistics lag ~5 s: every comparison polls.
"""

from __future__ import annotations

from pathlib import Path

import pika
from safety_broker import Snapshot, Watcher
from safety_parts import Production, StandHandle, poll_snapshot, settled_snapshot
from safety_runs import interrupt_behave, run_nightly, target_env
from safety_scan import forms, scan

from tools.common.catalogue import scenarios
from tools.common.layout import FEATURES, ROOT

QUICK = [scenario for scenario in scenarios(FEATURES, ROOT) if not scenario.slow]  # what `--profile quick` runs
SLOW = [scenario for scenario in scenarios(FEATURES, ROOT) if scenario.slow]  # left out: skipped results say so


def _production_target(production: Production, stand: StandHandle) -> dict[str, str]:
    # Management credentials left out on purpose: the suite takes them from the AMQP URL (password percent-encoded).
    return target_env(
        {
            "FOCUS_BASE_URL": stand.env["FOCUS_BASE_URL"],
            "FOCUS_AMQP_URL": production.broker.amqp_url,
            "FOCUS_RABBITMQ_API_URL": production.broker.api_url,
            "FOCUS_HISTORY_FROM": stand.env["FOCUS_HISTORY_FROM"],
            "FOCUS_HISTORY_TO": stand.env["FOCUS_HISTORY_TO"],
        }
    )


def _assert_as_before(production: Production, figures: dict, name: str) -> None:
    after, seconds = production.wait_until_as_before()
    figures[f"production broker back to its snapshot after {name}"] = f"{seconds:.1f} s of polling"
    assert after == production.baseline, "the run changed the production broker:\n" + "\n".join(
        production.baseline.diff(after)
    )


def test_a_whole_run_leaves_the_production_broker_as_it_was(
    production: Production, stand: StandHandle, tmp_path: Path, figures: dict
) -> None:
    with Watcher(production.broker, production.baseline) as watched:
        run = run_nightly(_production_target(production, stand), tmp_path, "--parallel", "5")
    figures["harmless quick run (nightly, 5 processes, with report)"] = f"{run.seconds:.0f} s, exit {run.returncode}"

    results = run.results()
    left_out = [r for r in results if {"name": "left_out", "value": "profile"} in r["labels"]]
    assert len(results) - len(left_out) == len(QUICK), run.stdout[-3000:]  # the whole quick profile ran
    assert len(left_out) == len(SLOW)  # and the @slow ones show as skipped, with their reason
    # It did use the broker: probe queues (server-named, exclusive) and named connections came and went.
    assert watched.queues and all(q.startswith("amq.gen-") and "exclusive=True" in q for q in watched.queues)
    assert "focus-acceptance-probe" in watched.connections
    assert any(binding.startswith("prisma ") for binding in watched.bindings)
    _assert_as_before(production, figures, "a whole run")
    # And the report of that run does not hold the production broker's password in any form.
    assert scan([tmp_path], forms("focus", production.password)) == {}


def test_a_run_cut_by_ctrl_c_mid_scenario_leaves_the_production_broker_as_it_was(
    production: Production, stand: StandHandle, tmp_path: Path, figures: dict
) -> None:
    known = {key.split(" ", 2)[2] for key in production.baseline.data if key.startswith("queue ")}
    bound_when_cut: list[str] = []

    def probe_queues_bound() -> bool:
        """Half-way through a scenario: its probe queues exist and are bound (the commands scenario of §1)."""
        bindings = production.broker.api("GET", "/bindings").json()
        bound_when_cut[:] = [
            f"{b['source'] or '(default)'} -> {b['destination']}" for b in bindings if b["destination"] not in known
        ]
        return any(binding.startswith("prisma ") for binding in bound_when_cut)

    run, ended_after = interrupt_behave(
        _production_target(production, stand),
        tmp_path,
        ["features/1_rabbitmq_topology.feature"],
        probe_queues_bound,
        timeout_s=60,
    )
    figures["behave ended after Ctrl-C within"] = f"{ended_after:.1f} s"

    assert run.returncode != 0
    assert "ABORTED" in run.stdout, run.stdout[-2000:]
    assert len(bound_when_cut) >= 2  # cut while its probe queues were bound to prisma and other exchanges
    assert ended_after < 30
    _assert_as_before(production, figures, "a run cut by Ctrl-C")


def test_the_comparison_sees_harm_when_there_is_some(production: Production, figures: dict) -> None:
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
        peeked = current.data.get("queue / recorder_input") or {}
        found = {line.split(":")[0] for line in production.baseline.diff(current)}
        return harmed <= found and (peeked.get("messages"), peeked.get("deliver_get")) == (7, 1)

    try:
        # The careless connection stays open meanwhile: a channel's statistics are only sure to be in once it
        # has reported them (every statistics round), and this one is to be seen, not raced.
        seen, seconds = poll_snapshot(production.broker, harm_seen, timeout_s=30, pump=connection)
        figures["harm seen by the comparison after"] = f"{seconds:.1f} s"
        assert harm_seen(seen), production.baseline.diff(seen)
    finally:
        connection.close()
        production.broker.api("DELETE", "/queues/%2F/acceptance_leftover")
        production.broker.api("DELETE", "/exchanges/%2F/acceptance_commands")
        production.baseline = settled_snapshot(production.broker, lambda _state: True, timeout_s=60)
