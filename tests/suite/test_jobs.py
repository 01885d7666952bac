"""Job slots (support/jobs.py) against a fake REST: a job the target accepts holds a slot and is written to the ledger
until the scenario closes; a refused one gives its slot back; with every slot taken, a taker waits, then says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from httpfake import fake_http, focus_server_whose_streams_take_no_connection, serve

from support.errors import PreconditionNotMet
from support.focus_api import FocusServer
from support.jobs import LEDGER, Jobs, JobSlots
from support.models import JobConfig
from support.settings import Settings


def test_an_accepted_job_holds_its_slot_until_closed_and_a_refused_one_none(tmp_path: Path) -> None:
    fake, _port = focus_server_whose_streams_take_no_connection()
    fake.answer("GET", "/metadata/7-37", 404, {"error": "Invalid job_id"})
    with serve(fake) as target:
        slots = JobSlots(tmp_path, 1, 0.2)
        jobs = Jobs(FocusServer(Settings(base_url=target.url)), slots, connect_s=0.2, first_frame_s=0.2)
        assert jobs.configure(JobConfig()).status == 200 and [s.job_id for s, _ in jobs.held] == ["7-37"]
        with pytest.raises(PreconditionNotMet, match=r"no 1 job slot\(s\) came free within 0.2 s: 1 jobs"):
            slots.take()
        jobs.close()
        assert slots.take()[0].number == 0  # given back
    ledger = [json.loads(line) for line in (tmp_path / LEDGER).read_text(encoding="utf-8").splitlines()]
    assert [(entry["job"], "opened" in entry, "closed" in entry) for entry in ledger] == [
        ("7-37", True, False),
        ("7-37", False, True),
    ]
    with fake_http() as refusing:
        refusing.answer("POST", "/configure", 400, {"error": "no recordings"})
        jobs = Jobs(FocusServer(Settings(base_url=refusing.url)), JobSlots(tmp_path / "b", 1, 0.2), 0.2, 0.2)
        assert jobs.configure(JobConfig()).status == 400 and not jobs.held and jobs.slots.take()  # free at once
