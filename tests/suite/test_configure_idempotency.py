"""Clause 2.3's judgements on synthetic answers and queue listings: each passes on what the clause asks and fails
otherwise."""

from __future__ import annotations

import pytest

from support import configure_idempotency, waiters
from support.configure_idempotency import RepeatedConfig
from support.focus_api import Answer


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
def test_a_duplicate_queue_that_shows_a_moment_late_is_seen(monkeypatch: pytest.MonkeyPatch, late_after) -> None:
    monkeypatch.setattr(waiters.Timing, "queue_settle_s", 1.5)
    monkeypatch.setattr(configure_idempotency, "attach_json", lambda *_: None)
    admin = _QueuesAppearing("task-abc", late_after)
    if late_after is None:
        configure_idempotency.check_one_task_one_queue(_ReadyTask(), admin, "task-abc")
        assert admin.listings >= 3, "watched for the whole settle time, not only once"
        return
    with pytest.raises(AssertionError, match="task-abc_resent_results"):
        configure_idempotency.check_one_task_one_queue(_ReadyTask(), admin, "task-abc")
