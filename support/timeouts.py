"""The one timeout context: every wait of the suite, a named field with its reason, overridable per deployment.

A slow staging raises a wait, not a constant in code: each field reads `FOCUS_<NAME>` (`FOCUS_QUEUE_SHOWS_S=30`), or
the same key in the deployment's `acceptance:` mapping of the team's environments YAML (support/deployments.py).
Reached as `settings.timeouts` (support/settings.py); the waiters (support/waiters.py) and the clients read their
timeouts here, and the report lists every value in force (`in_force`). A wait that runs out fails its check (or, in
set-up, is a precondition not met): raise it for a slower target rather than retry the run.

The shares of the stream limit (the tolerance of an ending, our own deadline past the limit, the nightly's listening
window, a job slot's wait) are not here but in `Timing`: they follow `FOCUS_STREAM_LIMIT_S` (the mutation matrix runs
at 20 s); `in_force` lists them too, as they are at the limit under test. The Kubernetes e2e framework's
`TimeoutContext` is the model.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


def wait(default: float, reason: str) -> float:
    """A wait's field: its default for the stand and a default RabbitMQ, and why it lasts that long."""
    return Field(default, gt=0, description=reason)


class Timeouts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # -- what a deployment paces by itself --------------------------------------------------------------------------
    http_timeout_s: float = wait(30.0, "one REST request to answer")
    grpc_ready_s: float = wait(
        30.0, "a new job's gRPC stream to take its first connection (a real job's pod needs seconds)"
    )
    task_ready_s: float = wait(30.0, "a configured task's metadata to answer 201 (its consumer runs)")
    management_lag_s: float = wait(20.0, "the management API to list a new connection (statistics lag behind)")
    keepalive_s: float = wait(20.0, "a polled task's keepalive command to arrive (its period is the target's)")
    queue_gone_s: float = wait(20.0, "a job's queue to go once the job ended (the contract gives no figure)")
    queue_shows_s: float = wait(15.0, "a fresh task's or job's results queue to show in the management API")
    queue_settle_s: float = wait(5.0, "a late second queue of a resent task to show, so that it still counts")
    roi_arrives_s: float = wait(15.0, "a configure's roi command to reach our probe queue")
    elsewhere_grace_s: float = wait(2.0, "a copy on another exchange, published a moment later, to still count")
    waterfall_read_s: float = wait(60.0, "a whole history read over the task API's waterfall")
    waterfall_end_grace_s: float = wait(
        5.0, "the 208 to follow once the rows reached the window's last recorded instant"
    )
    # -- the suite's own connections and clean-up ------------------------------------------------------------------
    probe_connect_s: float = wait(10.0, "an AMQP probe's connection, and each management API call")
    preflight_s: float = wait(4.0, "each preflight request: a down target is one line, at once")
    transient_retry_s: float = wait(1.0, "the pause before a management API call that answered 5xx is asked again")
    backstop_s: float = wait(5.0, "gRPC's own deadline behind our timer: reached only if the timer failed")
    thread_join_s: float = wait(5.0, "a background reader's thread to end once its call is cancelled")
    poller_life_s: float = wait(900.0, "the most a background poller lives that nobody stopped; never reached")
    stand_up_s: float = wait(120.0, "`stand up` for a run, its broker included (the embedded stand only)")
    stand_down_s: float = wait(60.0, "`stand down` (the embedded stand only)")

    def in_force(self) -> dict[str, float]:
        """Every wait by name, as this run uses it."""
        return self.model_dump()


NAMES = tuple(Timeouts.model_fields)
