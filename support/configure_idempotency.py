"""Clause 2.3, a resent configure is harmless. Task API: the same `POST /config/{task_id}` answers the same, and one
task runs with one results queue. Job API: the same `POST /configure` answers an equivalent stream description, every
stream reads, and every job ends once nobody reads it. Each body is one nobody sent before (`fresh_display`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from support.errors import TargetUnreachable
from support.focus_api import Answer
from support.models import JobConfig, JobConfigured, TaskConfig, fresh_display, new_task_id

if TYPE_CHECKING:
    from support.world import World

# What "an equivalent stream description" compares: the streams a client would open, not the job's own id/port.
STREAM_DESCRIPTION = ("channel_amount", "stream_amount", "channel_to_stream_index", "view_type")


def _message(answer: Answer) -> Any:
    try:
        return answer.json()
    except ValueError:
        return answer.text


def _description(answer: Answer) -> dict[str, Any]:
    if not isinstance(answer.body, JobConfigured):
        return {"status": answer.status, "body": _message(answer)}
    described = answer.body.model_dump(include=set(STREAM_DESCRIPTION))
    return {"status": answer.status, **described, "view_type": str(described["view_type"])}


@dataclass(frozen=True)
class Resent:
    """One body sent `len(answers)` times in a row, and what each send answered (`task_id` over the task API)."""

    body: dict[str, Any]
    answers: tuple[Answer, ...]
    task_id: str | None = None

    @property
    def jobs(self) -> list[JobConfigured]:
        return [answer.body for answer in self.answers if isinstance(answer.body, JobConfigured)]

    @property
    def seen(self) -> list[dict[str, Any]]:
        """What each send answered, as the checks compare them: status and body, or the stream description."""
        if self.task_id is not None:
            return [{"status": answer.status, "body": _message(answer)} for answer in self.answers]
        return [_description(answer) for answer in self.answers]

    def show(self, world: World) -> None:
        said = (
            {"task_id": self.task_id} if self.task_id else {"body": self.body, "job_ids": [j.job_id for j in self.jobs]}
        )
        key = "answers" if self.task_id else "stream_descriptions"
        world.evidence.show("answers to the repeated configure", "json", said | {key: self.seen})


def send_same_task_config(world: World, times: int) -> Resent:
    """The same `POST /config/{task_id}` `times` times in a row (its slots taken before the first send: a resend is
    at once)."""
    task_id, config = new_task_id("sla"), TaskConfig(**fresh_display("canvasInfo"))
    world.jobs.reserve(times)
    answers = tuple(world.jobs.config_task(task_id, config) for _ in range(times))
    resent = Resent(config.model_dump(mode="json"), answers, task_id)
    resent.show(world)
    return resent


def send_same_job_config(world: World, times: int) -> Resent:
    """The same live `POST /configure` with the same body, `times` times in a row."""
    config = JobConfig(**fresh_display("displayInfo"))
    world.jobs.reserve(times)
    resent = Resent(config.model_dump(mode="json"), tuple(world.jobs.configure(config) for _ in range(times)))
    resent.show(world)
    return resent


def task_queues(world: World, task_id: str) -> list[str]:
    """Once the task runs, the broker's queues named after it, watched a while (a duplicate may come seconds later)."""
    world.wait.task_ready(task_id)
    queues = world.wait.queues_named_after(task_id)
    world.evidence.show("queues of the task", "json", queues)
    world.evidence.show(f"measured: {len(queues)} queue(s) for task {task_id}: {', '.join(queues)}", "figure")
    return queues


def first_frames(world: World, resent: Resent) -> dict[str, dict[str, Any]]:
    """Each answer's stream asked for its first frame, then closed (so that nobody reads that job any more)."""
    read: dict[str, dict[str, Any]] = {}
    for job in resent.jobs:  # an answer without channels is the product's fault (the reader says it is malformed)
        try:
            with world.background(job) as reader:
                read[job.job_id] = reader.summary()
        except TargetUnreachable as error:
            read[job.job_id] = {"job_id": job.job_id, "frames_read": 0, "stopped_by": str(error), "unreachable": True}
    world.evidence.show("first frame of each answer's stream", "json", read)
    return read


def jobs_left(world: World, resent: Resent, within_s: float) -> list[str]:
    """The jobs of the answers still running `within_s` after nobody read them (none once they are all gone)."""
    ids = [job.job_id for job in resent.jobs]
    left, took_s = world.wait.jobs_gone(ids, within_s)
    del world.evidence.exchanges[: -2 * len(ids)]  # the last round of polls is evidence enough
    if not left:
        world.evidence.show(f"measured: all {len(ids)} jobs gone {took_s:.1f} s after nobody read them", "figure")
    return left


def check_same_answers(resent: Resent) -> None:
    seen = resent.seen
    assert resent.answers[0].status == 200, (
        f"the first POST /config/{resent.task_id} should be accepted (200): {seen[0]}"
    )
    for number, answer in enumerate(seen[1:], start=2):
        assert answer == seen[0], f"send {number} of the same configure answered {answer}, the first {seen[0]}"


def check_one_queue(task_id: str, queues: list[str]) -> None:
    assert len(queues) == 1, f"task {task_id} should have one results queue; the broker holds {queues}"


def check_equivalent_job_answers(resent: Resent) -> None:
    """The same status every time, and streams described the same way (channels, their split, the view)."""
    seen = resent.seen
    assert resent.answers[0].status == 200, f"the first POST /configure should be accepted (200): {seen[0]}"
    for number, described in enumerate(seen[1:], start=2):
        differs = sorted(key for key in described if described.get(key) != seen[0].get(key))
        assert not differs, (
            f"send {number} of the same configure differs from the first in {', '.join(differs)}: "
            + "; ".join(f"{key} {described.get(key)!r} vs {seen[0].get(key)!r}" for key in differs)[:400]
        )


def check_every_stream_readable(read: dict[str, dict[str, Any]]) -> None:
    """Each stream gave a frame; only when none took a connection could the clause not be judged."""
    unread = {job: seen for job, seen in read.items() if not seen["frames_read"]}
    if unread and all(seen.get("unreachable") for seen in read.values()):
        raise TargetUnreachable(f"no stream of the repeated configure takes a connection: {unread}")
    assert not unread, f"no frame from the stream of job(s) {', '.join(unread)}: {unread}"


def check_jobs_gone(left: list[str], resent: Resent, within_s: float) -> None:
    assert not left, (
        f"{len(left)} of the {len(resent.jobs)} jobs still ran {within_s:g} s after nobody read them: {', '.join(left)}"
    )
