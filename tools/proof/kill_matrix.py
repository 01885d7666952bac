"""The step-level kill matrix: which faults made exactly which check of the suite fail.

A *check* is a Then step definition of the step registry (steps/), with the functions that judge behind it, listed
from the registry and the feature files, never from results: a new Then step that no fault reaches shows as never
red. A fault *shows a check red* when, in a scenario of its own clauses that failed as a product defect, that check
is the first step that failed. A broken scenario shows nothing, red scenarios of other clauses are false alarms. A
check no fault showed red fails `make mutation` unless tools/proof/check_exemptions.py exempts it with a reason.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tools.common.catalogue import parse_features, step_definitions
from tools.common.results import Kind, parse_result
from tools.proof.check_exemptions import EXEMPT

KEYWORDS = ("Given", "When", "Then", "And", "But", "*")
RED = ("failed", "broken")


@dataclass(frozen=True)
class Check:
    """One Then step definition: its pattern (the check's name), where it is, and what judges behind it."""

    pattern: str
    location: str
    judged_by: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()  # "spec case" of every scenario that uses it (empty: defined, unused)


@dataclass(frozen=True)
class RedStep:
    """The first step that went red in a red scenario (`step` None: red outside any step, e.g. in a hook)."""

    spec: str | None
    scenario: str
    status: str
    step: str | None
    product_defect: bool = True  # filed as a product defect (by the type it raised), not as a broken result


@dataclass
class KillMatrix:
    checks: list[Check]
    killed_by: dict[str, list[str]]  # check pattern -> faults that showed it red
    before_any_check: list[dict[str, str]] = field(default_factory=list)  # failed first at a Given/When, or a hook
    exempt: Mapping[str, str] = field(default_factory=dict)

    @property
    def never_red(self) -> list[Check]:
        return [c for c in self.checks if not self.killed_by.get(c.pattern) and c.pattern not in self.exempt]

    @property
    def stale_exemptions(self) -> list[str]:
        known = {c.pattern for c in self.checks}
        return sorted(pattern for pattern in self.exempt if pattern not in known)

    @property
    def complete(self) -> bool:
        return not self.never_red and not self.stale_exemptions


def _judges(func: Callable) -> tuple[str, ...]:
    """`module.function` of every call in the step's body on a name of its module's (the support/ judges)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return ()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id != "context":
                name = f"{owner.id}.{node.func.attr}"
                if name not in found:
                    found.append(name)
    return tuple(found)


@lru_cache(maxsize=4)
def _feature_steps(features_dir: Path) -> tuple[tuple[str, str, str, str], ...]:
    """(spec case, step type, step text, scenario name) of every step of every scenario, outlines expanded."""
    found = []
    for feature in parse_features(features_dir):
        for scenario in feature.walk_scenarios():
            tags = [str(t) for t in scenario.effective_tags]
            spec = next((t.removeprefix("spec-") for t in tags if t.startswith("spec-")), "?")
            case = next((t.removeprefix("case-") for t in tags if t.startswith("case-")), scenario.name)
            for step in list(feature.background.steps if feature.background else []) + list(scenario.steps):
                found.append((f"{spec} {case}", step.step_type, step.name, scenario.name))
    return tuple(found)


def _match(matchers: Iterable, text: str):
    return next((m for m in matchers if m.match(text) is not None), None)


def suite_checks(features_dir: Path, steps_dir: Path) -> list[Check]:
    """Every Then step definition of the registry, with the scenarios of the feature files that use it."""
    definitions = step_definitions(steps_dir.resolve())
    then_matchers = definitions.get("then", [])
    used: dict[str, list[str]] = {m.pattern: [] for m in then_matchers}
    for scenario, step_type, text, _ in _feature_steps(features_dir.resolve()):
        if step_type != "then":
            continue
        matcher = _match(then_matchers, text) or _match(definitions.get("step", []), text)
        if matcher is not None and scenario not in used.setdefault(matcher.pattern, []):
            used[matcher.pattern].append(scenario)
    return [
        Check(m.pattern, str(m.location), _judges(m.func), tuple(used.get(m.pattern, ())))
        for m in sorted(then_matchers, key=lambda m: str(m.location))
    ]


def check_of(text: str, features_dir: Path, steps_dir: Path) -> str | None:
    """The pattern of the Then step definition this step text runs, None when it is no Then step of the features."""
    kinds = {step_type for _, step_type, step_text, _ in _feature_steps(features_dir.resolve()) if step_text == text}
    if "then" not in kinds:
        return None
    matcher = _match(step_definitions(steps_dir.resolve()).get("then", []), text)
    return matcher.pattern if matcher is not None else None


def _without_keyword(name: str) -> str:
    word, _, rest = name.partition(" ")
    return rest if word in KEYWORDS else name


def first_red_steps(results: Path) -> list[RedStep]:
    """For each red scenario of the folder, the first of its steps that went red."""
    found = []
    for path in sorted(results.glob("*-result.json")) if results.is_dir() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("status") not in RED:
            continue
        result, step = (
            parse_result(data),
            next((s["name"] for s in data.get("steps") or [] if s.get("status") in RED), None),
        )
        step = _without_keyword(step) if step else None
        found.append(RedStep(result.spec, data.get("name", ""), data["status"], step, result.kind is Kind.PRODUCT))
    return found


def build(
    checks: Sequence[Check],
    faults: Sequence[Mapping],
    red_steps_of: Callable[[Mapping], list[RedStep]],
    check_for: Callable[[str], str | None],
    exempt: Mapping[str, str] = EXEMPT,
) -> KillMatrix:
    """`faults`: the clause matrix's entries (name, clauses, verdict, and the stand shape where there are several);
    `red_steps_of(entry)`: its red scenarios' first red steps; `check_for(step text)`: the check that text runs, or
    None for a Given/When. A fault skipped by the profile (slow-only under quick) shows nothing: whatever its folder
    holds is from an earlier run; nor does a broken scenario (only a product defect shows a check red)."""
    killed_by: dict[str, list[str]] = {c.pattern: [] for c in checks}
    before: list[dict[str, str]] = []
    for fault in faults:
        if fault.get("verdict") == "skipped":
            continue
        clauses = set(fault["clauses"])
        name = fault["name"] + (f" on {fault['shape']}" if fault.get("shape") else "")
        for red in red_steps_of(fault):
            if red.spec not in clauses or not red.product_defect:
                continue  # a false alarm proves nothing of its check, nor a broken result (it could not judge)
            pattern = check_for(red.step) if red.step else None
            if pattern is None:
                before.append({"fault": name, "scenario": red.scenario, "step": red.step or "(no step)"})
            elif name not in killed_by.setdefault(pattern, []):
                killed_by[pattern].append(name)
    return KillMatrix(list(checks), killed_by, before, exempt)


def for_mutation(
    faults: Sequence[Mapping], results_of: Callable[[Mapping], Path], features: Path, steps: Path
) -> KillMatrix:
    """The kill matrix of the suite over the clause matrix's entries, each read from its folder `results_of(entry)`."""
    return build(
        suite_checks(features, steps),
        faults,
        lambda entry: first_red_steps(results_of(entry)),
        lambda text: check_of(text, features, steps),
    )


def to_json(matrix: KillMatrix) -> dict:
    return {
        "checks": [
            {
                "check": c.pattern,
                "location": c.location,
                "judged_by": list(c.judged_by),
                "scenarios": list(c.scenarios),
                "killed_by": matrix.killed_by.get(c.pattern, []),
                "exempt": matrix.exempt.get(c.pattern),
            }
            for c in matrix.checks
        ],
        "never_red": [c.pattern for c in matrix.never_red],
        "stale_exemptions": matrix.stale_exemptions,
        "red_before_any_check": matrix.before_any_check,
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(matrix: KillMatrix) -> str:
    lines = ["## Checks and the faults that showed each red", "", f"{len(matrix.checks)} checks (Then steps). A fault "]
    lines[-1] += "shows a check red when, in a scenario of its own clauses, that check is the first step that failed."
    lines += ["", "| Check | Judged by | Shown red by | Scenarios |", "|---|---|---|---|"]
    for c in matrix.checks:
        killers = ", ".join(f"`{f}`" for f in matrix.killed_by.get(c.pattern, []))
        reason = matrix.exempt.get(c.pattern)
        killers = killers or (f"exempt: {reason}" if reason else "**never**")
        judges = ", ".join(f"`{j}`" for j in c.judged_by)
        lines.append(f"| {_cell(c.pattern)} | {judges} | {_cell(killers)} | {len(c.scenarios)} |")
    lines += ["", "## Checks never shown red", ""]
    lines += [f"- {_cell(c.pattern)} ({c.location})" for c in matrix.never_red] or ["None."]
    if matrix.stale_exemptions:
        lines += ["", "Exemptions naming no check of the suite (remove them):", ""]
        lines += [f"- {_cell(p)}" for p in matrix.stale_exemptions]
    if matrix.exempt:
        lines += ["", "## Exempted checks (tools/proof/check_exemptions.py)", ""]
        lines += [f"- {_cell(p)}: {_cell(reason)}" for p, reason in sorted(matrix.exempt.items())]
    if matrix.before_any_check:
        lines += ["", "## Failed before any check (a product defect at a Given/When step or a hook)", ""]
        lines += [f"- `{r['fault']}`: {_cell(r['scenario'])}: {_cell(r['step'])}" for r in matrix.before_any_check]
    return "\n".join(lines) + "\n"


def summary(matrix: KillMatrix) -> str:
    shown = sum(1 for c in matrix.checks if matrix.killed_by.get(c.pattern))
    exempt = sum(1 for c in matrix.checks if not matrix.killed_by.get(c.pattern) and c.pattern in matrix.exempt)
    text = f"{len(matrix.checks)} checks: {shown} shown red, {exempt} exempt, {len(matrix.never_red)} never red"
    if matrix.never_red:
        text += "\nchecks never shown red: " + "; ".join(c.pattern for c in matrix.never_red)
    if matrix.stale_exemptions:
        text += "\nexemptions naming no check: " + "; ".join(matrix.stale_exemptions)
    return text
