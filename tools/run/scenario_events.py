"""A behave formatter that writes one JSON line per scenario start and end, flushed at once.

The nightly runner tails these lines to show which scenarios are running and how long they have run; behave's
own formatters buffer their files, and none says when a scenario starts.
Use: `-f tools.run.scenario_events:ScenarioEvents -o reports/logs/<job>.events.jsonl`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from behave.formatter.base import Formatter
from behave.model import Scenario

from support.clauses import clause_of_tags
from tools.common.catalogue import CASE_PREFIX


def scenario_fields(scenario: Scenario) -> dict[str, Any]:
    tags = list(scenario.effective_tags)
    clause = clause_of_tags(tags)
    case = next((tag[len(CASE_PREFIX) :] for tag in tags if tag.startswith(CASE_PREFIX)), None)
    return {
        "name": scenario.name,
        "location": f"{scenario.location.filename}:{scenario.location.line}",
        "spec": clause.id if clause else None,
        "case": case,
    }


class ScenarioEvents(Formatter):
    name = "scenario_events"
    description = "JSON lines: scenario start and end (for the runner's progress)"

    def __init__(self, stream_opener, config) -> None:
        super().__init__(stream_opener, config)
        self.stream = self.open()
        self.current: Scenario | None = None

    def _emit(self, event: str, scenario: Scenario, **extra: Any) -> None:
        record = {"event": event, "t": time.time(), **scenario_fields(scenario), **extra}
        self.stream.write(json.dumps(record) + "\n")
        self.stream.flush()

    def _finish_current(self) -> None:
        # behave has no "scenario ended" call: a scenario ends when the next one starts or the feature ends.
        if self.current is not None:
            status = getattr(self.current.status, "name", str(self.current.status))
            self._emit("end", self.current, status=status, duration_s=round(self.current.duration, 3))
            self.current = None

    def scenario(self, scenario: Scenario) -> None:
        self._finish_current()
        self.current = scenario
        self._emit("start", scenario)

    def eof(self) -> None:
        self._finish_current()

    def close(self) -> None:
        self._finish_current()
        self.close_stream()
