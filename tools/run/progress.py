"""What the terminal shows while behave runs: each scenario as it ends, and which are running against the floor (the
stream limit). On a terminal the status line is redrawn in place; in a log (CI) it is printed every `heartbeat_s`."""

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


def _label(event: dict[str, Any]) -> str:
    return f"{event.get('spec') or '?'} {event.get('case') or event.get('name', '')}"


class ProgressBoard:
    """A tick callback for `wait_jobs`."""

    def __init__(
        self,
        floor_s: float = 180.0,
        stream: TextIO | None = None,
        interactive: bool | None = None,
        heartbeat_s: float = 20.0,
    ) -> None:
        self.stream, self.floor_s, self.heartbeat_s = stream or sys.stdout, floor_s, heartbeat_s
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.started, self._last_heartbeat, self._status_shown = time.monotonic(), 0.0, False
        self._printed: dict[str, int] = {}

    def __call__(self, running: list[RunningJob]) -> None:
        for job in running:
            for event in job.finished[self._printed.get(job.job.name, 0) :]:
                mark, took = MARKS.get(event.get("status", ""), "?"), event.get("duration_s", 0)
                self._write(f"  {mark} {_label(event):<40} {event.get('name', '')}  ({took:.1f} s)\n")
            self._printed[job.job.name] = len(job.finished)
        now = time.monotonic()
        if self.interactive:  # one line, redrawn in place: never wrap
            self._write("\r\x1b[K" + self.status(running, now)[: shutil.get_terminal_size().columns - 1], shown=True)
        elif now - self._last_heartbeat >= self.heartbeat_s:
            self._last_heartbeat = now
            self._write(self.status(running, now) + "\n")

    def status(self, running: Sequence[RunningJob], now: float | None = None) -> str:
        parts = [f"⏱ {_minutes((now or time.monotonic()) - self.started)} (floor {_minutes(self.floor_s)})"]
        for job in running:
            done = f"{len(job.finished)}/{len(job.job.scenarios)}"
            if job.job.slow:  # against the floor, from the scenario's own start (its process may have waited)
                state = "done" if job.ended or job.finished else "starting"
                if job.current and state == "starting":
                    state = f"{time.time() - job.current['t']:.0f}/{self.floor_s:.0f} s"
                parts.append(f"{job.job.scenarios[0].spec} {job.job.scenarios[0].case}: {state}")
            elif job.ended is not None:
                parts.append(f"{job.job.name}: done {done}")
            else:
                parts.append(f"{job.job.name}: {done}" + (f", now {_label(job.current)}" if job.current else ""))
        return " | ".join(parts)

    def _write(self, text: str, shown: bool = False) -> None:
        self.stream.write(("\r\x1b[K" if self._status_shown and not shown else "") + text)
        self.stream.flush()
        self._status_shown = shown

    def close(self) -> None:
        if self._status_shown:  # the last status line stays
            self._write("\n", shown=True)
