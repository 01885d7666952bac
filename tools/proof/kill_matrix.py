"""The step-level kill matrix: which faults made which check (a Then step definition of steps/) fail first, in a
scenario of the fault's own clauses that failed as a product defect. Checks come from the registry and the features,
never from results: a check no fault showed red fails `make mutation` unless check_exemptions.py exempts it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from tools.common.catalogue import parse_features, step_definitions
from tools.common.results import Kind, parse_result
from tools.proof.check_exemptions import EXEMPT

KEYWORDS = ("Given", "When", "Then", "And", "But", "*")
RED = ("failed", "broken")


class Check(NamedTuple):
    """One Then step definition: its pattern (the check's name), where it is, the scenarios that use it."""

    pattern: str
    location: str
    scenarios: tuple[str, ...] = ()  # "spec case" of each


class RedStep(NamedTuple):
    """The first red step of a red scenario (`step` None: red outside any step, e.g. in a hook)."""

    spec: str | None
    scenario: str
    step: str | None
    product_defect: bool = True  # filed as a product defect (by the type it raised), not as a broken result


class KillMatrix(NamedTuple):
    checks: list[Check]
    killed_by: dict[str, list[str]]  # check pattern -> faults that showed it red
    before_any_check: list[dict[str, str]]  # failed first at a Given/When, or a hook
    exempt: Mapping[str, str]

    @property
    def never_red(self) -> list[Check]:
        return [c for c in self.checks if not self.killed_by.get(c.pattern) and c.pattern not in self.exempt]

    @property
    def stale_exemptions(self) -> list[str]:
        return sorted(set(self.exempt) - {c.pattern for c in self.checks})

    @property
    def complete(self) -> bool:
        return not self.never_red and not self.stale_exemptions


@lru_cache(maxsize=4)
def _feature_steps(features_dir: Path) -> tuple[tuple[str, str, str], ...]:
    """(spec case, step type, step text) of every step of every scenario, outlines expanded."""
    found = []
    for feature in parse_features(features_dir):
        for scenario in feature.walk_scenarios():
            tags = [str(t) for t in scenario.effective_tags]
            spec = next((t.removeprefix("spec-") for t in tags if t.startswith("spec-")), "?")
            case = next((t.removeprefix("case-") for t in tags if t.startswith("case-")), scenario.name)
            found += [(f"{spec} {case}", step.step_type, step.name) for step in scenario.all_steps]  # background too
    return tuple(found)


def _match(matchers: Sequence, text: str):
    return next((m for m in matchers if m.match(text) is not None), None)


def suite_checks(features_dir: Path, steps_dir: Path) -> list[Check]:
    """Every Then step definition of the registry, with the scenarios of the feature files that use it."""
    definitions = step_definitions(steps_dir.resolve())
    thens = definitions.get("then", [])
    used: dict[str, list[str]] = {}
    for scenario, step_type, text in _feature_steps(features_dir.resolve()):
        matcher = _match(thens, text) or _match(definitions.get("step", []), text) if step_type == "then" else None
        if matcher is not None and scenario not in used.setdefault(matcher.pattern, []):
            used[matcher.pattern].append(scenario)
    ordered = sorted(thens, key=lambda m: str(m.location))
    return [Check(m.pattern, str(m.location), tuple(used.get(m.pattern, ()))) for m in ordered]


def check_of(text: str, features_dir: Path, steps_dir: Path) -> str | None:
    """The pattern of the Then step definition this step text runs, None when it is no Then step of the features."""
    if not any(kind == "then" and said == text for _, kind, said in _feature_steps(features_dir.resolve())):
        return None
    matcher = _match(step_definitions(steps_dir.resolve()).get("then", []), text)
    return matcher.pattern if matcher is not None else None


def first_red_steps(results: Path) -> list[RedStep]:
    """For each red scenario of the folder, the first of its steps that went red, without its keyword."""
    found = []
    for path in sorted(results.glob("*-result.json")) if results.is_dir() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("status") in RED:
            step = next((s["name"] for s in data.get("steps") or [] if s.get("status") in RED), None)
            word, _, rest = (step or "").partition(" ")
            step = rest if step and word in KEYWORDS else step
            result = parse_result(data)
            found.append(RedStep(result.spec, data.get("name", ""), step, result.kind is Kind.PRODUCT))
    return found


def build(
    faults: Sequence[dict], folder: Callable[[dict], Path], features: Path, steps: Path, exempt: dict[str, str] = EXEMPT
) -> KillMatrix:
    """The kill matrix of the suite over the mutation matrix's entries, each read from its `folder(entry)`; a fault
    skipped shows nothing (its folder is an earlier run's), nor a red scenario of another clause, or a broken one."""
    checks = suite_checks(features, steps)
    killed_by: dict[str, list[str]] = {c.pattern: [] for c in checks}
    before: list[dict[str, str]] = []
    for fault in (f for f in faults if f.get("verdict") != "skipped"):
        name = fault["name"] + (f" on {fault['shape']}" if fault.get("shape") else "")
        for red in first_red_steps(folder(fault)):
            if red.spec not in fault["clauses"] or not red.product_defect:
                continue
            pattern = check_of(red.step, features, steps) if red.step else None
            if pattern is None:
                before.append({"fault": name, "scenario": red.scenario, "step": red.step or "(no step)"})
            elif name not in killed_by.setdefault(pattern, []):
                killed_by[pattern].append(name)
    return KillMatrix(checks, killed_by, before, exempt)


def to_json(matrix: KillMatrix) -> dict:
    checks = [
        c._asdict() | {"killed_by": matrix.killed_by.get(c.pattern, []), "exempt": matrix.exempt.get(c.pattern)}
        for c in matrix.checks
    ]
    never = [c.pattern for c in matrix.never_red]
    return {"checks": checks, "never_red": never, "stale_exemptions": matrix.stale_exemptions}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A Markdown table's lines, a `|` in a cell escaped."""
    return [f"| {' | '.join(_cell(str(cell)) for cell in row)} |" for row in [head, ["---"] * len(head), *rows]]


def to_markdown(matrix: KillMatrix) -> str:
    lines = ["## Checks and the faults that showed each red", "", f"{len(matrix.checks)} checks (Then steps).", ""]
    rows = []
    for c in matrix.checks:
        reason = matrix.exempt.get(c.pattern)
        killers = ", ".join(f"`{f}`" for f in matrix.killed_by.get(c.pattern, []))
        killers = killers or (f"exempt: {reason}" if reason else "**never**")
        rows.append([c.pattern, killers, len(c.scenarios)])
    lines += table(["Check", "Shown red by", "Scenarios"], rows)
    lines += ["", "## Checks never shown red", ""]
    lines += [f"- {_cell(c.pattern)} ({c.location})" for c in matrix.never_red] or ["None."]
    lines += ["", "Exemptions naming no check (remove them):", ""] if matrix.stale_exemptions else []
    lines += [f"- {_cell(p)}" for p in matrix.stale_exemptions]
    if matrix.before_any_check:
        lines += ["", "## Failed before any check (a product defect at a Given/When step or a hook)", ""]
        lines += [f"- `{r['fault']}`: {_cell(r['scenario'])}: {_cell(r['step'])}" for r in matrix.before_any_check]
    return "\n".join(lines) + "\n"


def summary(matrix: KillMatrix) -> str:
    shown = sum(1 for c in matrix.checks if matrix.killed_by.get(c.pattern))
    exempt, never = len(matrix.checks) - shown - len(matrix.never_red), [c.pattern for c in matrix.never_red]
    lines = [f"{len(matrix.checks)} checks: {shown} shown red, {exempt} exempt, {len(never)} never red"]
    lines += [f"checks never shown red: {'; '.join(never)}"] if never else []
    lines += [f"exemptions naming no check: {'; '.join(matrix.stale_exemptions)}"] if matrix.stale_exemptions else []
    return "\n".join(lines)
