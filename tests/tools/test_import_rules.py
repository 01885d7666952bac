"""The rooms of tools/: every module lives in a package whose docstring says what it holds and which other tools
packages it may import (a line `May import: tools.a, tools.b.` or `May import: nothing of tools.`); no module imports
one it may not, and the rooms stand in layers (no two of them import each other, directly or around). The seam: of
the suite, tools/ and bench/ import support.clauses and support.settings, nothing else.

Read with `ast`, nothing imported: a lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
RULE = re.compile(r"^May import: (.+?)\.?$", re.M)
SEAM = {"support.clauses", "support.settings"}  # the register and the settings: all of the suite the tools import
PACKAGES = sorted(path.parent for path in TOOLS.glob("*/__init__.py"))


def allowed(package: Path) -> set[str]:
    """The tools packages the package's docstring lets its modules import, by their names (`common`, `run` …)."""
    rule = RULE.search(ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or "")
    assert rule, f"tools/{package.name}/__init__.py: its docstring has no line 'May import: …'"
    names = set() if rule[1].strip() == "nothing of tools" else {name.strip() for name in rule[1].split(",")}
    assert all(name.startswith("tools.") for name in names), f"tools/{package.name}: {rule[0]!r}"
    return {name.removeprefix("tools.") for name in names}


def imported(module: Path, package: str) -> dict[str, int]:
    """Every module a module imports (`tools.x…` by its package, `tools.x`; relative ones as tools.<its package> or
    the module named), each with the line of its first import."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"), filename=str(module))):
        targets = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom):
            base = f"tools.{package}" if node.level == 1 else ("tools." + (node.module or "") if node.level else "")
            module_name = base or node.module or ""
            # `from tools import proof`, `from support import errors`: the modules named are imported.
            parents = ("tools", "support") if node.level == 0 else ()
            targets = [f"{module_name}.{a.name}" for a in node.names] if module_name in parents else [module_name]
        for target in targets:
            found.setdefault(target, node.lineno)
    return found


def test_every_package_says_what_it_holds_and_what_it_may_import() -> None:
    assert not [p.name for p in TOOLS.glob("*.py") if p.name != "__init__.py"], "a module directly in tools/"
    names = {package.name for package in PACKAGES}
    assert names >= {"common", "verdicts", "report", "specs", "run", "proof", "ci"}, names
    for package in PACKAGES:
        assert allowed(package) <= names, f"tools/{package.name} may import packages tools does not have"
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
        unnamed = sorted(
            p.stem for p in package.glob("*.py") if p.stem != "__init__" and f"`{p.stem}`" not in docstring
        )
        assert not unnamed, f"tools/{package.name}/__init__.py does not say it holds {unnamed}"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.name)
def test_no_module_imports_a_package_its_package_may_not(package: Path) -> None:
    rules = allowed(package) | {package.name}
    wrong = [
        f"{module.relative_to(TOOLS.parent)}:{line} imports {target}"
        for module in sorted(package.rglob("*.py"))
        for target, line in imported(module, package.name).items()
        if target.split(".")[0] == "tools" and target.partition(".")[2].split(".")[0] not in rules
    ]
    assert not wrong, f"tools/{package.name} may import only {sorted(rules)}:\n" + "\n".join(wrong)


def test_the_rooms_stand_in_layers() -> None:
    """No cycle among the rules: a room may lean on rooms below it, never on one that leans on it."""
    graph = {package.name: allowed(package) for package in PACKAGES}

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, "the import rules go round: " + " → ".join((*path, name))
        for below in graph[name]:
            visit(below, (*path, name))

    for name in graph:
        visit(name, ())


def test_the_reader_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The reader must not miss an import, lest a forbidden one pass unseen."""
    module = tmp_path / "m.py"
    module.write_text(
        "import tools.run.nightly\nfrom tools.report import build\nfrom tools import proof\nimport support\n"
        "def later():\n    from tools.ci.xray import build\n    from support import errors, clauses\n"
        "from . import sibling\nfrom support.settings import Settings\n"
    )
    found = set(imported(module, "common"))
    assert found == {"tools.run.nightly", "tools.report", "tools.proof", "tools.ci.xray", "tools.common", "support"} | {
        "support.errors",
        "support.clauses",
        "support.settings",
    }


@pytest.mark.parametrize("room", [*PACKAGES, TOOLS.parent / "bench"], ids=lambda room: room.name)
def test_the_tools_import_of_the_suite_exactly_the_register_and_the_settings(room: Path) -> None:
    """The seam: the suite reaches the tools as files (results, the preflight's answer, the slots' ledger) and as
    `python -m support.<command>`, so that either side can change without the other."""
    wrong = [
        f"{module.relative_to(TOOLS.parent)}:{line}: {target}"
        for module in sorted(room.rglob("*.py"))
        for target, line in imported(module, room.name).items()
        if target.split(".")[0] == "support" and ".".join(target.split(".")[:2]) not in SEAM
    ]
    assert not wrong, "tools import of the suite only support.clauses and support.settings:\n" + "\n".join(wrong)
