"""Clause 2.3's judgements on synthetic answers and queue listings: each passes on what the clause asks and fails
otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pytest

from support import configure_idempotency
from support.configure_idempotency import RepeatedConfig
from support.errors import TargetUnreachable
from support.focus_api import Answer
from support.models import JobConfigured


def answer(status: int, text: str) -> Answer:
    return Answer("POST /config/t", status, 0.01, text)


ACCEPTED = '{"status": "Config received successfully", "task_id": "t"}'


def test_the_same_answer_each_time() -> None:
    configure_idempotency.check_same_answers(RepeatedConfig("t", {}, [answer(200, ACCEPTED)] * 3))
    with pytest.raises(AssertionError, match=r"send 2 of the same configure answered \{'status': 409"):
        configure_idempotency.check_same_answers(
            RepeatedConfig("t", {}, [answer(200, ACCEPTED), answer(409, '{"error": "exists"}')])
        )
    other = ACCEPTED.replace("successfully", "again")
    with pytest.raises(AssertionError, match="send 3"):
        configure_idempotency.check_same_answers(
            RepeatedConfig("t", {}, [answer(200, ACCEPTED), answer(200, ACCEPTED), answer(200, other)])
        )
    with pytest.raises(AssertionError, match="should be accepted"):
        configure_idempotency.check_same_answers(RepeatedConfig("t", {}, [answer(500, "boom")] * 2))


class _QueuesAppearing:
    """A management API whose queue list grows: after `late_after` listings, a second queue of the task shows."""

    def __init__(self, task_id: str, late_after: int | None) -> None:
        self.task_id, self.late_after, self.listings = task_id, late_after, 0

    def queues(self) -> list:
        from support.rabbit_admin import Queue

        self.listings += 1
        names = [f"{self.task_id}_results", "recorder_input"]
        if self.late_after is not None and self.listings > self.late_after:
            names.append(f"{self.task_id}_resent_results")
        return [Queue(name=name, vhost="/") for name in names]


class _ReadyTask:
    def task_metadata(self, task_id: str) -> Answer:
        return Answer("GET /metadata/{task_id}", 201, 0.01, "{}")


@pytest.mark.parametrize("late_after", [3, None], ids=["late duplicate", "one queue"])
def test_a_duplicate_queue_that_shows_a_moment_late_is_seen(
    monkeypatch: pytest.MonkeyPatch, waits: Callable[..., None], late_after
) -> None:
    waits(queue_settle_s=1.5)
    monkeypatch.setattr(configure_idempotency, "attach_json", lambda *_: None)
    admin = _QueuesAppearing("task-abc", late_after)
    if late_after is None:
        configure_idempotency.check_one_task_one_queue(_ReadyTask(), admin, "task-abc")
        assert admin.listings >= 3, "watched for the whole settle time, not only once"
        return
    with pytest.raises(AssertionError, match="task-abc_resent_results"):
        configure_idempotency.check_one_task_one_queue(_ReadyTask(), admin, "task-abc")


class Reader:
    """StreamInBackground as a fake: job ids whose stream takes no connection, or gives no frame."""

    unreachable: ClassVar[set[str]] = set()
    silent: ClassVar[set[str]] = set()

    def __init__(self, settings: object, subject: object) -> None:
        self.job_id = subject.id  # type: ignore[attr-defined]

    def __enter__(self) -> Reader:
        if self.job_id in Reader.unreachable:
            raise TargetUnreachable(f"gRPC stream of {self.job_id}: no connection within 30 s")
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def summary(self) -> dict[str, object]:
        return {"job_id": self.job_id, "frames_read": 0 if self.job_id in Reader.silent else 1, "stopped_by": None}


def _jobs(*ids: str) -> configure_idempotency.RepeatedJobConfig:
    configured = [
        JobConfigured(
            status="ok",
            job_id=job_id,
            stream_url="http://h",
            stream_port=5,
            stream_amount=1,
            channel_to_stream_index={"1": 0},
            channel_amount=8,
            frequencies_list=[1.0],
            frequencies_amount=1,
            lines_dt=1.0,
            view_type=0,
        )
        for job_id in ids
    ]
    return configure_idempotency.RepeatedJobConfig(
        {}, [Answer("POST /configure", 200, 0.0, "{}", c) for c in configured]
    )


def test_a_resent_jobs_stream_that_takes_no_connection_is_unread_not_unreachable(monkeypatch) -> None:
    """The first job's stream gave frames, so the target's gRPC answers us: the resent job's stream taking no
    connection is the product's, a failed check, not a broken environment (issue 25: judged by what came)."""
    monkeypatch.setattr(configure_idempotency, "StreamInBackground", Reader)
    monkeypatch.setattr(configure_idempotency, "attach_json", lambda name, data: None)
    monkeypatch.setattr(Reader, "unreachable", {"1-2"})
    with pytest.raises(AssertionError, match=r"no frame from the stream of job\(s\) 1-2: .*no connection within"):
        configure_idempotency.check_every_stream_readable(None, _jobs("1-1", "1-2"))  # type: ignore[arg-type]
    monkeypatch.setattr(Reader, "unreachable", {"1-1", "1-2"})  # none answers: nothing to judge by
    with pytest.raises(TargetUnreachable, match="no stream of the repeated configure takes a connection"):
        configure_idempotency.check_every_stream_readable(None, _jobs("1-1", "1-2"))  # type: ignore[arg-type]
    monkeypatch.setattr(Reader, "unreachable", set())
    monkeypatch.setattr(Reader, "silent", {"1-2"})
    with pytest.raises(AssertionError, match=r"job\(s\) 1-2"):
        configure_idempotency.check_every_stream_readable(None, _jobs("1-1", "1-2"))  # type: ignore[arg-type]
