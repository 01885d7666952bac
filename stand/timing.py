"""Every duration of the stand, in one place: a plain record, cheap to import (`up` and `down` load nothing heavy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

# Clause 2.1's stream limit: the durations below that are shares of it are written for these 180 s and scale with the
# stand's own limit (--stream-limit), so that a stand with a 20 s limit breaks each clause in the same proportions.
CLAUSE_LIMIT_S = 180.0


@dataclass(frozen=True)
class StandTiming:
    """Every duration the stand uses, in one place (a test fails on a time literal anywhere else in the stand)."""

    limit_s: float

    # -- fixed: the stand's own machinery ---------------------------------------------------------------------------
    main_loop_s: ClassVar[float] = 0.5  # `run` checks for a stop request this often
    housekeeping_s: ClassVar[float] = 1.0  # jobs and tasks past their lifetime are ended this often
    ready_s: ClassVar[float] = 30.0  # the REST/gRPC servers and the actors to come up
    rest_answers_s: ClassVar[float] = 20.0  # … the REST server to answer /ack
    up_s: ClassVar[float] = 60.0  # `up`: the detached stand to say it is ready
    down_s: ClassVar[float] = 40.0  # `down`: the stand to stop by itself before it is killed
    spawn_poll_s: ClassVar[float] = 0.05  # `up` looks for the ready file this often
    exit_poll_s: ClassVar[float] = 0.1  # `down` looks for the stand's exit this often
    join_s: ClassVar[float] = 5.0  # a thread of the stand, once told to stop
    server_join_s: ClassVar[float] = 10.0  # the REST server's thread
    keep_alive_s: ClassVar[float] = 30.0  # uvicorn's idle HTTP connections
    graceful_shutdown_s: ClassVar[float] = 2.0
    http_probe_s: ClassVar[float] = 2.0  # one probe request to our own servers or the management API
    broker_start_s: ClassVar[float] = 40.0  # a private RabbitMQ node to answer AMQP and the management API
    broker_stop_grace_s: ClassVar[float] = 1.0  # see PrivateBroker.stop
    broker_poll_s: ClassVar[float] = 0.2  # readiness probes of the broker
    broker_ctl_s: ClassVar[float] = 30.0  # one rabbitmqctl command
    broker_kill_s: ClassVar[float] = 10.0  # a killed broker process to be reaped
    amqp_socket_s: ClassVar[float] = 3.0  # an actor's AMQP socket
    amqp_blocked_s: ClassVar[float] = 30.0  # an actor blocked by the broker's flow control
    reconnect_pause_s: ClassVar[float] = 0.5  # an actor whose broker went away tries again after this
    stale_command_s: ClassVar[float] = 10.0  # commands queued while the broker was away are dropped after this
    actor_tick_s: ClassVar[float] = 0.1  # the interrogator and recorder's loop
    publisher_tick_s: ClassVar[float] = 0.05  # Focus Server's publisher loop
    connected_poll_s: ClassVar[float] = 0.1  # waiting for the actors' connections
    keepalive_every_s: ClassVar[float] = 1.0  # Focus Server's keepalive while a task is polled or a stream read
    # -- fixed: the stand's data ------------------------------------------------------------------------------------
    frame_interval_s: ClassVar[float] = 0.1  # paced streams batch the rows due in this interval into one frame
    history_row_dt_max_s: ClassVar[float] = 1.0  # at least one row per second of covered recording time
    history_row_dt_min_s: ClassVar[float] = 0.001
    live_row_dt_min_s: ClassVar[float] = 1e-7  # absurd configurations stay computable
    consumer_start_s: ClassVar[float] = 1.0  # a task's first rows take a moment (200 empty until then)
    waterfall_view_s: ClassVar[float] = 10.0  # displayTimeAxisDuration of a view that leaves it out
    # -- fixed: fault timings measured against a figure that is not the stream limit --------------------------------
    slow_metadata_s: ClassVar[float] = 1.3  # 2.2: over the 1 s of /live_metadata, /sensors, /channels
    slow_task_metadata_s: ClassVar[float] = 2.5  # 2.2: over the 2 s of /metadata/{id}
    slow_fail_fast_s: ClassVar[float] = 5.0  # 4.1: "at once" it is not
    resent_within_s: ClassVar[float] = 3.0  # 2.3: what counts as a frontend's resend
    late_duplicate_s: ClassVar[float] = 2.5  # 2.3: the second queue of a resent configure shows this late
    recorder_sparse_every_s: ClassVar[float] = 3.0  # 3.1: against "at least once a second"
    grpc_cut_early_s: ClassVar[float] = 2.0  # 2.1: long before any limit
    # More than the 2 s the suite allows a row beside a recording's edge, less than the margin below the limit that
    # 2.1's near-limit window leaves (so that it breaks §4, not 2.1).
    overrun_s: ClassVar[float] = 3.0
    spurious_gap_min_recording_s: ClassVar[float] = 600.0  # `spurious-gap` touches recordings longer than this

    def at_limit(self, seconds: float, floor: float = 0.0) -> float:
        """`seconds` as written for the clause's 180 s limit, scaled to this stand's limit, never below `floor`."""
        return max(seconds * self.limit_s / CLAUSE_LIMIT_S, floor)

    # -- shares of the stream limit -------------------------------------------------------------------------------
    @property
    def job_unconnected_ttl_s(self) -> float:
        """A job nobody connects to ends after this (contract: 45 to 60 s at the 180 s limit)."""
        return self.at_limit(50.0, floor=4.0)

    @property
    def recorder_stops_after_s(self) -> float:
        """`recorder-stops`: publishes this long (5 s at 180 s) …"""
        return self.at_limit(5.0, floor=0.5)

    @property
    def recorder_stops_period_s(self) -> float:
        """… out of every this long (55 s at 180 s): silent far longer than the 1 s of 3.1, inside the nightly's
        listening window (a minute at 180 s), rarely inside the quick profile's 3 s."""
        return self.at_limit(55.0, floor=5.0)

    @property
    def gap_length_s(self) -> float:
        """`spurious-gap`, `recordings-lose-10s`: each gap inside a recording lasts this long (10 s at 180 s); at
        least 2 s of missing rows, which leave a 3 s jump between rows, over 4.2's 2 s continuity threshold."""
        return self.at_limit(10.0, floor=2.0)

    @property
    def spurious_gap_every_s(self) -> float:
        """… one gap per stream limit (3 min at 180 s): a window outlasting the limit still outlasts it, and 2.1's
        windows (under the limit) lose at most one gap's rows, never their last second."""
        return self.limit_s

    @property
    def spurious_gap_clear_s(self) -> float:
        """`spurious-gap` leaves this much of each end of a recording whole (half the limit): more than the side of
        a window beside an edge (a third of it), less than a window from a recording's start (two thirds)."""
        return self.at_limit(90.0)

    @property
    def lose_10s_first_after_s(self) -> float:
        """`recordings-lose-10s`: the first gap this long after a recording's start (5 s at 180 s), inside even the
        shortest side of a §4 window."""
        return self.at_limit(5.0, floor=1.0)

    @property
    def history_early_s(self) -> float:
        """`history-ends-early`: a history stream ends OK this long before its last recorded second (10 s at 180 s);
        at least 3 s, past the 2 s the suite allows a recording's last row to sit from its end."""
        return self.at_limit(10.0, floor=3.0)

    @property
    def grpc_stall_after_s(self) -> float:
        """`grpc-stall`: a live stream falls silent after this (5 s at 180 s), well inside the listening window."""
        return self.at_limit(5.0, floor=1.0)
