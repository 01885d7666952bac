"""Task API runs: a task per client-chosen id, polled for waterfall rows (live or history)."""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from stand import fiber
from stand.actors import BabyAnalyzer, FocusPublisher
from stand.faults import ActiveFault
from stand.request_bodies import ConfigTaskRequest
from stand.timing import StandTiming

MAX_ROWS_PER_ANSWER = 1000
MAX_LIVE_ROWS_PER_S = 1e6  # absurd configurations stay computable


class Poll(Enum):
    NOT_YET = "not yet"  # 200 empty
    END = "end of stream"  # 208


@dataclass
class Task:
    id: str
    request: ConfigTaskRequest
    created: float = field(default_factory=time.monotonic)
    last_poll: float = field(default_factory=time.monotonic)
    live_origin: float = field(default_factory=time.time)  # wall clock of live row 0
    rows_sent: int = 0
    cursor: Iterator[int] | None = None  # history only: its covered seconds, one row each, in order
    last_second: int | None = None  # history: the last row's second
    ended: bool = False

    @property
    def sensors(self) -> tuple[int, int]:
        last = fiber.CHANNELS - 1
        return min(self.request.sensors.min, last), min(self.request.sensors.max, last)

    @property
    def bins(self) -> int:
        freqs = fiber.frequencies(
            self.request.frequencyRange.min, self.request.frequencyRange.max, self.request.nfftSelection
        )
        return max(1, min(fiber.WATERFALL_BINS_MAX, len(freqs)))

    @property
    def consumer_running(self) -> bool:
        return time.monotonic() - self.created >= StandTiming.consumer_start_s

    @property
    def live_rate(self) -> float:
        """Rows per second: canvas height / time axis duration."""
        return min(MAX_LIVE_ROWS_PER_S, self.request.canvasInfo.height / self.request.displayTimeAxisDuration)


class TaskRegistry:
    def __init__(self, fault: ActiveFault, focus: FocusPublisher, analyzer: BabyAnalyzer, idle_ttl_s: float) -> None:
        self.fault = fault
        self.focus = focus
        self.analyzer = analyzer
        self.idle_ttl_s = idle_ttl_s
        self.tasks: dict[str, Task] = {}
        self.duplicates: dict[str, str] = {}  # fault late-duplicate-queue: task id -> the second run's id
        self.refused: set[str] = set()  # fault refused-task-lingers: ids of refused history tasks
        self.lock = threading.Lock()

    # -- configure -----------------------------------------------------------------------------------------------

    def find(self, task_id: str) -> Task | None:
        with self.lock:
            return self.tasks.get(task_id)

    def configure(self, task_id: str, request: ConfigTaskRequest, segments: list[tuple[int, int]] | None) -> None:
        """Start the task, or keep it when the same id with the same body is already running (idempotent)."""
        with self.lock:
            current = self.tasks.get(task_id)
            if current is not None and current.request == request:
                current.last_poll = time.monotonic()
                self.focus.roi(*current.sensors)
                if self.fault.on("late-duplicate-queue") and task_id not in self.duplicates:
                    self.duplicates[task_id] = f"{task_id}_resent"
                    later = threading.Timer(
                        StandTiming.late_duplicate_s, self.analyzer.open_run, (self.duplicates[task_id],)
                    )
                    later.daemon = True
                    later.start()
                return
            task = Task(task_id, request)
            if request.is_history:
                task.cursor = itertools.chain.from_iterable(itertools.starmap(range, segments or []))
            self.tasks[task_id] = task
        if current is None or current.ended:
            self.analyzer.open_run(task_id)  # a reconfigured task whose history had ended runs again
        self.focus.roi(*task.sensors)

    # -- waterfall -----------------------------------------------------------------------------------------------

    def poll(self, task: Task, row_count: int) -> list[dict] | Poll:
        """Rows for `GET /waterfall`: a list of one block, NOT_YET (200 empty) or END (208)."""
        task.last_poll = time.monotonic()
        self.focus.keepalive(task.id)
        if not task.consumer_running:
            return Poll.NOT_YET
        first, last = task.sensors
        budget = max(1, fiber.WATERFALL_VALUES_PER_ANSWER // ((last - first + 1) * task.bins))
        wanted = min(row_count, MAX_ROWS_PER_ANSWER, budget)
        with self.lock:
            if task.cursor is not None:
                seconds = list(itertools.islice(task.cursor, wanted))
                if seconds:
                    task.last_second = seconds[-1]
                elif task.ended and self.fault.on("rows-after-eos") and task.last_second is not None:
                    seconds = [task.last_second]  # the last row again, after the 208
                else:
                    if self.fault.on("no-eos"):
                        return Poll.NOT_YET
                    self._end_history(task)
                    return Poll.END
                starts = np.asarray(seconds, dtype=np.float64)
                ends = starts + 1.0
            else:
                rate = task.live_rate
                due = math.floor((time.time() - task.live_origin) * rate) + 1
                count = max(0, min(wanted, due - task.rows_sent))
                if count == 0:
                    return Poll.NOT_YET
                index = np.arange(task.rows_sent, task.rows_sent + count, dtype=np.float64)
                starts = task.live_origin + index / rate
                ends = starts + 1.0 / rate
                task.rows_sent += count
        return [self._block(task, starts, ends)]

    def _block(self, task: Task, starts: np.ndarray, ends: np.ndarray) -> dict:
        first, last = task.sensors
        values = fiber.DasSignal.spectrum(fiber.SIGNAL.rows(starts, first, last), task.bins)
        start_ms = np.floor(starts * 1000).astype(np.int64)
        end_ms = np.maximum(np.floor(ends * 1000).astype(np.int64), start_ms + 1)
        rows = [
            {
                "canvasId": task.id,
                "sensors": [
                    {"id": first + c, "intensity": v} for c, v in enumerate(row.astype(np.float64).round(5).tolist())
                ],
                "startTimestamp": int(begin),
                "endTimestamp": int(end),
            }
            for row, begin, end in zip(values, start_ms, end_ms, strict=True)
        ]
        return {"rows": rows, "current_max_amp": float(values.max()), "current_min_amp": float(values.min())}

    def _end_history(self, task: Task) -> None:
        """History played to its end: the baby analyzer exits, its results queue goes."""
        if not task.ended:
            task.ended = True
            self.analyzer.close_run(task.id)

    # -- housekeeping --------------------------------------------------------------------------------------------

    def reap_idle(self) -> None:
        """A task nobody polls any more ends, as the real baby analyzer exits without keepalives."""
        now = time.monotonic()
        with self.lock:
            idle = [self.tasks.pop(t.id) for t in list(self.tasks.values()) if now - t.last_poll > self.idle_ttl_s]
            duplicates = [self.duplicates.pop(task.id) for task in idle if task.id in self.duplicates]
        for run_id in duplicates + [task.id for task in idle if not task.ended]:
            self.analyzer.close_run(run_id)
        for task in idle:
            self.focus.forget(task.id)
