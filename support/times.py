"""The one time context, built once per run (`Times.of(settings)`; Kubernetes' `TimeoutContext`): the clarifications'
figures (`FIGURES`, features/clauses.yaml, which the stand reads too); the shares of the stream limit under test,
each a named field written for 180 s and scaled (so a 20 s stand proves the same checks red), and the job API's
window sizes; the waits a deployment may set (`Waits`: FOCUS_<NAME> or its `acceptance:` key). A time literal
elsewhere fails tests/suite/test_time_in_one_place.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from support.clauses import FIGURES

CLAUSE_LIMIT_S = FIGURES["stream_limit_s"]
CONTINUITY_MS = int(FIGURES["continuity_ms"])  # 4.2's gap threshold; also how far a recording's edge row may sit
HOLE_OVER_S = int(FIGURES["hole_over_ms"] // 1000)  # 4.3: a hole is more than a minute
FAIL_FAST_S = FIGURES["fail_fast_s"]  # 4.1: "at once", under 2 s
MINUTE_S = 60

# How the clients poll: fixed, whatever the target.
POLL_S = 0.5  # a wait's pause between two probes
FAST_POLL_S = 0.2  # ... where the answer is expected within seconds (a waterfall, queues)
READ_SLICE_S = 0.1  # one read of a probe's socket blocks at most this long (less on a delivery)
TRANSIENT_TRIES = 3  # a management API call answering 5xx is asked this many times in all
RECORDER_ALLOWANCE_S = 0.25  # the broker's own delivery jitter on top of 3.1's "once a second"
QUICK_LISTEN_S = 3.0  # the listening window of the quick profile

# The windows the suite searches for, beside the examples' own sizes (FIGURES).
OUTAGE_S = 3600  # a hole this long is an outage between two windows, not a hole in one
MIN_SIDE_S = 10  # the least recorded time on each side of a hole
WINDOW_MARGIN_S = 60  # how far a window keeps from recordings it must not hold (and from now)
WINDOW_EDGE_S = 2  # how far a window's end keeps from the next recording (whole seconds; rows may lie 2 s off)
TASK_COVERED_S = 600  # the task API's covered window where no example shape is found
NEAR_LIMIT_ROOM_S = 4.0  # 2.1's near-limit window leaves at least this much of a short limit unused


def wait(default: float, reason: str) -> Any:
    """A wait's field: its default for the stand and a default RabbitMQ, and why it lasts that long."""
    return Field(default, gt=0, description=reason)


