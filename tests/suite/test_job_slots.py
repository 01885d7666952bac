"""At most N jobs of a run alive at once, across its processes; a scenario waits for a slot; the run counts them."""

from __future__ import annotations

import json
import multiprocessing
import time
from itertools import count
from pathlib import Path

import pytest
from httpfake import Canned, fake_http

from support.errors import PreconditionNotMet
from support.focus_api import FocusServer
from support.job_slots import JobSlots, tally
from support.models import JobConfig
from support.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_env")

PREFIX = "/focus-server"


def _job(job_id: str) -> str:
    return json.dumps(
        {
            "status": "",
            "job_id": job_id,
            "stream_url": "http://127.0.0.1",
            "stream_port": "9",
            "stream_amount": 1,
            "channel_to_stream_index": {"1": 0},
            "channel_amount": 1,
            "frequencies_list": [0.0],
            "frequencies_amount": 1,
            "lines_dt": 0.1,
            "view_type": "0",
        }
    )


def _hold_one(folder: str, ready: multiprocessing.synchronize.Event, done: multiprocessing.synchronize.Event) -> None:
    slots = JobSlots(Path(folder), limit=2, wait_s=5)
    [slot] = slots.take()
    slots.opened(slot, "other-process")
    ready.set()
    done.wait(10)
    slots.release(slot)


def test_the_limit_holds_across_processes_and_a_taker_waits_for_a_slot(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")  # as on Windows: nothing shared but the folder
    ready, done = context.Event(), context.Event()
    other = context.Process(target=_hold_one, args=(str(tmp_path), ready, done))
    other.start()
    try:
        assert ready.wait(30)
        slots = JobSlots(tmp_path, limit=2, wait_s=0.5)
        [mine] = slots.take()  # the second of two
        with pytest.raises(PreconditionNotMet, match=r"no 1 job slot\(s\) came free within 0\.5 s: 2 jobs"):
            slots.take()
        done.set()  # the other process ends its job: a taker waiting for a slot gets it
        slots.wait_s = 10
        started = time.monotonic()
        [third] = slots.take()
        assert time.monotonic() - started < 10
        slots.release(third)
        slots.release(mine)
    finally:
        done.set()
        other.join(10)


def test_a_process_that_dies_frees_its_slot(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    ready, never = context.Event(), context.Event()
    other = context.Process(target=_hold_one, args=(str(tmp_path), ready, never))
    other.start()
    assert ready.wait(30)
    other.kill()
    other.join(10)
    slots = JobSlots(tmp_path, limit=1, wait_s=5)
    slots.release(*slots.take())


def test_tally_counts_the_jobs_and_the_most_alive_at_once(tmp_path: Path) -> None:
    lines = [
        {"job": "a", "opened": 1.0},
        {"job": "b", "opened": 2.0},
        {"job": "a", "closed": 3.0},
        {"job": "c", "opened": 3.0},  # opened as a closes: two alive, not three
        {"job": "b", "closed": 4.0},
        {"job": "d", "opened": 5.0},  # never closed: alive to the end
    ]
    (tmp_path / "ledger.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    found = tally(tmp_path, limit=10)
    assert (found.configured, found.max_alive) == (4, 2)
    assert found.describe() == "4 configured, at most 2 alive at once (limit 10)"
    assert tally(tmp_path / "none") == tally(tmp_path / "none")  # no ledger: nothing counted
    assert tally(tmp_path / "none").configured == 0


def test_the_client_holds_a_slot_per_accepted_job_and_gives_back_the_others(tmp_path: Path) -> None:
    ids = count(1)
    with fake_http() as fake:
        fake.route("POST", f"{PREFIX}/configure", lambda _m, _b: Canned(200, _job(f"1-{next(ids)}")))
        fake.answer("GET", f"{PREFIX}/metadata/1-1", 404, json.dumps({"error": "Invalid job_id"}))
        fake.answer("GET", f"{PREFIX}/metadata/1-2", 404, json.dumps({"error": "Invalid job_id"}))
        slots = JobSlots(tmp_path, limit=2, wait_s=0.2)
        focus = FocusServer(Settings(base_url=fake.url + PREFIX, http_timeout_s=5), slots=slots)
        focus.configure(JobConfig())
        focus.configure(JobConfig())
        with pytest.raises(PreconditionNotMet):  # a third job waits for a slot: none comes free here
            focus.configure(JobConfig())
        focus.close()  # both gone already (404): nothing to end, both slots back
        assert focus.held == []
        slots.release(*slots.take())
    assert (tally(tmp_path).configured, tally(tmp_path).max_alive) == (2, 2)


def test_a_refused_configure_gives_its_slot_back(tmp_path: Path) -> None:
    with fake_http() as fake:
        fake.answer("POST", f"{PREFIX}/configure", 400, json.dumps({"error": "No recordings found"}))
        slots = JobSlots(tmp_path, limit=1, wait_s=0.2)
        focus = FocusServer(Settings(base_url=fake.url + PREFIX, http_timeout_s=5), slots=slots)
        for _ in range(3):  # one slot is enough for any number of refusals
            assert focus.configure(JobConfig()).status == 400
    assert tally(tmp_path).configured == 0


def test_slots_for_jobs_that_live_together_are_taken_all_at_once(tmp_path: Path) -> None:
    """A resend's jobs get their slots before the first is started: never one job started and the next held back
    (its first job would end unread while it waits), and a taker that cannot have them all keeps none."""
    slots = JobSlots(tmp_path, limit=3, wait_s=0.3)
    [held] = slots.take()
    with pytest.raises(PreconditionNotMet, match="no 3 job slot"):
        slots.take(3)
    both = slots.take(2)  # the two the failed taker did not keep
    assert len(both) == 2
    for slot in [held, *both]:
        slots.release(slot)


def test_a_resend_reserves_its_jobs_slots_first(tmp_path: Path) -> None:
    ids = count(1)
    with fake_http() as fake:
        fake.route("POST", f"{PREFIX}/configure", lambda _m, _b: Canned(200, _job(f"1-{next(ids)}")))
        for job in ("1-1", "1-2"):
            fake.answer("GET", f"{PREFIX}/metadata/{job}", 404, json.dumps({"error": "Invalid job_id"}))
        slots = JobSlots(tmp_path, limit=2, wait_s=0.2)
        focus = FocusServer(Settings(base_url=fake.url + PREFIX, http_timeout_s=5), slots=slots)
        focus.reserve(2)
        with pytest.raises(PreconditionNotMet):  # the run has no slot left: the reservation holds both
            slots.take()
        focus.configure(JobConfig())
        focus.configure(JobConfig())
        assert focus.reserved == [] and len(focus.held) == 2
        focus.close()
