"""What the feature files hold, read with behave's own parser: every scenario (outline rows expanded) with its tags.

The runner plans its behave processes from this; the traceability page and the living docs list scenarios by it.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from behave.model import Feature, ScenarioOutline
from behave.parser import parse_file

from support.clauses import BY_ID, case_of_tags, clause_of_tags
from support.clauses import CASE_PREFIX as CASE_PREFIX  # the `@case-<slug>` tag's prefix, for the tools
from tools.common.layout import ROOT
from tools.common.quote_html import feature_quotes, split_description

SLOW_TAG = "slow"
LISTENING_TAG = "listening"  # listens for the listening window (setting listen_s): a minute in the nightly profile

# behave names an outline's rows by behave.ini's `scenario_outline_annotation_schema` once it read its configuration:
# this parser must name them alike, or no result would match its scenario.
_INI = configparser.ConfigParser(interpolation=None)
_INI.read(ROOT / "behave.ini", encoding="utf-8")
if schema := _INI.get("behave", "scenario_outline_annotation_schema", fallback=None):
    ScenarioOutline.annotation_schema = schema.strip()


@dataclass(frozen=True)
class PlannedScenario:
    name: str
    location: str  # `path:line` as behave takes it on its command line (an outline row has the row's line)
    spec: str | None
    case: str | None
    tags: tuple[str, ...]
    feature: str
    description: tuple[str, ...] = ()  # the scenario's description lines (its quote and explanation)
    feature_description: tuple[str, ...] = ()
    row: tuple[tuple[str, str], ...] = ()  # an outline row's (heading, value) pairs

    @property
    def slow(self) -> bool:
        return SLOW_TAG in self.tags

    @property
    def listening(self) -> bool:
        return LISTENING_TAG in self.tags


def parse_features(features_dir: Path, cwd: Path | None = None) -> list[Feature]:
    """Parsed features in name order, which is spec order; locations are relative to `cwd` (where behave runs)."""
    parsed = []
    for path in sorted(features_dir.rglob("*.feature")):
        try:
            relative = os.path.relpath(path, cwd or Path.cwd())
        except ValueError:  # Windows: the features on another drive than `cwd`
            relative = str(path)
        feature = parse_file(relative if not relative.startswith("..") else str(path))
        if feature is not None:
            parsed.append(feature)
    return parsed


def scenarios(features_dir: Path, cwd: Path | None = None) -> list[PlannedScenario]:
    planned = []
    for feature in parse_features(features_dir, cwd):
        for scenario in feature.walk_scenarios():
            tags = tuple(str(tag) for tag in scenario.effective_tags)
            clause = clause_of_tags(list(tags))
            row = getattr(scenario, "_row", None)
            planned.append(
                PlannedScenario(
                    name=scenario.name.strip(),
                    location=f"{scenario.location.filename}:{scenario.location.line}",
                    spec=clause.id if clause else None,
                    case=case_of_tags(list(tags)),
                    tags=tags,
                    feature=feature.name,
                    description=tuple(scenario.description),
                    feature_description=tuple(feature.description),
                    row=tuple(zip(row.headings, row.cells, strict=True)) if row else (),
                )
            )
    return planned


def quotes_of(clause_id: str, planned: list[PlannedScenario]) -> list[str]:
    """The clause's own quote of the clarifications, as its scenarios carry it (their own quote lines, else their
    feature's quote for the clause), each line once, in feature order."""
    lines: list[str] = []
    for scenario in (s for s in planned if s.spec == clause_id):
        own, _ = split_description(scenario.description)
        for line in own or feature_quotes(BY_ID.get(clause_id), scenario.feature_description):
            if line not in lines:
                lines.append(line)
    return lines


@lru_cache(maxsize=4)
def step_definitions(steps_dir: Path) -> dict[str, list]:
    """The step definitions of `steps_dir` by step type (given, when, then, step), loaded into an emptied behave
    registry and taken out, without touching behave's own: what the review and the kill matrix match steps against."""
    from behave.runner_util import load_step_modules
    from behave.step_registry import registry

    kept = registry.steps
    registry.steps = {kind: [] for kind in kept}
    try:
        load_step_modules([str(steps_dir)])
        return registry.steps
    finally:
        registry.steps = kept
