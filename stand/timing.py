"""Every duration of the stand, in one place: the clarifications' figures (features/clauses.yaml) and what derives
from them, beside the stand's own machinery. Cheap to import (`up` and `down` load nothing heavy)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import yaml

REGISTER = Path(__file__).resolve().parent.parent / "features" / "clauses.yaml"
FIGURES: dict[str, float] = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))["figures"]
CONTINUITY_S = FIGURES["continuity_ms"] / 1000


class StandTiming:
    """Every duration the stand uses (a test fails on a time literal anywhere else in the stand). Shares of the
    stream limit scale with the stand's own (--stream-limit), so a 20 s stand breaks each clause in proportion."""

    # -- fixed: the stand's own machinery ---------------------------------------------------------------------------
    poll_s: ClassVar[float] = 0.1  # `up`, `down` and the start look for what they wait for this often
    housekeeping_s: ClassVar[float] = 1.0  # jobs and tasks past their lifetime are ended this often
    ready_s: ClassVar[float] = 30.0  # the REST/gRPC servers and the actors to come up
    up_s: ClassVar[float] = 60.0  # `up`: the detached stand to say it is ready
    down_s: ClassVar[float] = 40.0  # `down`: the stand to stop by itself before it is killed
    join_s: ClassVar[float] = 5.0  # a thread of the stand, once told to stop
    keep_alive_s: ClassVar[float] = 30.0  # uvicorn's idle HTTP connections
    graceful_shutdown_s: ClassVar[float] = 2.0
    http_probe_s: ClassVar[float] = 2.0  # one probe request to our own servers or the management API
    broker_start_s: ClassVar[float] = 40.0  # a private RabbitMQ node to answer AMQP and the management API
    broker_stop_grace_s: ClassVar[float] = 1.0  # see PrivateBroker.stop
    broker_poll_s: ClassVar[float] = 0.2  # readiness probes of the broker
    broker_ctl_s: ClassVar[float] = 30.0  # one rabbitmqctl command
    amqp_socket_s: ClassVar[float] = 3.0  # an actor's AMQP socket
    amqp_blocked_s: ClassVar[float] = 30.0  # an actor blocked by the broker's flow control
    reconnect_pause_s: ClassVar[float] = 0.5  # an actor whose broker went away tries again after this
    stale_command_s: ClassVar[float] = 10.0  # commands queued while the broker was away are dropped after this
    actor_tick_s: ClassVar[float] = 0.1  # the interrogator, recorder and analyzer's loop
    publisher_tick_s: ClassVar[float] = 0.05  # Focus Server's publisher loop
    keepalive_every_s: ClassVar[float] = FIGURES["recorder_every_s"]  # Focus Server's keepalive per polled run
    task_idle_ttl_s: ClassVar[float] = 2 * FIGURES["unread_job_gone_s"]  # an idle task ends after this
    # -- fixed: the stand's data ------------------------------------------------------------------------------------
    frame_interval_s: ClassVar[float] = 0.1  # paced streams batch the rows due in this interval into one frame
    history_row_dt_max_s: ClassVar[float] = 1.0  # at least one row per second of covered recording time
    history_row_dt_min_s: ClassVar[float] = 0.001
    live_row_dt_min_s: ClassVar[float] = 1e-7  # absurd configurations stay computable
    consumer_start_s: ClassVar[float] = 1.0  # a task's first rows take a moment (200 empty until then)
    waterfall_view_s: ClassVar[float] = 10.0  # displayTimeAxisDuration of a view that leaves it out
    # -- fault sizes measured against a figure that is not the stream limit -----------------------------------------
    slow_metadata_s: ClassVar[float] = 1.3 * FIGURES["quick_metadata_s"]  # 2.2: over /live_metadata's bound
    slow_task_metadata_s: ClassVar[float] = 1.25 * FIGURES["lookup_metadata_s"]  # 2.2: over /metadata/{id}'s
    slow_fail_fast_s: ClassVar[float] = 2.5 * FIGURES["fail_fast_s"]  # 4.1: "at once" it is not
    resent_within_s: ClassVar[float] = 1.5 * FIGURES["fail_fast_s"]  # 2.3: what counts as a frontend's resend
    late_duplicate_s: ClassVar[float] = 1.25 * FIGURES["fail_fast_s"]  # 2.3: a resend's second queue, this late
    recorder_sparse_every_s: ClassVar[float] = 3 * FIGURES["recorder_every_s"]  # 3.1: "at least once a second"
    grpc_cut_early_s: ClassVar[float] = FIGURES["fail_fast_s"]  # 2.1: long before any limit
    # More than the continuity threshold the suite allows a row beside a recording's edge, less than the margin below
    # the limit that 2.1's near-limit window leaves (so that it breaks §4, not 2.1).
    overrun_s: ClassVar[float] = 1.5 * CONTINUITY_S
    spurious_gap_min_recording_s: ClassVar[float] = FIGURES["example_covered_min_s"]  # `spurious-gap` touches these

    # -- shares of the stream limit (the figures in brackets are at the clause's 180 s) ------------------------------
    def __init__(self, limit_s: float = FIGURES["stream_limit_s"]) -> None:
        self.limit_s = limit_s
        every_s = FIGURES["recorder_every_s"]
        # A job nobody connects to ends after this [50 s]: inside the contract's 60 s, scaled.
        self.job_unconnected_ttl_s = max(
            limit_s / FIGURES["stream_limit_s"] * FIGURES["unread_job_gone_s"] * 5 / 6, 2 * CONTINUITY_S
        )
        # `recorder-stops`: publishes this long [5 s] out of every period [55 s]: silent far longer than 3.1's second,
        # inside the nightly's listening window (a third of the limit), rarely inside the quick profile's 3 s.
        self.recorder_stops_after_s = max(limit_s / 36, every_s / 2)
        self.recorder_stops_period_s = max(limit_s * 11 / 36, 5 * every_s)
        # `spurious-gap`, `recordings-lose-10s`: each gap inside a recording lasts this long [10 s]; at least 4.2's
        # continuity threshold of missing rows (a jump over it between rows).
        self.gap_length_s = max(limit_s / 18, CONTINUITY_S)
        # … one gap per stream limit: a window outlasting the limit still outlasts it, and 2.1's windows (under the
        # limit) lose at most one gap's rows, never their last second.
        self.spurious_gap_every_s = limit_s
        # `spurious-gap` leaves this much of each end of a recording whole (half the limit): more than the side of a
        # window beside an edge (a third of it), less than a window from a recording's start (two thirds).
        self.spurious_gap_clear_s = limit_s / 2
        # `recordings-lose-10s`: the first gap this long after a recording's start [5 s], inside even the shortest
        # side of a §4 window.
        self.lose_10s_first_after_s = max(limit_s / 36, every_s)
        # `history-ends-early`: a history stream ends OK this long before its last recorded second [10 s]; past the
        # continuity threshold the suite allows a recording's last row to sit from its end.
        self.history_early_s = max(limit_s / 18, 1.5 * CONTINUITY_S)
        # `grpc-stall`: a live stream falls silent after this [5 s], well inside the listening window.
        self.grpc_stall_after_s = max(limit_s / 36, every_s)
