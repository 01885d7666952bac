"""The fault switches, declared here and nowhere else: each breaks exactly the clause(s) it names and leaves the rest
intact. Tools read them through `python -m stand faults --json`, never by import.

A new fault is its line below and its switch, `fault.on(name)`, where it breaks the stand (a route of stand/rest.py,
the jobs, tasks, stream, catalogue or actors); tests/stand/test_faults.py fails on either alone. Its sizes come from
stand/timing.py (the clarifications' figures).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from stand.timing import StandTiming


@dataclass(frozen=True)
class Fault:
    name: str
    clauses: tuple[str, ...]  # the clause ids this fault breaks
    description: str
    # The APIs through which the fault can be seen: a stand shape offering none of them cannot show it, so the
    # mutation matrix skips the fault there (e.g. a waterfall fault on the job-only shape).
    apis: tuple[str, ...] = ("task", "job")
    # Only visible on a scenario that runs for the real limit, or that listens for the nightly profile's window
    # (FOCUS_LISTEN_S): the mutation matrix runs it in the nightly profile.
    slow: bool = False
    # Clauses it leaves unjudgeable, not broken: their scenarios read the broken clause's data (§4's history over
    # gRPC behind a stream cut by a wrong limit), so the suite may rightly say "not verified" there (a broken
    # environment), never fail them. The stand's own checks see their data cut on the wire all the same.
    unjudged: tuple[str, ...] = ()

    def applies_to(self, shape: str) -> bool:
        """Whether a stand of `shape` (task, job or both) can show this fault."""
        return bool(set(self.apis) & set(offered_apis(shape)))

    def slow_on(self, shape: str) -> bool:
        """Only visible on @slow scenarios on this shape: history (4.2-4.6) over gRPC plays at recording pace, in
        @slow scenarios only; a history fault is seen there alone without the task API, or when it is a job-API one."""
        seen_over_grpc_only = shape == "job" or "task" not in self.apis
        return self.slow or (seen_over_grpc_only and set(self.clauses) <= set(HISTORY_CLAUSES))


TASK, JOB = ("task",), ("job",)
SHAPES = ("both", "task", "job")  # the stand's shapes: `--api`; both is the default
HISTORY_CLAUSES = ("4.2", "4.3", "4.4", "4.5", "4.6")


def offered_apis(shape: str) -> tuple[str, ...]:
    """The APIs a stand of `shape` offers."""
    if shape not in SHAPES:
        raise ValueError(f"unknown API shape {shape!r}; known: {', '.join(SHAPES)}")
    return ("task", "job") if shape == "both" else (shape,)


FAULTS: tuple[Fault, ...] = (
    # 1.1 exchange
    Fault("extra-exchange", ("1.1",), "Focus Server also declares a `baby_analyzer_commands` exchange"),
    Fault("exchange-fanout", ("1.1",), "`prisma` is declared as a fanout exchange instead of topic"),
    Fault("exchange-transient", ("1.1",), "`prisma` is declared non-durable"),
    Fault("commands-elsewhere", ("1.1",), "Focus Server publishes its commands to `amq.topic`, not `prisma`"),
    Fault("keepalive-elsewhere", ("1.1",), "Focus Server publishes its keepalives to `amq.topic` (its roi to prisma)"),
    Fault("commands-copied-elsewhere", ("1.1",), "Focus Server publishes each command to `prisma` and to `amq.topic`"),
    # 1.2 queues
    Fault("focus-queue", ("1.2",), "Focus Server declares and consumes a `focus_server_queue`"),
    Fault("recorder-queue-renamed", ("1.2",), "the Smart Recorder's input queue is `smart_recorder_input`"),
    Fault("job-queue-pattern", ("1.2",), "per task/job queues are named `results_{id}`"),
    Fault("results-queue-lingers", ("1.2",), "a task's/job's `{id}_results` queue is kept after it ends"),
    Fault("bare-routing-keys", ("1.2",), "commands go out with routing keys `roi`/`keepalive`"),
    Fault("keepalive-bare-key", ("1.2",), "keepalives go out with the routing key `keepalive` (roi's key is right)"),
    Fault("focus-exclusive-queue", ("1.2",), "Focus Server's connection holds an exclusive server-named queue"),
    # 2.1 gRPC stream limit (scaled with --stream-limit: 240 and 60 are 4/3 and 1/3 of 180). A stream cut early cuts
    # history over gRPC too (4.x on the job API): what came agrees with §4, which the suite rightly calls not
    # verified (see clause 2.1), never failed.
    Fault("grpc-limit-240", ("2.1",), "streams are cut at 240 s (4/3 of the stream limit)", JOB, slow=True),
    Fault("grpc-limit-60", ("2.1",), "streams are cut at 60 s (1/3 of the limit)", JOB, True, HISTORY_CLAUSES),
    Fault("grpc-end-ok", ("2.1",), "at the limit a stream ends with status OK, not DEADLINE_EXCEEDED", JOB, slow=True),
    Fault("grpc-cut-early", ("2.1",), "streams end DEADLINE_EXCEEDED after 2 s", JOB, unjudged=HISTORY_CLAUSES),
    # the job API's end of stream (4.x over gRPC) is this OK ending
    Fault(
        "grpc-history-hangs",
        ("2.1", "4.2", "4.3", "4.4", "4.5"),
        "a history stream whose data ran out stays open until the limit instead of ending OK",
        JOB,
        slow=True,
    ),
    Fault("grpc-stall", ("2.1",), "a live stream falls silent after 5 s and stays open until the limit", JOB, True),
    # Over gRPC history (4.x on the job API) is a history stream too: a skipped second is a missing second there.
    Fault("grpc-history-skips", HISTORY_CLAUSES, "a history stream leaves out every 10th recorded second", JOB),
    # 2.2 metadata is quick
    Fault("slow-live-metadata", ("2.2",), "`GET /live_metadata` takes 1.3 s"),
    Fault("slow-task-metadata", ("2.2",), "`GET /metadata/{task_id}` takes 2.5 s", TASK),
    Fault("slow-job-metadata", ("2.2",), "`GET /metadata/{job_id}` takes 2.5 s", JOB),
    Fault("slow-sensors", ("2.2",), "`GET /sensors` takes 1.3 s", TASK),
    Fault("slow-channels", ("2.2",), "`GET /channels` takes 1.3 s", JOB),
    # 2.3 idempotent configure; "resent": the same `POST /configure` again within 3 s
    Fault("config-not-idempotent", ("2.3",), "the same `POST /config/{task_id}` again answers 409", TASK),
    Fault("configure-not-equivalent", ("2.3",), "a resent configure is split into other streams", JOB),
    Fault("resent-job-lingers", ("2.3",), "the job of a resent configure never ends, read or not", JOB),
    Fault("resent-job-unreadable", ("2.3",), "a resent configure answers alike, its stream ends without a frame", JOB),
    # Keyed on the body alone and remembered for the stand's life: a deployment's frontend sent the common bodies long
    # before the nightly, so only a check whose first send is a body nobody sent before can see it.
    Fault(
        "degrade-seen-body",
        ("2.3",),
        "a configure body answered before, at any time and under any task id, is answered degraded: the job API's "
        "describing half its channels, the task API's with a `cached` mark",
    ),
    Fault("late-duplicate-queue", ("2.3",), "the same `POST /config/{id}` again: 2.5 s later a second queue", TASK),
    # 3.1 Smart Recorder over AMQP
    Fault("recorder-silent", ("3.1",), "the Smart Recorder consumes but never publishes `recorder.data.*`"),
    Fault("recorder-wrong-key", ("3.1",), "the Smart Recorder publishes with routing keys `recorder_data.*`"),
    Fault("recorder-sparse", ("3.1",), "the Smart Recorder publishes only once every 3 s"),
    Fault("no-interrogator-queue", ("3.1",), "there is no `interrogator_input` queue"),
    Fault("recorder-copied-elsewhere", ("3.1",), "the Smart Recorder also publishes a copy of its data to `amq.topic`"),
    Fault("recorder-stops", ("3.1",), "the Smart Recorder publishes 5 s, then is silent 50 s, and so on", slow=True),
    # 4.x history
    Fault("no-fail-fast", ("4.1",), "a window without recordings is accepted (200), then an empty stream"),
    Fault("not-found-404", ("4.1",), "a window without recordings answers 404 `No recording found…`"),
    Fault("slow-fail-fast", ("4.1",), "a window without recordings answers 400 only after 5 s"),
    Fault("refused-task-lingers", ("4.1",), "a refused task's waterfall answers 200 (empty), not 404", TASK),
    Fault("spurious-gap", ("4.2",), "recordings over 10 min lose 10 s of rows every 3 min, away from their ends"),
    # 10 s missing inside recordings is §4's concern alone: clause 2.1 judges the limit, not the rows' completeness.
    # slow: 2.1's history scenarios (@slow) must be seen to stay green, on every shape
    Fault("recordings-lose-10s", HISTORY_CLAUSES, "every recording loses 10 s of rows every 3 min", slow=True),
    # 4.6 too: over gRPC a filled hole plays at recording pace, so the recorded data after it misses the stream limit
    # (the stream is cut, but the rows from inside the hole came first: a defect of §4, not of the limit).
    Fault("gap-filled", ("4.3", "4.6"), "holes between recordings are filled with rows"),
    Fault("strict-gaps", ("4.3", "4.4", "4.5", "4.6"), "a window with a hole answers 400 (strict mode)"),
    Fault("no-eos", ("4.2", "4.3", "4.4", "4.5"), "a history task never ends: its waterfall never answers 208", TASK),
    # 2.1 by the stream that should have lasted to the limit (more recorded data than it), ended OK at once; the short
    # windows' OK ending before their data came is §4's business, not 2.1's (history-ends-early shows it alone).
    # Their 4.x scenarios over gRPC are @slow ones; 2.1's history scenarios must be seen to stay green.
    Fault("history-stream-empty", ("2.1", *HISTORY_CLAUSES), "a history job's stream ends OK at once", JOB, True),
    Fault("history-ends-early", HISTORY_CLAUSES, "a history stream ends OK 10 s before its last second", JOB, True),
    Fault("history-overrun", ("4.2", "4.3", "4.4", "4.5"), "a history stream sends 5 s of rows past its end", JOB),
    Fault("rows-after-eos", ("4.4", "4.5"), "after its 208 a history waterfall answers its last row again", TASK),
    Fault(
        "rows-with-200", HISTORY_CLAUSES, "a history waterfall brings its rows with 200 (nothing yet), not 201", TASK
    ),
    Fault("history-ends-at-hole", ("4.3", "4.6"), "history plays only the recording before a window's first hole"),
)

BY_NAME: dict[str, Fault] = {fault.name: fault for fault in FAULTS}


def registry_json() -> str:
    """The registry as the mutation tool reads it."""
    return json.dumps(
        [
            asdict(fault)
            | {
                "shapes": [shape for shape in SHAPES if fault.applies_to(shape)],
                "slow_on": [shape for shape in SHAPES if fault.slow_on(shape)],
            }
            for fault in FAULTS
        ],
        indent=2,
    )


def check_fault(name: str | None) -> str | None:
    """`name` if it is a known fault (or None); a ValueError naming the known ones otherwise."""
    if name is None or name in BY_NAME:
        return name
    raise ValueError(f"unknown fault {name!r}; known: {', '.join(BY_NAME)}")


class ActiveFault:
    """The one fault a stand runs with (or none): `fault.on("gap-filled")` reads well at the point of use."""

    def __init__(self, name: str | None, timing: StandTiming | None = None) -> None:
        self.name = check_fault(name)
        self.timing = timing or StandTiming()  # how long each fault's effect lasts, at the stand's limit

    def on(self, name: str) -> bool:
        if name not in BY_NAME:
            raise KeyError(name)  # a typo at a point of use must not silently mean "off"
        return self.name == name
