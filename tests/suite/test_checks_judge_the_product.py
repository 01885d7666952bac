"""A check (a Then step) judges the product: it never raises `PreconditionNotMet`, which is for set-up.

Read from the source: every `@then` step of steps/, the support functions it calls, and what those call in turn
(functions of support/ called by name or as `module.function`), must hold no `raise PreconditionNotMet`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNWANTED = "PreconditionNotMet"


def _functions() -> dict[tuple[str, str], ast.FunctionDef]:
    """Every top-level function and method of support/, by (module, name)."""
    found: dict[tuple[str, str], ast.FunctionDef] = {}
    for path in (ROOT / "support").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                found.setdefault((path.stem, node.name), node)
    return found


def _imports(tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """Local name → (support module, function or None for a module) for `from support[.x] import y`."""
    names: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("support"):
            for alias in node.names:
                local = alias.asname or alias.name
                if node.module == "support":
                    names[local] = (alias.name, None)
                else:
                    names[local] = (node.module.removeprefix("support."), alias.name)
    return names


Imports = dict[str, tuple[str, str | None]]


def _callees(function: ast.FunctionDef, module: str, imports: Imports) -> set[tuple[str, str]]:
    called: set[tuple[str, str]] = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        target = node.func
        if isinstance(target, ast.Name):
            module_of, name = imports.get(target.id, (module, target.id))
            called.add((module_of, name or target.id))
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            module_of, name = imports.get(target.value.id, (None, None))
            if module_of is not None and name is None:
                called.add((module_of, target.attr))
    return called


def _raises_unwanted(function: ast.FunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(raised, ast.Name) and raised.id == UNWANTED:
                return True
    return False


def _then_steps() -> list[tuple[str, ast.FunctionDef, dict[str, tuple[str, str | None]]]]:
    steps = []
    for path in sorted((ROOT / "steps").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = _imports(tree)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "then"
                for d in node.decorator_list
            ):
                steps.append((f"{path.name}:{node.lineno} {node.name}", node, imports))
    return steps


def test_no_check_raises_precondition_not_met() -> None:
    functions = _functions()
    steps = _then_steps()
    assert steps, "no @then step found: the reading of steps/ is broken"
    offenders = []
    for where, step, imports in steps:
        seen: set[tuple[str, str]] = set()
        todo = list(_callees(step, "", imports))
        while todo:
            key = todo.pop()
            if key in seen or key not in functions:
                continue
            seen.add(key)
            function = functions[key]
            if _raises_unwanted(function):
                offenders.append(f"{where} → support.{key[0]}.{key[1]}")
            module_imports = _imports(ast.parse((ROOT / "support" / f"{key[0]}.py").read_text(encoding="utf-8")))
            todo.extend(_callees(function, key[0], module_imports))
    assert offenders == []


def test_the_reading_finds_a_raise_of_it() -> None:
    """The check above can fail: a function raising it, called from a step, is found."""
    source = "def judge():\n    raise PreconditionNotMet('no')\n"
    function = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef))
    assert _raises_unwanted(function)
