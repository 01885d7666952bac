"""At most N Focus Server jobs of a run alive at once, across every behave process of it; and how many there were.

Each job of the real server is a Kubernetes job holding a GPU slot, and the night run shares the server with its
users. So every job (or task) the suite configures first takes a slot: one of `FOCUS_MAX_JOBS` lock files in a
folder that the whole run shares (`FOCUS_JOB_SLOTS_DIR`, made by the runner; behave alone gets a folder of its own,
so its limit holds within that one process). A scenario that finds every slot taken waits for one, through
`support.waiting.wait_for`; the lock is the operating system's (filelock), so a process that dies frees its slots.

Each slot taken for a job the target accepted is written to the folder's ledger (`ledger.jsonl`: the job's id, when
it was opened and when closed), from which `tally` tells how many jobs the run configured and the most alive at once:
the figures of the run header, the report and the sign-off sheet.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from filelock import FileLock, Timeout

from support.errors import PreconditionNotMet
from support.settings import Settings
from support.waiting import WaitTimeout, wait_for

LEDGER = "ledger.jsonl"


@dataclass
class Slot:
    """One job's place among the run's N: its lock, and the job's id once the target accepted it."""

    number: int
    lock: FileLock
    job_id: str | None = None


class JobSlots:
    def __init__(self, folder: Path, limit: int, wait_s: float) -> None:
        self.folder = folder
        self.limit = limit
        self.wait_s = wait_s
        folder.mkdir(parents=True, exist_ok=True)

    def take(self, count: int = 1) -> list[Slot]:
        """`count` free slots at once, waiting while fewer are free (PreconditionNotMet after `wait_s`).

        All at once, for jobs that must live together (a resent configure's): taking them one by one, a job already
        started could end unread while its owner waits for the next slot."""
        count = min(count, self.limit)
        try:
            return wait_for(
                lambda: self._try_take(count),
                reason=f"{count} free job slot(s) (at most {self.limit} jobs of a run alive at once, FOCUS_MAX_JOBS)",
                timeout_s=self.wait_s,
            )
        except WaitTimeout:
            raise PreconditionNotMet(
                f"no {count} job slot(s) came free within {self.wait_s:g} s: {self.limit} jobs of this run stayed "
                "alive (FOCUS_MAX_JOBS)"
            ) from None

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
        """The target accepted a job in this slot: written to the ledger."""
        slot.job_id = job_id
        self._write({"job": job_id, "opened": time.time(), "pid": os.getpid()})

    def release(self, *slots: Slot) -> None:
        for slot in slots:
            if slot.job_id is not None:
                self._write({"job": slot.job_id, "closed": time.time(), "pid": os.getpid()})
            slot.lock.release()

    def _write(self, entry: dict[str, object]) -> None:
        # One short line per write, appended: the processes of a run never interleave within one.
        with (self.folder / LEDGER).open("a", encoding="utf-8") as ledger:
            ledger.write(json.dumps(entry) + "\n")


@dataclass(frozen=True)
class JobTally:
    configured: int  # jobs (and tasks) the targets accepted during the run
    max_alive: int  # the most of them open at once (opened, not yet closed)
    limit: int | None = None

    def describe(self) -> str:
        limit = f" (limit {self.limit})" if self.limit else ""
        return f"{self.configured} configured, at most {self.max_alive} alive at once{limit}"


def tally(folder: Path, limit: int | None = None) -> JobTally:
    """How many jobs the run's ledger holds, and the most open at once (a job never closed counts to the end)."""
    events: list[tuple[float, int]] = []
    path = folder / LEDGER
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for line in lines:
        entry = json.loads(line)
        if "opened" in entry:
            events.append((entry["opened"], 1))
        elif "closed" in entry:
            events.append((entry["closed"], -1))
    alive = most = 0
    for _, step in sorted(events, key=lambda event: (event[0], event[1])):  # a close before an open at one instant
        alive += step
        most = max(most, alive)
    return JobTally(sum(1 for _, step in events if step > 0), most, limit)


def run_slots(settings: Settings) -> JobSlots:
    """The slots every client of these settings takes from: the run's (FOCUS_JOB_SLOTS_DIR), else this process's own
    (one per limit, for all its clients)."""
    return _slots(settings.job_slots_dir, settings.max_jobs, settings.timing.job_slot_wait_s)


@lru_cache(maxsize=8)
def _slots(folder: Path | None, limit: int, wait_s: float) -> JobSlots:
    if folder is None:  # behave alone: a folder of this process's own, gone with it
        folder = Path(tempfile.mkdtemp(prefix="focus-job-slots-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return JobSlots(folder, limit, wait_s)
