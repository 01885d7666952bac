"""Named waits on a target's state, each written once with its reason and its timeout (Tempest's `waiters.py`).

Beside `support.waiting` (the one place that polls): a clause module that needs a task running, a queue listed or a
job gone asks for it here by name. Each waiter takes its timeout from the timeout context (`Waits`, a deployment's
pace) or from the clause's figure, returns what it waited for, and raises `WaitTimeout` (an AssertionError: the
target did not deliver) when it runs out; a caller for which that is a broken precondition says so itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from support.amqp_probe import AmqpProbe
from support.focus_api import FocusServer
from support.rabbit_admin import Connection, Consumer, RabbitAdmin
from support.times import Waits
from support.waiting import wait_for, watch_for


def task_ready(focus: FocusServer, task_id: str, waits: Waits) -> None:
    """Until the task runs: `GET /metadata/{task_id}` answers 201."""
    wait_for(
        lambda: focus.task_metadata(task_id).status == 201,
        reason=f"GET /metadata/{task_id} to answer 201",
        timeout_s=waits.task_ready_s,
    )


def jobs_running(focus: FocusServer, job_ids: Sequence[str]) -> list[str]:
    """The jobs that `GET /metadata/{job_id}` still answers (not 404)."""
    return [job_id for job_id in job_ids if focus.job_metadata(job_id).status != 404]


def jobs_gone(focus: FocusServer, job_ids: Sequence[str], within_s: float) -> None:
    """Until every job is gone: `GET /metadata/{job_id}` answers 404 for each (`within_s`: the clause's figure)."""
    wait_for(lambda: not jobs_running(focus, job_ids), reason=f"jobs {', '.join(job_ids)} to end", timeout_s=within_s)


def queues_named_after(admin: RabbitAdmin, run_id: str, waits: Waits) -> list[str]:
    """The queues whose name holds `run_id`, once one shows, watched a while longer (`queue_settle_s`) so that one
    declared a moment late (by a second consumer) is seen too; sorted."""

    def named() -> list[str]:
        return sorted(queue.name for queue in admin.queues() if run_id in queue.name)

    shown = wait_for(lambda: named() or None, reason=f"a queue named after {run_id}", timeout_s=waits.queue_shows_s)
    seen = set(shown)

    def another() -> bool:
        seen.update(named())
        return len(seen) > 1

    watch_for(another, seconds=waits.queue_settle_s)
    return sorted(seen)


def queue_bound(admin: RabbitAdmin, exchange: str, pattern: re.Pattern[str], waits: Waits) -> str:
    """The first queue whose name matches `pattern` bound to `exchange`."""

    def bound() -> str | None:
        for binding in admin.bindings_from(exchange):
            if binding.destination_type == "queue" and pattern.match(binding.destination):
                return binding.destination
        return None

    return wait_for(bound, reason=f"a queue {pattern.pattern} bound to {exchange}", timeout_s=waits.queue_shows_s)


def queue_gone(admin: RabbitAdmin, probe: AmqpProbe, name: str, waits: Waits) -> None:
    """Until neither the management API nor a passive declare finds the queue."""
    wait_for(
        lambda: admin.queue(name) is None and not probe.queue_exists(name),
        reason=f"the queue {name!r} to go",
        timeout_s=waits.queue_gone_s,
    )


def connections_named(admin: RabbitAdmin, name: str, waits: Waits) -> list[Connection]:
    """The broker connections carrying the client-provided name `name`, once the management API lists one."""
    return wait_for(
        lambda: [c for c in admin.connections() if c.client_name == name] or None,
        reason=f"a broker connection named {name!r}",
        timeout_s=waits.management_lag_s,
    )


def consumers_with_channels(admin: RabbitAdmin, waits: Waits) -> list[Consumer]:
    """Every consumer, once the management API lists each with its channel (none while its statistics catch up)."""

    def all_named() -> list[Consumer] | None:
        listed = admin.consumers()
        return listed if all(c.channel_details for c in listed) else None

    return wait_for(all_named, reason="every consumer listed with its channel", timeout_s=waits.management_lag_s)
