"""One quick over-the-wire check per clause: raises AssertionError when the stand breaks that clause.

A fault-free stand must pass them all; a stand with `--fault X` must fail exactly the clauses X breaks.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import grpc
from polls import READY_S, comes, never, observe, watch_for
from stand_wire import (
    Probe,
    StandHandle,
    gaps_ms,
    history_task_body,
    job_body,
    live_task_body,
    read_stream,
    unique_id,
    utc,
)

STREAM_TOLERANCE_S = 1.0


def _config(stand: StandHandle, body: dict, prefix: str) -> str:
    task_id = unique_id(prefix)
    answer = stand.post(f"/config/{task_id}", body)
    assert answer.status_code == 200, f"configure answered {answer.status_code} {answer.text[:200]}"
    return task_id


def _history_rows(stand: StandHandle, start: str, end: str) -> tuple[str, list[int]]:
    """A new history task's id, and the start (s) of each of its rows: they must end with 208."""
    task_id = _config(stand, history_task_body(start, end), "hist")
    rows, status = stand.drain_task(task_id, timeout_s=5)
    assert status == 208, f"history did not end with 208 (last status {status})"
    return task_id, sorted(r["startTimestamp"] // 1000 for r in rows)


def _job_history(stand: StandHandle, start: str, end: str, *, must_end_ok: bool = True, channels: int = 8) -> list[int]:
    """Seconds (epoch s) of every row of a history job's gRPC stream, read to its end (the job API's rendering).
    Checks that run side by side send bodies of their own (`channels`): the same body twice within seconds is a
    resend to the stand."""
    body = job_body(channels={"min": 1, "max": channels}, start_time=utc(start), end_time=utc(end))
    answer = stand.post("/configure", body)
    assert answer.status_code == 200, f"history job answered {answer.status_code} {answer.text[:200]}"
    outcome = read_stream(answer.json(), deadline_s=float(stand.env["FOCUS_STREAM_LIMIT_S"]) * 3)
    if must_end_ok:
        assert outcome.code == grpc.StatusCode.OK, f"history stream ended {outcome.code} at {outcome.seconds:.1f} s"
    return sorted({stamp // 1000 for stamp in outcome.timestamps})


def _seconds(*instants: str) -> list[int]:
    return [utc(instant) for instant in instants]


# A copy of a command on another exchange, published a moment after the original, still counts (an observation
# window, not a wait for readiness).
ELSEWHERE_WINDOW_S = 0.5
RECORDER_LISTEN_S = 3.0  # 3.1: how long the recorder's traffic is listened to (an observation window)
# 2.1's history windows: the last seconds of a recording, and one with more recorded data than the limit.
LAST_ONES = ("2025-10-11 10:04:57", "2025-10-11 10:05:00")
OUTLASTING_FROM = "2025-10-08 09:10:00"


def exchange_1_1(stand: StandHandle) -> None:
    exchanges = stand.exchanges()
    custom = sorted(n for n in exchanges if n and not n.startswith("amq."))
    assert custom == ["prisma"], f"custom exchanges: {custom}"
    assert exchanges["prisma"]["type"] == "topic", exchanges["prisma"]["type"]
    assert exchanges["prisma"]["durable"] is True, "prisma is not durable"
    with (
        Probe(stand.env["FOCUS_AMQP_URL"], [("prisma", "#")]) as probe,
        Probe(stand.env["FOCUS_AMQP_URL"], [("amq.topic", "#")]) as elsewhere,
    ):
        task_id = _config(stand, live_task_body(sensors={"min": 3, "max": 9}), "ex")
        assert comes(lambda: any(b"RegionOfInterestCommand" in m[1] for m in probe.messages)), (
            "no roi command arrived on prisma"
        )
        # Polling its waterfall makes Focus Server send keepalives: on prisma too, and nothing anywhere else.
        assert comes(
            lambda: (
                stand.get(f"/waterfall/{task_id}/10") is not None
                and any(b"KeepaliveCommand" in m[1] for m in probe.messages)
            )
        ), "no keepalive arrived on prisma"
        assert never(lambda: any(b"Command" in m[1] for m in elsewhere.messages), ELSEWHERE_WINDOW_S), (
            f"commands also went through amq.topic: {[m[0] for m in elsewhere.messages if b'Command' in m[1]]}"
        )


def queues_1_2(stand: StandHandle) -> None:
    queues = stand.queues()
    assert "recorder_input" in queues, f"no recorder_input among {sorted(queues)}"
    consumers = stand.consumers_by_connection()
    assert "recorder_input" in consumers.get("smart-recorder", []), consumers
    assert not consumers.get("focus-server"), f"focus-server consumes {consumers.get('focus-server')}"
    assert not [q for q in queues if "focus" in q], f"a focus queue exists: {sorted(queues)}"
    owned = stand.exclusive_queues_of("focus-server")
    assert not owned, f"focus-server owns exclusive queues {owned}"
    assert any(c["client_properties"].get("connection_name") == "focus-server" for c in stand.connections())
    # Commands carry baby_analyzer.commands.<command>, wherever they are published; a job's results queue
    # is bound to prisma while the job runs and goes with it.
    with Probe(stand.env["FOCUS_AMQP_URL"], [("prisma", "#"), ("amq.topic", "#")]) as probe:
        answer = stand.post(
            "/configure", job_body(start_time=utc("2025-10-11 10:04:58"), end_time=utc("2025-10-11 10:05:00"))
        ).json()
        results = f"{answer['job_id']}_results"
        assert comes(lambda: results in stand.queues()), f"no {results} queue"
        # The queue is declared, then bound: the binding may show a moment after the queue.
        assert comes(lambda: any(b["source"] == "prisma" for b in stand.bindings_of(results))), (
            f"{results} is not bound to prisma"
        )
        read_stream(answer, keep_frames=1, deadline_s=30)
        wanted = {"baby_analyzer.commands.roi", "baby_analyzer.commands.keepalive"}
        comes(lambda: wanted <= {m[0] for m in probe.messages if b"Command" in m[1]})
        keys = {m[0] for m in probe.messages if b"Command" in m[1]}
    assert wanted <= keys, keys
    assert comes(lambda: results not in stand.queues()), f"{results} outlived its job"


def stream_limit_2_1(stand: StandHandle) -> None:
    limit = float(stand.env["FOCUS_STREAM_LIMIT_S"])
    # A live stream, and a history one with twice the limit of recorded data (more than the limit even where a fault
    # leaves seconds out), read side by side: each delivers until the limit, where the server ends it.
    live = stand.post("/configure", job_body()).json()
    start = utc(OUTLASTING_FROM)
    body = job_body(channels={"min": 1, "max": 11}, start_time=start, end_time=start + math.ceil(limit * 2))
    history = stand.post("/configure", body).json()
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda answer: read_stream(answer, deadline_s=limit * 3), (live, history)))
    for mode, outcome in zip(("live", "history"), outcomes, strict=True):
        assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED and outcome.by_server, f"{mode} stream {outcome}"
        assert abs(outcome.seconds - limit) <= STREAM_TOLERANCE_S, (
            f"{mode} stream cut after {outcome.seconds:.1f} s, limit {limit}"
        )
        assert outcome.data_seconds >= limit - 1.5, (
            f"{mode} frames stopped after {outcome.data_seconds:.1f} s of {limit} s"
        )
    # A history stream whose data runs out first ends OK before the limit, cut by no error while its data remained.
    # 2.1 judges the limit alone: whether every second came, the last ones included, is §4's (grpc-history-skips,
    # recordings-lose-10s leave seconds out; history-stream-empty, history-ends-early end OK early). Three recorded
    # seconds, in a body no other check sends.
    history = stand.post(
        "/configure",
        job_body(channels={"min": 1, "max": 10}, start_time=utc(LAST_ONES[0]), end_time=utc(LAST_ONES[1])),
    ).json()
    ended = read_stream(history, deadline_s=limit * 3)
    # Before the limit, not a margin before it: fault history-overrun adds StandTiming.overrun_s of rows to these 3 s
    # (the stand tests run with a short limit); a stream held open to the limit ends DEADLINE_EXCEEDED.
    assert ended.code == grpc.StatusCode.OK and ended.seconds < limit, f"history stream {ended}"


def metadata_2_2(stand: StandHandle) -> None:
    task_id = _config(stand, live_task_body(), "meta")
    # The job API's stand-ins beside the task API's: a job lookup (< 2 s) and the static channel range (< 1 s).
    job = stand.post("/configure", job_body(channels={"min": 1, "max": 4})).json()
    paths = {"/live_metadata": 1.0, f"/metadata/{task_id}": 2.0, "/sensors": 1.0}
    for path, budget in (paths | {f"/metadata/{job['job_id']}": 2.0, "/channels": 1.0}).items():
        started = time.monotonic()
        answer = stand.get(path)
        took = time.monotonic() - started
        assert answer.status_code in (200, 201), f"{path}: {answer.status_code}"
        assert took < budget, f"{path} took {took:.2f} s"


def idempotent_2_3(stand: StandHandle) -> None:
    task_id = unique_id("idem")
    body = history_task_body("2025-10-08 09:00:00", "2025-10-08 09:10:00")
    first = stand.post(f"/config/{task_id}", body)
    assert first.status_code == 200, first.status_code
    rows = _poll_some(stand, task_id, 20)
    again = stand.post(f"/config/{task_id}", body)
    assert again.status_code == 200, f"repeat answered {again.status_code}"
    assert again.json() == first.json(), again.text
    more = _poll_some(stand, task_id, 20)
    assert more and more[0]["startTimestamp"] > rows[-1]["startTimestamp"], "the task restarted"
    # A second queue may come a moment after the resend: watched for a while, not just once.
    assert never(lambda: sum(1 for q in stand.queues() if task_id in q) > 1, 4), (
        f"more than one queue for {task_id}: {sorted(q for q in stand.queues() if task_id in q)}"
    )
    # The job API: the same POST /configure twice gives equivalent streams, each readable, and no job left running.
    body = job_body(channels={"min": 5, "max": 12})
    answers = [stand.post("/configure", body).json() for _ in range(2)]
    described = [
        {k: a[k] for k in ("channel_amount", "stream_amount", "channel_to_stream_index", "view_type")} for a in answers
    ]
    assert described[0] == described[1], f"resent configure described its streams otherwise: {described}"
    for answer in answers:
        assert read_stream(answer, keep_frames=1, read_for_s=1.0).frames, f"job {answer['job_id']}: no frame"
    assert comes(lambda: all(stand.get(f"/metadata/{a['job_id']}").status_code == 404 for a in answers)), (
        "a job of the resent configure still runs after its stream closed"
    )


def _poll_some(stand: StandHandle, task_id: str, count: int) -> list[dict]:
    """The first rows of a task's waterfall, whatever status they came with (4.x); [] if none came."""

    def rows() -> list[dict] | None:
        answer = stand.get(f"/waterfall/{task_id}/{count}")
        if answer.status_code in (200, 201) and answer.content:
            return [r for block in answer.json() for r in block["rows"]]
        return None

    return watch_for(rows, READY_S) or []


def recorder_3_1(stand: StandHandle) -> None:
    queues = stand.queues()
    assert "interrogator_input" in queues, "no interrogator_input queue"
    assert "interrogator_input" in stand.consumers_by_connection().get("interrogator", [])
    with (
        Probe(stand.env["FOCUS_AMQP_URL"], [("prisma", "recorder.data.#")]) as probe,
        Probe(stand.env["FOCUS_AMQP_URL"], [("amq.topic", "#")]) as elsewhere,
    ):
        began = time.monotonic()
        listened = observe(RECORDER_LISTEN_S)
        arrivals = [m[2] for m in probe.messages if m[0].startswith("recorder.data.") and m[2] >= began]
        copies = [m[0] for m in elsewhere.messages if m[0].startswith("recorder")]
    assert not copies, f"{len(copies)} recorder messages through amq.topic"
    # At least once a second: as many messages as whole seconds listened (a busy host listens longer than asked),
    # and no second without one while we listened, the window's edges included (a short burst amid silence is no
    # "at least once a second").
    assert len(arrivals) >= int(listened), f"{len(arrivals)} recorder.data messages in {listened:.1f} s"
    silence = max(b - a for a, b in itertools.pairwise([began, *arrivals, began + listened]))
    assert silence <= 1.2, f"a second without data: {silence:.1f} s silent in {listened:.1f} s"


def fail_fast_4_1(stand: StandHandle) -> None:
    body = history_task_body("2025-01-01 00:00:00", "2025-01-01 01:00:00")
    refused = unique_id("nothing")
    for path, payload in [
        (f"/config/{refused}", body),
        ("/configure", job_body(start_time=utc("2025-01-01 00:00:00"), end_time=utc("2025-01-01 01:00:00"))),
    ]:
        started = time.monotonic()
        answer = stand.post(path, payload)
        took = time.monotonic() - started
        assert answer.status_code == 400, f"{path}: {answer.status_code}"
        assert answer.json() == {"error": "No recordings found in the requested time range"}, answer.text
        assert took < 1.0, f"{path} failed after {took:.1f} s"
    left = stand.get(f"/waterfall/{refused}/10").status_code
    assert left == 404, f"the refused task's waterfall answered {left}"


def complete_4_2(stand: StandHandle) -> None:
    _, seconds = _history_rows(stand, "2025-10-08 09:00:00", "2025-10-08 09:05:00")
    assert len(seconds) >= 300, f"{len(seconds)} rows for 300 s"
    assert not gaps_ms([s * 1000 for s in seconds], 2000), "a gap in a continuous recording"
    over_grpc = _job_history(stand, "2025-10-08 09:00:00", "2025-10-08 09:00:04")
    assert over_grpc == list(range(utc("2025-10-08 09:00:00"), utc("2025-10-08 09:00:04"))), over_grpc


def holes_4_3(stand: StandHandle) -> None:
    _, seconds = _history_rows(stand, "2025-10-09 10:00:00", "2025-10-09 10:15:00")
    assert seconds and seconds[0] == utc("2025-10-09 10:00:00") and seconds[-1] >= utc("2025-10-09 10:14:59")
    assert gaps_ms([s * 1000 for s in seconds], 60_000) == [
        (utc("2025-10-09 10:04:59") * 1000, utc("2025-10-09 10:10:00") * 1000)
    ], "the hole is not where the recordings have it"
    over_grpc = _job_history(stand, "2025-10-09 10:04:58", "2025-10-09 10:10:02")
    expected = _seconds("2025-10-09 10:04:58", "2025-10-09 10:04:59", "2025-10-09 10:10:00", "2025-10-09 10:10:01")
    assert over_grpc == expected, f"over gRPC: {over_grpc}"


def _partly_covered(stand: StandHandle, day: str, rows: tuple[str, str], over_grpc: tuple[str, str]) -> None:
    """4.4, 4.5: a 30-minute window from 10:00 of `day` has rows from `rows[0]` to `rows[1]` and none after its 208;
    over gRPC the window `over_grpc` brings every recorded second in it and only those."""
    task_id, seconds = _history_rows(stand, f"{day} 10:00:00", f"{day} 10:30:00")
    lo, hi = _seconds(*(f"{day} {at}" for at in rows))
    assert seconds == list(range(lo, hi + 1)), f"{len(seconds)} rows from {seconds[0]} to {seconds[-1]}"
    first, last = _seconds(*(f"{day} {at}" for at in over_grpc))
    recorded = [second for second in range(first, last) if lo <= second <= hi]
    found = _job_history(stand, f"{day} {over_grpc[0]}", f"{day} {over_grpc[1]}")
    assert found == recorded, f"over gRPC: {found}"
    after = stand.get(f"/waterfall/{task_id}/500")
    assert after.status_code != 201, f"rows came after the 208: {after.text[:200]}"


def start_only_4_4(stand: StandHandle) -> None:
    _partly_covered(stand, "2025-10-11", ("10:00:00", "10:04:59"), ("10:04:57", "10:30:00"))


def middle_only_4_5(stand: StandHandle) -> None:
    # Over gRPC (a stream lives seconds here): nothing, then the recording's first seconds; rows only from them.
    _partly_covered(stand, "2025-10-12", ("10:10:00", "10:14:59"), ("10:09:57", "10:10:03"))


def no_strict_mode_4_6(stand: StandHandle) -> None:
    for start, end in [("2025-10-09 10:00:00", "2025-10-09 10:15:00"), ("2025-10-11 10:00:00", "2025-10-11 10:30:00")]:
        answer = stand.post(f"/config/{unique_id('strict')}", history_task_body(start, end))
        assert answer.status_code == 200, f"a window with a hole answered {answer.status_code}"
    over_grpc = _job_history(stand, "2025-10-09 10:04:58", "2025-10-09 10:10:02", must_end_ok=False, channels=7)
    expected = _seconds("2025-10-09 10:04:58", "2025-10-09 10:04:59", "2025-10-09 10:10:00", "2025-10-09 10:10:01")
    assert set(expected) <= set(over_grpc), (
        f"over gRPC, recorded seconds missing: {sorted(set(expected) - set(over_grpc))}"
    )
    # Best effort: all the recorded data of a window with a hole comes back (whatever the end of stream does).
    task_id = _config(stand, history_task_body("2025-10-09 10:00:00", "2025-10-09 10:15:00"), "best")
    rows, _ = stand.drain_task(task_id, timeout_s=5)
    seconds = {r["startTimestamp"] // 1000 for r in rows}
    assert {utc("2025-10-09 10:00:00"), utc("2025-10-09 10:14:59")} <= seconds, f"{len(seconds)} seconds came back"


CHECKS: dict[str, Callable[[StandHandle], None]] = {
    "1.1": exchange_1_1,
    "1.2": queues_1_2,
    "2.1": stream_limit_2_1,
    "2.2": metadata_2_2,
    "2.3": idempotent_2_3,
    "3.1": recorder_3_1,
    "4.1": fail_fast_4_1,
    "4.2": complete_4_2,
    "4.3": holes_4_3,
    "4.4": start_only_4_4,
    "4.5": middle_only_4_5,
    "4.6": no_strict_mode_4_6,
}


# Checks that mostly wait on the stand's clock (streams paced by it), each with bodies and ids of its own: they run
# at once, side by side. The others time the stand's answers (2.2, 4.1), listen to its traffic (3.1), judge every
# command a probe hears (1.1, 1.2) or need two configures in a row (2.3, a resend): they run one at a time
# afterwards, alone on the stand.
SIDE_BY_SIDE = ("2.1", "4.2", "4.3", "4.4", "4.5", "4.6")


def evaluate(stand: StandHandle) -> dict[str, str | None]:
    """Every clause check: None where it holds, the failure text where it breaks."""
    results: dict[str, str | None] = {}

    def run(clause: str) -> None:
        try:
            CHECKS[clause](stand)
            results[clause] = None
        except AssertionError as exc:
            results[clause] = str(exc) or "assertion failed"
        except Exception as exc:  # an unexpected answer shape is a broken clause too, with its reason
            results[clause] = f"{type(exc).__name__}: {exc}"

    waiting = [threading.Thread(target=run, args=(clause,)) for clause in SIDE_BY_SIDE]
    for thread in waiting:
        thread.start()
    for thread in waiting:
        thread.join()
    for clause in CHECKS:
        if clause not in SIDE_BY_SIDE:
            run(clause)
    return results


def describe(results: dict[str, str | None]) -> str:
    return json.dumps({k: v or "holds" for k, v in sorted(results.items())}, indent=1)
