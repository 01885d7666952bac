"""Named waits: what the suite waits for on a target, each written once, with its reason and its timeout.

Beside `support.waiting` (the one place that polls, `wait_for`): a clause module that needs a task running, a queue
listed or a job gone asks for it here by name, rather than another clause module owning that wait (the model is
Tempest's `waiters.py`). Each waiter reads its timeout from the settings (`support.settings`: a deployment's pace
is a setting, `FOCUS_*_S`; the suite's own margins are `Timing`'s), returns what it waited for, and raises
`WaitTimeout` (an AssertionError: the target did not deliver) when it runs out; a caller for which that is a broken
precondition rather than a defect turns it into `PreconditionNotMet` itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from support.focus_api import FocusServer
from support.rabbit_admin import Connection, Consumer, RabbitAdmin
from support.rabbitmq import Broker
from support.settings import get_settings
from support.waiting import wait_for, watch_for

# -- tasks and jobs (REST) ---------------------------------------------------------------------------------------


def task_ready(focus: FocusServer, task_id: str) -> None:
    """Until the task runs: `GET /metadata/{task_id}` answers 201 (a real task may start slower than the stand's:
    FOCUS_TASK_READY_S)."""
    wait_for(
        lambda: focus.task_metadata(task_id).status == 201,
        reason=f"GET /metadata/{task_id} to answer 201",
        timeout_s=get_settings().timeouts.task_ready_s,
    )


def jobs_gone(focus: FocusServer, job_ids: Sequence[str], within_s: float) -> None:
    """Until every job is gone: `GET /metadata/{job_id}` answers 404 for each (`within_s`: the clause's figure)."""
    wait_for(lambda: not jobs_running(focus, job_ids), reason=f"jobs {', '.join(job_ids)} to end", timeout_s=within_s)


def jobs_running(focus: FocusServer, job_ids: Sequence[str]) -> list[str]:
    """The jobs that `GET /metadata/{job_id}` still answers (not 404): what a `jobs_gone` that ran out left."""
    return [job_id for job_id in job_ids if focus.job_metadata(job_id).status != 404]


# -- queues (management API, AMQP) -------------------------------------------------------------------------------


def queues_named_after(admin: RabbitAdmin, run_id: str) -> list[str]:
    """The queues whose name holds `run_id`, once one shows (`queue_shows_s`), watched a while longer
    (`queue_settle_s`) so that one declared a moment late (by a second consumer) is seen too; sorted."""

    def named() -> list[str]:
        return sorted(queue.name for queue in admin.queues() if run_id in queue.name)

    seen = set(
        wait_for(
            lambda: named() or None,
            reason=f"a queue named after {run_id} in the management API",
            timeout_s=get_settings().timeouts.queue_shows_s,
        )
    )

    def another() -> bool:
        seen.update(named())
        return len(seen) > 1

    watch_for(another, seconds=get_settings().timeouts.queue_settle_s)
    return sorted(seen)


def queue_bound(admin: RabbitAdmin, exchange: str, pattern: re.Pattern[str]) -> str:
    """The first queue whose name matches `pattern` bound to `exchange` (the timeout context's queue_shows_s)."""

    def bound() -> str | None:
        for binding in admin.bindings_from(exchange):
            if binding.destination_type == "queue" and pattern.match(binding.destination):
                return binding.destination
        return None

    shows_s = get_settings().timeouts.queue_shows_s
    return wait_for(bound, reason=f"a queue {pattern.pattern} bound to {exchange}", timeout_s=shows_s)


def queue_gone(broker: Broker, name: str) -> None:
    """Until neither the management API nor a passive declare finds the queue (FOCUS_QUEUE_GONE_S)."""

    def gone() -> bool:
        return broker.admin.queue(name) is None and not broker.probe.queue_exists(name)

    wait_for(gone, reason=f"the queue {name!r} to go", timeout_s=get_settings().timeouts.queue_gone_s)


# -- connections and consumers (management API, whose statistics lag: FOCUS_MANAGEMENT_LAG_S) --------------------


def connections_named(admin: RabbitAdmin, name: str) -> list[Connection]:
    """The broker connections carrying the client-provided name `name`, once the management API lists one."""
    return wait_for(
        lambda: [c for c in admin.connections() if c.client_name == name] or None,
        reason=f"a broker connection named {name!r}",
        timeout_s=get_settings().timeouts.management_lag_s,
    )


def consumers_with_channels(admin: RabbitAdmin) -> list[Consumer]:
    """Every consumer, once the management API lists each with its channel (`[]` while its statistics catch up, or
    while its connection closes)."""

    def all_named() -> list[Consumer] | None:
        listed = admin.consumers()
        return listed if all(c.channel_details for c in listed) else None

    return wait_for(
        all_named, reason="every consumer listed with its channel", timeout_s=get_settings().timeouts.management_lag_s
    )
