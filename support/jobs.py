"""At most `FOCUS_MAX_JOBS` Focus Server jobs of a run alive at once, across its behave processes (each holds a GPU
slot of a shared server): a job first takes a slot, a lock file (filelock: a dead process frees its slots) in the
folder the run shares (`FOCUS_JOB_SLOTS_DIR`), and each accepted job goes to its ledger (`ledger.jsonl`), from which
the runner counts them. `Jobs` is one scenario's: it configures inside a slot, and `close` (its last cleanup) ends
every job still alive, as a client does, and gives the slots back."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from support.errors import PreconditionNotMet, TargetUnreachable
from support.focus_api import Answer, FocusServer
from support.grpc_stream import close_job_streams
from support.models import JobConfig, JobConfigured, TaskConfig
from support.times import POLL_S
from support.waiting import Polling

LEDGER = "ledger.jsonl"


@dataclass
class Slot:
    number: int
    lock: FileLock
    job_id: str | None = None  # once the target accepted a job in it


class JobSlots:
    def __init__(self, folder: Path | None, limit: int, wait_s: float) -> None:
        if folder is None:  # behave alone: a folder of this process's own, gone with it
            folder = Path(tempfile.mkdtemp(prefix="focus-job-slots-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.limit, self.wait_s = folder, limit, wait_s

    def take(self, count: int = 1) -> list[Slot]:
        """`count` free slots at once (jobs that must live together), waiting while fewer are free."""
        count, polling = min(count, self.limit), Polling(self.wait_s, interval_s=POLL_S)
        while (taken := self._try_take(count)) is None:  # a loop of our own: nothing calls back into this module
            if not polling.again(progress=False):
                raise PreconditionNotMet(
                    f"no {count} job slot(s) came free within {self.wait_s:g} s: {self.limit} jobs of this run stayed "
                    "alive (FOCUS_MAX_JOBS)"
                )
        return taken

    def _try_take(self, count: int) -> list[Slot] | None:
        taken: list[Slot] = []
        for number in range(self.limit):
            lock = FileLock(self.folder / f"slot-{number}.lock", timeout=0, preserve_lock_file=True)
            try:
                lock.acquire()
            except Timeout:
                continue
            taken.append(Slot(number, lock))
            if len(taken) == count:
                return taken
        for slot in taken:  # fewer than asked for: none kept, so that two takers never starve each other
            slot.lock.release()
        return None

    def opened(self, slot: Slot, job_id: str) -> None:
        slot.job_id = job_id
        self._write({"job": job_id, "opened": time.time(), "pid": os.getpid()})

    def release(self, slot: Slot) -> None:
        if slot.job_id is not None:
            self._write({"job": slot.job_id, "closed": time.time(), "pid": os.getpid()})
        slot.lock.release()

    def _write(self, entry: dict[str, object]) -> None:
        with (self.folder / LEDGER).open("a", encoding="utf-8") as ledger:  # one short line: never interleaved
            ledger.write(json.dumps(entry) + "\n")


@dataclass
class Jobs:
    """The jobs and tasks one scenario configures, each holding a slot of the run's until `close`."""

    focus: FocusServer
    slots: JobSlots
    connect_s: float  # how long a job's stream may take to accept us when we end it …
    first_frame_s: float  # … and to give its first frame (or its end)
    held: list[tuple[Slot, JobConfigured | None]] = field(default_factory=list)
    reserved: list[Slot] = field(default_factory=list)

    def config_task(self, task_id: str, config: TaskConfig | dict[str, Any]) -> Answer:
        return self._opening(
            lambda: self.focus.config_task(task_id, config), lambda a: task_id if a.status == 200 else None
        )

    def configure(self, config: JobConfig | dict[str, Any]) -> Answer:
        return self._opening(
            lambda: self.focus.configure(config), lambda a: a.body.job_id if isinstance(a.body, JobConfigured) else None
        )

    @staticmethod
    def started(answer: Answer, said: str) -> JobConfigured:
        """The job a configure's answer started; none (a refusal) leaves the clause unjudged, `said` says whose."""
        if not isinstance(answer.body, JobConfigured):
            raise PreconditionNotMet(f"{said}: {answer.route} answered {answer.status}")
        return answer.body

    def reserve(self, jobs: int) -> None:
        """Take the slots of `jobs` jobs that must live at once (a resend's) before the first is started."""
        if (missing := jobs - len(self.reserved)) > 0:
            self.reserved += self.slots.take(missing)

    def _opening(self, send: Callable[[], Answer], job_of: Callable[[Answer], str | None]) -> Answer:
        """Send a request that may start a job, in a slot: kept while the job lives, else given back."""
        slot = self.reserved.pop() if self.reserved else self.slots.take()[0]
        try:
            answer = send()
        except BaseException:
            self.slots.release(slot)
            raise
        job_id = job_of(answer)
        if job_id is None or any(held.job_id == job_id for held, _ in self.held):
            self.slots.release(slot)
        else:
            self.slots.opened(slot, job_id)
            self.held.append((slot, answer.body if isinstance(answer.body, JobConfigured) else None))
        return answer

    def close(self) -> None:
        """End every job this scenario started that is still alive, and give its slot back: nothing outlives it."""
        while self.reserved:
            self.slots.release(self.reserved.pop())
        while self.held:
            slot, job = self.held.pop()
            try:
                if job is not None and self.focus.job_metadata(job.job_id).status == 200:
                    close_job_streams(job, connect_timeout_s=self.connect_s, first_frame_s=self.first_frame_s)
            except (TargetUnreachable, AssertionError):
                pass  # a target that no longer answers about it has nothing left for us to end
            finally:
                self.slots.release(slot)
