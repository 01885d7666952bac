"""Clause 2.3, a configure sent again (a frontend's resend) is idempotent: the same answer, and the same work.

Over the task API: the same `POST /config/{task_id}` answers the same each time, and the target runs one task with
one results queue. Over the job API: the same `POST /configure` answers with an equivalent stream description, every
answer's stream can be read, and every job of them ends once nobody reads it. Each body is one nobody sent before
(`fresh_display`), so that a first send is a first send even on a target that remembers bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from support import waiters
from support.errors import TargetUnreachable
from support.evidence import attach_json, report_figure
from support.focus_api import Answer, FocusServer
from support.ids import new_task_id
from support.live import StreamInBackground, fresh_display, job_subject
from support.models import JobConfig, JobConfigured, TaskConfig
from support.rabbit_admin import RabbitAdmin
from support.settings import Settings
from support.waiting import WaitTimeout, monotonic

# -- tasks: the task API's resent configure ----------------------------------------------------------------------


@dataclass
class RepeatedConfig:
    task_id: str
    body: dict[str, Any]
    answers: list[Answer]


def send_same_config(focus: FocusServer, times: int) -> RepeatedConfig:
    """The same `POST /config/{task_id}` with the same body, `times` times in a row (a frontend's resend)."""
    task_id = new_task_id("sla")
    config = TaskConfig(**fresh_display("canvasInfo"))
    focus.reserve(times)  # a resend comes at once, never held back by a slot
    answers = [focus.config_task(task_id, config) for _ in range(times)]
    return RepeatedConfig(task_id, config.model_dump(mode="json"), answers)


def _message(answer: Answer) -> Any:
    try:
        return answer.json()
    except ValueError:
        return answer.text


def check_same_answers(repeated: RepeatedConfig) -> None:
    seen = [{"status": answer.status, "body": _message(answer)} for answer in repeated.answers]
    attach_json("answers to the repeated configure", {"task_id": repeated.task_id, "answers": seen})
    first = repeated.answers[0]
    assert first.status == 200, f"the first POST /config/{repeated.task_id} should be accepted (200): {seen[0]}"
    for number, answer in enumerate(seen[1:], start=2):
        assert answer == seen[0], f"send {number} of the same configure answered {answer}, the first {seen[0]}"


def check_one_task_one_queue(focus: FocusServer, admin: RabbitAdmin, task_id: str) -> None:
    """The task answers as one task, and the broker holds one queue for it, not one per configure.

    The queue is recognised by the task id in its name whatever the pattern: its naming is clause 1.2's business.
    """
    waiters.task_ready(focus, task_id)
    # Not done at the first queue: a duplicate may come seconds later (a second consumer the resend started).
    queues = waiters.queues_named_after(admin, task_id)
    attach_json("queues of the task", queues)
    report_figure(f"measured: {len(queues)} queue(s) for task {task_id}: {', '.join(queues)}")
    assert len(queues) == 1, f"task {task_id} should have one results queue; the broker holds {queues}"


# -- jobs: the job API's resent configure ------------------------------------------------------------------------

# What "an equivalent stream description" compares: the streams a client would open, not the job's own id/port.
STREAM_DESCRIPTION = ("channel_amount", "stream_amount", "channel_to_stream_index", "view_type")


@dataclass
class RepeatedJobConfig:
    body: dict[str, Any]
    answers: list[Answer]

    @property
    def jobs(self) -> list[JobConfigured]:
        return [answer.body for answer in self.answers if isinstance(answer.body, JobConfigured)]


def send_same_job_config(focus: FocusServer, times: int) -> RepeatedJobConfig:
    """The same live `POST /configure` with the same body, `times` times in a row (a frontend's resend)."""
    config = JobConfig(**fresh_display("displayInfo"))
    focus.reserve(times)  # a resend comes at once: its jobs' slots taken before the first send, never between sends
    answers = [focus.configure(config) for _ in range(times)]
    return RepeatedJobConfig(config.model_dump(mode="json"), answers)


def _description(answer: Answer) -> dict[str, Any]:
    if not isinstance(answer.body, JobConfigured):
        return {"status": answer.status, "body": _message(answer)}
    described = answer.body.model_dump(include=set(STREAM_DESCRIPTION))
    return {"status": answer.status, **described, "view_type": str(described["view_type"])}


def check_equivalent_job_answers(repeated: RepeatedJobConfig) -> None:
    """The same status every time, and streams described the same way (channels, their split, the view)."""
    seen = [_description(answer) for answer in repeated.answers]
    attach_json(
        "answers to the repeated configure",
        {"body": repeated.body, "job_ids": [job.job_id for job in repeated.jobs], "stream_descriptions": seen},
    )
    assert repeated.answers[0].status == 200, f"the first POST /configure should be accepted (200): {seen[0]}"
    for number, described in enumerate(seen[1:], start=2):
        differs = sorted(key for key in described if described.get(key) != seen[0].get(key))
        assert not differs, (
            f"send {number} of the same configure differs from the first in {', '.join(differs)}: "
            + "; ".join(f"{key} {described.get(key)!r} vs {seen[0].get(key)!r}" for key in differs)[:400]
        )


def check_every_stream_readable(settings: Settings, repeated: RepeatedJobConfig) -> None:
    """Each answer's stream gives its first frame; then we close it (so that nobody reads that job any more).

    A stream that takes no connection while another of the same answers gave frames is the product's (its gRPC
    answers us): unread, not an unreachable target; only when none did could the clause not be judged."""
    read: dict[str, dict[str, object]] = {}
    for job in repeated.jobs:
        try:
            with StreamInBackground(settings, job_subject(job)) as reader:
                read[job.job_id] = reader.summary()
        except TargetUnreachable as error:
            read[job.job_id] = {"job_id": job.job_id, "frames_read": 0, "stopped_by": str(error), "unreachable": True}
    attach_json("first frame of each answer's stream", read)
    unread = {job: seen for job, seen in read.items() if not seen["frames_read"]}
    if unread and all(seen.get("unreachable") for seen in read.values()):
        raise TargetUnreachable(f"no stream of the repeated configure takes a connection: {unread}")
    assert not unread, f"no frame from the stream of job(s) {', '.join(unread)}: {unread}"


def check_jobs_end_unread(focus: FocusServer, repeated: RepeatedJobConfig, within_s: float) -> None:
    """Every job of the answers is gone (`GET /metadata/{job_id}` 404) within `within_s` once nobody reads it."""
    ids = [job.job_id for job in repeated.jobs]
    started = monotonic()
    try:
        waiters.jobs_gone(focus, ids, within_s)
    except WaitTimeout:
        left = waiters.jobs_running(focus, ids)
        raise AssertionError(
            f"{len(left)} of the {len(ids)} jobs still ran {within_s:g} s after nobody read them: {', '.join(left)}"
        ) from None
    finally:
        focus.exchanges[:] = focus.exchanges[-2 * len(ids) :]  # the last round is evidence enough
    report_figure(f"measured: all {len(ids)} jobs gone {monotonic() - started:.1f} s after nobody read them")