class Waits(BaseModel):
    """The waits a deployment paces, each overridable (FOCUS_<NAME>, or its key in the deployment's `acceptance:`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    http_timeout_s: float = wait(30.0, "one REST request to answer")
    grpc_ready_s: float = wait(30.0, "a new job's gRPC stream to take its first connection (a real job's pod)")
    task_ready_s: float = wait(30.0, "a configured task's metadata to answer 201 (its consumer runs)")
    management_lag_s: float = wait(20.0, "the management API to list a new connection (statistics lag behind)")
    keepalive_s: float = wait(20.0, "a polled task's keepalive command to arrive (its period is the target's)")
    queue_gone_s: float = wait(20.0, "a job's queue to go once the job ended (the contract gives no figure)")
    queue_shows_s: float = wait(15.0, "a fresh task's or job's results queue to show in the management API")
    queue_settle_s: float = wait(5.0, "a late second queue of a resent task to show, so that it still counts")
    roi_arrives_s: float = wait(15.0, "a configure's roi command to reach our probe queue")
    elsewhere_grace_s: float = wait(2.0, "a copy on another exchange, published a moment later, to still count")
    waterfall_read_s: float = wait(60.0, "a whole history read over the task API's waterfall")
    waterfall_end_grace_s: float = wait(5.0, "the 208 to follow once the rows reached the last recorded instant")
    probe_connect_s: float = wait(10.0, "an AMQP probe's connection, and each management API call")
    preflight_s: float = wait(4.0, "each preflight request: a down target is one line, at once")
    transient_retry_s: float = wait(1.0, "the pause before a management API call that answered 5xx is asked again")
    backstop_s: float = wait(5.0, "gRPC's own deadline behind our timer: reached only if the timer failed")
    thread_join_s: float = wait(5.0, "a background reader's thread to end once its call is cancelled")
    poller_life_s: float = wait(900.0, "the most a background poller lives that nobody stopped; never reached")
    stand_up_s: float = wait(120.0, "`stand up` for a behave run alone, its broker included")


WAIT_NAMES = tuple(Waits.model_fields)


class TimedSettings(Protocol):
    stream_limit_s: float
    stream_tolerance_s: float | None
    listen_s: float | None
    profile: str
    timeouts: Waits


@dataclass(frozen=True)
class Times:
    """The run's durations: the limit under test and its shares, the history windows' sizes, the waits."""

    limit_s: float
    tolerance_s: float  # how far from the limit a server's ending may fall: 3 s at 180 s
    listen_s: float  # the listening window: 3 s (quick), a minute at 180 s (nightly)
    deadline_s: float  # our own deadline on a stream: the limit and 30 s at 180 s, so any ending before is the server's
    job_slot_wait_s: float  # a scenario's wait for one of the run's job slots (6 minutes at 180 s)
    budget_s: int  # the most recorded data one job-API window holds: two thirds of the limit
    side_s: int  # recorded time beside an edge, or nothing after/before a recording: a third of the limit
    clear_s: int  # the nothing a smallest shape needs beside a recording: a side and the edge
    short_history_s: int  # 2.1: recorded data that runs out long before the limit (a sixtieth of it)
    near_limit_history_s: int  # 2.1: a little less than the limit (17/18 of it)
    outlasting_history_s: int  # 2.1: more than the limit, by a third of it
    waits: Waits
    fail_fast_s: float = FAIL_FAST_S  # 4.1's "at once"

    @classmethod
    def of(cls, settings: TimedSettings) -> Times:
        limit = settings.stream_limit_s
        nightly = settings.profile == "nightly"
        return cls(
            limit_s=limit,
            tolerance_s=settings.stream_tolerance_s
            if settings.stream_tolerance_s is not None
            else _at(limit, 3.0, 1.0),
            listen_s=settings.listen_s or (_at(limit, 60.0, 5.0) if nightly else QUICK_LISTEN_S),
            deadline_s=limit + _at(limit, 30.0, 10.0),
            job_slot_wait_s=_at(limit, 360.0, 60.0),
            budget_s=max(2, int(limit * 2 / 3)),
            side_s=max(1, int(limit / 3)),
            clear_s=max(1, int(limit / 3)) + WINDOW_EDGE_S,
            short_history_s=max(1, int(limit / 60)),
            near_limit_history_s=int(limit - max(limit / 18, NEAR_LIMIT_ROOM_S)),
            outlasting_history_s=int(limit * 4 / 3),
            waits=settings.timeouts,
        )

    def scaled(self, seconds: float) -> float:
        """A feature file's figure written at 180 s, at the limit under test; never below 2 s."""
        return _at(self.limit_s, seconds, min(seconds, 2.0))

    def in_force(self) -> dict[str, float]:
        """Every wait and share of the limit by name, as this run uses them (the report's environment lists them)."""
        shares = {"stream_tolerance_s": self.tolerance_s, "deadline_s": self.deadline_s, "listen_s": self.listen_s}
        return {**self.waits.model_dump(), **shares, "job_slot_wait_s": self.job_slot_wait_s}


def _at(limit_s: float, seconds: float, floor: float) -> float:
    """`seconds` written for 180 s, at the limit under test, never below `floor` (what the wire needs whatever the
    limit)."""
    return max(seconds * limit_s / CLAUSE_LIMIT_S, floor)
