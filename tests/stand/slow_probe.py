"""The real 180 s limit, run in the background from the start of the session (the slow test reads the result).

A stand with the default limit on the shared broker: a live stream and a history stream holding more than 180 s
of data, both expected to be cut at 180 s with DEADLINE_EXCEEDED; and a job nobody connects to, expected to live
at least 45 s and to be gone within a minute.
"""

from __future__ import annotations

import threading
import time

from stand_wire import StandHandle, job_body, read_stream, utc


def run_slow_probe(stands: object) -> dict:
    stand: StandHandle = stands.on_shared_broker("slow")
    try:
        outcomes: dict = {}
        live = stand.post("/configure", job_body()).json()
        history = stand.post(
            "/configure", job_body(start_time=utc("2025-10-08 09:00:00"), end_time=utc("2025-10-08 09:30:00"))
        ).json()
        unconnected = stand.post("/configure", job_body()).json()["job_id"]

        def stream(name: str, answer: dict) -> None:
            outcomes[name] = read_stream(answer, keep_frames=0, deadline_s=400)

        threads = [threading.Thread(target=stream, args=(n, a)) for n, a in (("live", live), ("history", history))]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        time.sleep(44)
        outcomes["unconnected_at_44s"] = stand.get(f"/metadata/{unconnected}").status_code
        gone_at = None
        while time.monotonic() - started < 90:
            if stand.get(f"/metadata/{unconnected}").status_code == 404:
                gone_at = time.monotonic() - started
                break
            time.sleep(1)
        outcomes["unconnected_gone_after_s"] = gone_at
        for thread in threads:
            thread.join()
        return outcomes
    finally:
        stands.down(stand)
