"""Names and declarations of the AMQP topology (contract: clarifications §1 and §3), with their faults."""

from __future__ import annotations

from pika.adapters.blocking_connection import BlockingChannel

from stand.faults import ActiveFault

EXCHANGE = "prisma"
RECORDER_QUEUE = "recorder_input"
INTERROGATOR_QUEUE = "interrogator_input"
FOCUS_QUEUE = "focus_server_queue"  # exists only under the `focus-queue` fault
EXTRA_EXCHANGE = "baby_analyzer_commands"  # exists only under the `extra-exchange` fault
COMMAND_PREFIX = "baby_analyzer.commands."
OTHER_EXCHANGE = "amq.topic"  # where the faults send what belongs on prisma (a probe can hear it there)


def declare_prisma(channel: BlockingChannel, fault: ActiveFault) -> None:
    """The one custom exchange; every actor that touches it declares it the same way."""
    channel.exchange_declare(
        EXCHANGE,
        exchange_type="fanout" if fault.on("exchange-fanout") else "topic",
        durable=not fault.on("exchange-transient"),
    )


def recorder_queue(fault: ActiveFault) -> str:
    return "smart_recorder_input" if fault.on("recorder-queue-renamed") else RECORDER_QUEUE


def results_queue(run_id: str, fault: ActiveFault) -> str:
    """The per task/job queue: `{id}_results`."""
    return f"results_{run_id}" if fault.on("job-queue-pattern") else f"{run_id}_results"


def command_routing_key(command: str, fault: ActiveFault) -> str:
    bare = fault.on("bare-routing-keys") or (fault.on("keepalive-bare-key") and command == "keepalive")
    return command if bare else COMMAND_PREFIX + command


def command_exchange(command: str, fault: ActiveFault) -> str:
    elsewhere = fault.on("commands-elsewhere") or (fault.on("keepalive-elsewhere") and command == "keepalive")
    return OTHER_EXCHANGE if elsewhere else EXCHANGE


def recorder_routing_key(fault: ActiveFault) -> str:
    return "recorder_data.das" if fault.on("recorder-wrong-key") else "recorder.data.das"
