"""Clause 2.1 at a stream limit of its own (test_slow.SLOW_LIMIT_S), run in the background from the start of the
session (the slow tests read the result).

Every check of the clause is relative to the limit, and the real 180 s is waited out by the nightly acceptance, so
a shorter limit proves the same here: a stand with that limit on the shared broker, a live stream and a history
stream holding more data than the limit, both expected to be cut at the limit with DEADLINE_EXCEEDED; and a job
nobody connects to, whose lifetime (StandTiming.job_unconnected_ttl_s, a share of the limit) is measured.
"""

from __future__ import annotations

import threading
import time

from polls import until
from stand_wire import StandHandle, job_body, read_stream, utc


def run_slow_probe(stands: object, limit_s: float) -> dict:
    stand: StandHandle = stands.on_shared_broker("slow", "--stream-limit", f"{limit_s:g}")
    try:
        outcomes: dict = {}
        deadline_s = limit_s * 1.5  # ours lies past the limit: an ending is the stand's
        live = stand.post("/configure", job_body()).json()
        history = stand.post(
            "/configure", job_body(start_time=utc("2025-10-08 09:00:00"), end_time=utc("2025-10-08 09:30:00"))
        ).json()
        configure_began = time.monotonic()
        unconnected = stand.post("/configure", job_body()).json()["job_id"]
        configured = time.monotonic()

        def stream(name: str, answer: dict) -> None:
            outcomes[name] = read_stream(answer, keep_frames=0, deadline_s=deadline_s)

        threads = [threading.Thread(target=stream, args=(n, a)) for n, a in (("live", live), ("history", history))]
        for thread in threads:
            thread.start()
        # The unconnected job, asked about until it is gone: when it was last there and first gone, from its
        # configure's end and start (the job began between them).
        last_there = configured

        def gone() -> bool:
            nonlocal last_there
            asked = time.monotonic()
            if stand.get(f"/metadata/{unconnected}").status_code == 404:
                return True
            last_there = asked
            return False

        try:
            until(gone, "the unconnected job to go", within_s=deadline_s)
            outcomes["unconnected_gone_after_s"] = time.monotonic() - configure_began
        except AssertionError:
            outcomes["unconnected_gone_after_s"] = None
        outcomes["unconnected_there_after_s"] = last_there - configured
        for thread in threads:
            thread.join()
        return outcomes
    finally:
        stands.down(stand)
