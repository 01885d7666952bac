"""The rooms of tools/: every module lives in a package whose docstring says what it holds and which other tools
packages it may import (a line `May import: tools.a, tools.b.` or `May import: nothing of tools.`); no module
imports one it may not, and the rooms stand in layers (no two of them import each other, directly or around).

Read with `ast`, nothing imported: a lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
RULE = re.compile(r"^May import: (.+?)\.?$", re.M)


def packages() -> list[Path]:
    return sorted(path.parent for path in TOOLS.glob("*/__init__.py"))


def allowed(package: Path) -> set[str]:
    """The tools packages the package's docstring lets its modules import, by their names (`common`, `run` …)."""
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    rule = RULE.search(docstring)
    assert rule, f"tools/{package.name}/__init__.py: its docstring has no line 'May import: …'"
    if rule.group(1).strip() == "nothing of tools":
        return set()
    names = {name.strip() for name in rule.group(1).split(",")}
    assert all(name.startswith("tools.") for name in names), f"tools/{package.name}: {rule.group(0)!r}"
    return {name.removeprefix("tools.") for name in names}


def imported_packages(module: Path, package: str) -> dict[str, int]:
    """The tools packages a module imports, each with the line of its first import."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"), filename=str(module))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            targets = [f"tools.{package}"]  # `from . import x`: its own package
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            targets = ["tools." + (node.module or "")]
        elif isinstance(node, ast.ImportFrom) and node.module == "tools":
            targets = [f"tools.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            targets = [node.module]
        for target in targets:
            parts = target.split(".")
            if parts[0] == "tools" and len(parts) > 1 and parts[1]:
                found.setdefault(parts[1], node.lineno)
            elif parts[0] == "tools":
                found.setdefault("", node.lineno)  # `import tools` or `from .. import`: the whole harness
    return found


def test_no_module_is_left_directly_in_tools() -> None:
    loose = sorted(path.name for path in TOOLS.glob("*.py") if path.name != "__init__.py")
    assert not loose, f"modules directly in tools/ (put each in the package it serves): {loose}"


def test_every_package_says_what_it_holds_and_what_it_may_import() -> None:
    names = {package.name for package in packages()}
    assert names >= {"common", "verdicts", "report", "specs", "run", "proof", "ci"}, names
    for package in packages():
        rules = allowed(package)
        assert rules <= names, f"tools/{package.name} may import {rules - names}, which are no packages of tools"
        modules = {path.stem for path in package.glob("*.py")} - {"__init__"}
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
        unnamed = sorted(name for name in modules if f"`{name}`" not in docstring)
        assert not unnamed, f"tools/{package.name}/__init__.py does not say it holds {unnamed}"


@pytest.mark.parametrize("package", packages(), ids=lambda package: package.name)
def test_no_module_imports_a_package_its_package_may_not(package: Path) -> None:
    rules = allowed(package) | {package.name}
    wrong = []
    for module in sorted(package.rglob("*.py")):
        for target, line in imported_packages(module, package.name).items():
            if target not in rules:
                wrong.append(f"{module.relative_to(TOOLS.parent)}:{line} imports tools.{target or '(the whole)'}")
    assert not wrong, f"tools/{package.name} may import only {sorted(rules)}:\n" + "\n".join(wrong)


def test_the_rooms_stand_in_layers() -> None:
    """No cycle among the rules: a room may lean on rooms below it, never on one that leans on it."""
    graph = {package.name: allowed(package) for package in packages()}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, "the import rules go round: " + " → ".join((*path, name))
        if name not in done:
            for below in graph[name]:
                visit(below, (*path, name))
            done.add(name)

    for name in graph:
        visit(name, ())


def test_the_rule_reader_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The reader must not miss an import, lest a forbidden one pass unseen."""
    module = tmp_path / "m.py"
    module.write_text(
        "import tools.run.nightly\n"
        "from tools.report import build\n"
        "from tools import proof\n"
        "def later():\n"
        "    from tools.ci.xray import build\n"
        "from . import sibling\n"
    )
    assert set(imported_packages(module, "common")) == {"run", "report", "proof", "ci", "common"}


SEAM = {"support.clauses", "support.settings"}  # the register and the settings: all of the suite the tools import


@pytest.mark.parametrize("room", [*packages(), TOOLS.parent / "bench"], ids=lambda room: room.name)
def test_the_tools_import_nothing_of_the_suite_but_the_register_and_the_settings(room: Path) -> None:
    """The seam: the suite reaches the tools as files (results, the preflight's answer, the slots' ledger) and as
    `python -m support.<command>`, so that either side can change without the other."""
    wrong = []
    for module in sorted(room.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] if node.module != "support" else [f"support.{a.name}" for a in node.names]
            wrong += [
                f"{module.relative_to(TOOLS.parent)}: {name}" for name in names if name.split(".")[0] == "support"
            ]
    assert not [line for line in wrong if line.rsplit(": ", 1)[1] not in SEAM], "\n".join(wrong)
