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

from support.clauses import clause_of_tags
from tools.common.layout import ROOT

CASE_PREFIX = "case-"  # a scenario's `@case-<slug>` tag: its name in the suite, whatever its title

SLOW_TAG = "slow"
# A scenario that listens for the listening window (setting listen_s): a minute in the nightly profile.
LISTENING_TAG = "listening"
BEHAVE_INI = ROOT / "behave.ini"


def _name_outline_rows_as_behave_does() -> None:
    """behave names an outline's rows by `scenario_outline_annotation_schema` of behave.ini, but only once it has
    read its configuration; the parser used here must name them alike, or no result would match its scenario."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(BEHAVE_INI)
    schema = config.get("behave", "scenario_outline_annotation_schema", fallback=None)
    if schema:
        ScenarioOutline.annotation_schema = schema.strip()


_name_outline_rows_as_behave_does()


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


def feature_files(features_dir: Path) -> list[Path]:
    """Feature files in name order, which is spec order (`1_*.feature` … `4_*.feature`)."""
    return sorted(features_dir.rglob("*.feature"))


def parse_features(features_dir: Path, cwd: Path | None = None) -> list[Feature]:
    """Parsed features; locations are relative to `cwd` (the folder behave runs in)."""
    base = cwd or Path.cwd()
    parsed = []
    for path in feature_files(features_dir):
        try:
            relative = os.path.relpath(path, base)
        except ValueError:  # Windows: the features on another drive than `cwd`
            relative = str(path)
        feature = parse_file(relative if not relative.startswith("..") else str(path))
        if feature is not None:
            parsed.append(feature)
    return parsed


def _row_values(scenario: object) -> tuple[tuple[str, str], ...]:
    row = getattr(scenario, "_row", None)
    return tuple(zip(row.headings, row.cells, strict=True)) if row else ()


def scenarios(features_dir: Path, cwd: Path | None = None) -> list[PlannedScenario]:
    planned = []
    for feature in parse_features(features_dir, cwd):
        for scenario in feature.walk_scenarios():
            tags = tuple(str(tag) for tag in scenario.effective_tags)
            clause = clause_of_tags(list(tags))
            planned.append(
                PlannedScenario(
                    name=scenario.name.strip(),
                    location=f"{scenario.location.filename}:{scenario.location.line}",
                    spec=clause.id if clause else None,
                    case=next((tag[len(CASE_PREFIX) :] for tag in tags if tag.startswith(CASE_PREFIX)), None),
                    tags=tags,
                    feature=feature.name,
                    description=tuple(scenario.description),
                    feature_description=tuple(feature.description),
                    row=_row_values(scenario),
                )
            )
    return planned


def quotes_of(clause_id: str, planned: list[PlannedScenario]) -> list[str]:
    """The clause's own quote of the clarifications, as its scenarios carry it (their own quote lines, else their
    feature's quote for the clause), each line once, in feature order."""
    from support.clauses import BY_ID
    from tools.common.quote_html import feature_quotes, split_description

    lines: list[str] = []
    for scenario in planned:
        if scenario.spec != clause_id:
            continue
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
