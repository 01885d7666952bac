"""What the terminal shows while behave runs: each scenario as it ends, and which are running against the floor.

On a terminal the status line is redrawn in place; in a log (CI) it is printed every `heartbeat_s` instead.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from tools.run.behave_runs import RunningJob

MARKS = {"passed": "✔", "failed": "✘", "error": "!", "hook_error": "!", "skipped": "–", "untested": "–"}


def _minutes(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def _scenario_label(event: dict[str, Any]) -> str:
    clause = event.get("spec") or "?"
    return f"{clause} {event.get('case') or event.get('name', '')}"


class ProgressBoard:
    """A tick callback for `run_jobs`."""

    def __init__(
        self,
        floor_s: float = 180.0,
        stream: TextIO | None = None,
        interactive: bool | None = None,
        heartbeat_s: float = 20.0,
    ) -> None:
        self.stream = stream or sys.stdout
        self.floor_s = floor_s
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.heartbeat_s = heartbeat_s
        self.started = time.monotonic()
        self._printed: dict[str, int] = {}
        self._last_heartbeat = 0.0
        self._status_shown = False

    def __call__(self, running: list[RunningJob]) -> None:
        for job in running:
            done = self._printed.get(job.job.name, 0)
            for event in job.finished[done:]:
                self._line(self._finished_line(event))
            self._printed[job.job.name] = len(job.finished)
        now = time.monotonic()
        if self.interactive:
            self._redraw(self.status(running, now))
        elif now - self._last_heartbeat >= self.heartbeat_s:
            self._last_heartbeat = now
            self._line(self.status(running, now))

    def status(self, running: Sequence[RunningJob], now: float | None = None) -> str:
        now = now or time.monotonic()
        parts = [f"⏱ {_minutes(now - self.started)} (floor {_minutes(self.floor_s)})"]
        for job in running:
            if job.job.slow:
                scenario = job.job.scenarios[0]
                parts.append(f"{scenario.spec} {scenario.case}: {self._slow_state(job)}")
            else:
                done = f"{len(job.finished)}/{len(job.job.scenarios)}"
                if job.ended is not None:
                    parts.append(f"{job.job.name}: done {done}")
                elif job.current:
                    parts.append(f"{job.job.name}: {done}, now {_scenario_label(job.current)}")
                else:
                    parts.append(f"{job.job.name}: {done}")
        return " | ".join(parts)

    def _slow_state(self, job: RunningJob) -> str:
        if job.ended is not None or job.finished:
            return "done"
        if job.current:
            # Against the floor: the scenario's own time, from its start (the process may have waited for the target).
            return f"{time.time() - job.current['t']:.0f}/{self.floor_s:.0f} s"
        return "starting"

    def _finished_line(self, event: dict[str, Any]) -> str:
        mark = MARKS.get(event.get("status", ""), "?")
        return f"  {mark} {_scenario_label(event):<40} {event.get('name', '')}  ({event.get('duration_s', 0):.1f} s)"

    def _line(self, text: str) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def _redraw(self, text: str) -> None:
        width = shutil.get_terminal_size().columns - 1  # one line, redrawn in place: never wrap
        self.stream.write("\r\x1b[K" + text[:width])
        self.stream.flush()
        self._status_shown = True

    def close(self) -> None:
        if self._status_shown:
            self.stream.write("\n")
            self.stream.flush()
            self._status_shown = False
