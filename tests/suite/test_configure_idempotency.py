"""Clause 2.3 judged on answers made by hand: a resend answers the same, and makes no more work."""

from __future__ import annotations

import json
from typing import Any

import pytest
from answers import JOB_ANSWER

from support.configure_idempotency import (
    Resent,
    check_equivalent_job_answers,
    check_every_stream_readable,
    check_jobs_gone,
    check_one_queue,
    check_same_answers,
)
from support.errors import TargetUnreachable
from support.focus_api import Answer
from support.models import JobConfigured

JOB = JOB_ANSWER


def answer(status: int, body: Any, model: type | None = None) -> Answer:
    return Answer("POST /configure", status, 0.01, json.dumps(body), model.model_validate(body) if model else None)


def test_the_same_task_answer_each_time() -> None:
    accepted = answer(200, {"status": "Config received successfully"})
    check_same_answers(Resent({}, (accepted, accepted), "t-1"))
    with pytest.raises(AssertionError, match=r"send 2 of the same configure answered {'status': 409"):
        check_same_answers(Resent({}, (accepted, answer(409, {"error": "exists"})), "t-1"))
    with pytest.raises(AssertionError, match=r"first POST /config/t-1 should be accepted \(200\)"):
        check_same_answers(Resent({}, (answer(500, "x"),), "t-1"))


def test_one_queue_for_the_task() -> None:
    check_one_queue("t-1", ["t-1_results"])
    with pytest.raises(AssertionError, match=r"\['t-1_results', 't-1_results_2'\]"):
        check_one_queue("t-1", ["t-1_results", "t-1_results_2"])


def test_equivalent_job_answers_compare_the_streams_not_the_job() -> None:
    first, other_job = (
        answer(200, JOB, JobConfigured),
        answer(200, JOB | {"job_id": "7-2", "stream_port": 5002}, JobConfigured),
    )
    check_equivalent_job_answers(Resent({}, (first, other_job)))
    split = answer(200, JOB | {"stream_amount": 2}, JobConfigured)
    with pytest.raises(AssertionError, match=r"send 2 of the same configure differs from the first in stream_amount"):
        check_equivalent_job_answers(Resent({}, (first, split)))
    with pytest.raises(AssertionError, match=r"differs from the first in .*status"):
        check_equivalent_job_answers(Resent({}, (first, answer(400, {"error": "busy"}))))


def test_every_stream_readable() -> None:
    check_every_stream_readable({"7-1": {"frames_read": 3}, "7-2": {"frames_read": 1}})
    with pytest.raises(AssertionError, match=r"no frame from the stream of job\(s\) 7-2"):
        check_every_stream_readable({"7-1": {"frames_read": 3}, "7-2": {"frames_read": 0, "unreachable": True}})
    with pytest.raises(TargetUnreachable, match=r"no stream of the repeated configure takes a connection"):
        check_every_stream_readable({"7-1": {"frames_read": 0, "unreachable": True}})


def test_every_job_gone_once_nobody_reads_it() -> None:
    resent = Resent({}, (answer(200, JOB, JobConfigured), answer(200, JOB | {"job_id": "7-2"}, JobConfigured)))
    check_jobs_gone([], resent, 30)
    with pytest.raises(AssertionError, match=r"1 of the 2 jobs still ran 30 s after nobody read them: 7-2"):
        check_jobs_gone(["7-2"], resent, 30)
