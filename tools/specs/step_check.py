"""What a change of the feature files breaks, found before anything runs: a step no step definition matches (behave
would report it "undefined" and the scenario would prove nothing), a quote that is no line of the clarifications,
a scenario without its clause tag or case tag. `make review` shows these above the changes.

The step definitions are the working tree's `steps/` (the definitions the change will run with), loaded into an
emptied behave registry and matched as behave matches them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from behave.model import Feature, Scenario, Step

from support.clauses import BY_ID, TAG_PREFIX
from tools.common.catalogue import CASE_PREFIX, step_definitions


@dataclass(frozen=True)
class Break:
    file: str
    line: int
    scenario: str
    what: str  # one line: what is broken

    def text(self) -> str:
        return f"{self.file}:{self.line}: {self.scenario}: {self.what}"


def load_steps(steps_dir: Path) -> dict[str, list]:
    """The step definitions of `steps_dir` by step type (tools/common/catalogue.py)."""
    return step_definitions(steps_dir)


def _matches(definitions: dict[str, list], step: Step) -> bool:
    candidates = [*definitions.get(step.step_type, []), *definitions.get("step", [])]
    return any(definition.match(step.name) for definition in candidates)


def undefined_steps(scenario: Scenario, file: str, definitions: dict[str, list]) -> list[Break]:
    """The scenario's steps that no definition matches (an outline's as written, and each of its rows')."""
    rows = list(getattr(scenario, "scenarios", []) or []) or [scenario]
    found: dict[tuple[int, str], Break] = {}
    for each in rows:
        for step in each.steps:
            if not _matches(definitions, step):
                said = f'no step definition matches "{step.keyword} {step.name}"'
                found.setdefault((step.line, step.name), Break(file, step.line, scenario.name, said))
    return list(found.values())


def missing_tags(scenario: Scenario, feature: Feature, file: str) -> list[Break]:
    tags = [*feature.tags, *scenario.tags]
    specs = [t[len(TAG_PREFIX) :] for t in tags if t.startswith(TAG_PREFIX)]
    found = []
    if not specs:
        found.append(Break(file, scenario.line, scenario.name, f"no @{TAG_PREFIX}<clause> tag: it checks no clause"))
    found += [
        Break(file, scenario.line, scenario.name, f"@{TAG_PREFIX}{spec} names no clause of support/clauses.py")
        for spec in specs
        if spec not in BY_ID
    ]
    if not any(t.startswith(CASE_PREFIX) for t in tags):
        found.append(Break(file, scenario.line, scenario.name, f"no @{CASE_PREFIX}<slug> tag: its history is lost"))
    return found


def breaks(scenarios: Iterable[tuple[Scenario, Feature, str]], steps_dir: Path) -> list[Break]:
    """What the given scenarios (each with its feature and file) break, in file order."""
    definitions = load_steps(steps_dir)
    found = []
    for scenario, feature, file in scenarios:
        found += missing_tags(scenario, feature, file) + undefined_steps(scenario, file, definitions)
    return sorted(found, key=lambda b: (b.file, b.line))
