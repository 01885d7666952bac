"""The house, kept so: the seam between the suite, the stand and the tools; thin steps; pure judges named `check_*`;
settings read at the entry points only; no circle of imports; no function over 80 lines, no module over 600.

Read with `ast`, nothing imported (a lazy import counts). Each rule returns what breaks it in a tree: nothing in the
house, and what a small tree made to break it breaks, so that no rule passes by reading nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("support", "steps", "stand", "tools", "bench", "pandadatastream")
GENERATED = ("_pb2.py", "_pb2_grpc.py")  # protoc's output (make proto), never committed
STEP_DECORATORS = {"given", "when", "then", "step"}
MAX_STEP_STATEMENTS = 2
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 600


def modules(root: Path) -> dict[str, Path]:
    """Dotted name → file, for every module of the house outside tests/."""
    found = {"environment": root / "environment.py"} if (root / "environment.py").is_file() else {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if not path.name.endswith(GENERATED):
                parts = path.relative_to(root).with_suffix("").parts
                found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _type_only(tree: ast.Module) -> set[int]:
    """The ids of the imports under `if TYPE_CHECKING:`: names for the type checker, no tie at run time."""
    return {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }


def imported(module: str, path: Path, *, typing_too: bool = True) -> Iterator[str]:
    """Every dotted name an import of the module reaches, relative imports resolved: `from a.b import c` gives `a.b`
    and `a.b.c`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = _tree(path)
    skipped = set() if typing_too else _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


# -- the seam -------------------------------------------------------------------------------------------------------

TOOLS_MAY_IMPORT = ("support.clauses", "support.settings")


def _reaches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _seam(root: Path, rooms: tuple[str, ...]) -> list[str]:
    found = []
    for module, path in modules(root).items():
        room = module.split(".")[0]
        if room not in rooms:
            continue
        for name in set(imported(module, path)):
            if room == "tools":
                wrong = _reaches(name, "support") and name != "support"
                wrong = wrong and not any(_reaches(name, allowed) for allowed in TOOLS_MAY_IMPORT)
            elif room == "stand":
                wrong = any(_reaches(name, other) for other in ("support", "tools"))
            else:
                wrong = any(_reaches(name, other) for other in ("tools", "stand"))
            if wrong:
                found.append(f"{path.relative_to(root).as_posix()} imports {name}")
    return sorted(found)


def suite_seam_breaks(root: Path) -> list[str]:
    """The suite (support/, steps/, environment.py) imports nothing of tools/ or stand/ (it runs `python -m stand`,
    never imports it); stand/ imports nothing of support/ or tools/."""
    return _seam(root, ("support", "steps", "environment", "stand"))


def tools_seam_breaks(root: Path) -> list[str]:
    """tools/ imports of support/ only the register (support.clauses) and the settings (support.settings)."""
    return _seam(root, ("tools",))


def _step_functions(root: Path) -> Iterator[tuple[str, ast.FunctionDef]]:
    for path in sorted((root / "steps").glob("*.py")):
        for node in _tree(path).body:
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "id", None) in STEP_DECORATORS for d in node.decorator_list
            ):
                yield path.name, node


def step_breaks(root: Path) -> list[str]:
    """Each step's body is at most two statements (a docstring aside), and no step reads the context by `getattr`
    (a fallback for state another step may not have set: the World holds it, typed)."""
    found = []
    for file, step in _step_functions(root):
        body = step.body[1:] if ast.get_docstring(step) is not None else step.body
        if len(body) > MAX_STEP_STATEMENTS:
            found.append(f"{file}:{step.name} has {len(body)} statements")
        for node in ast.walk(step):
            called = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr"
            if called and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "context":
                found.append(f"{file}:{step.name} reads getattr(context, ...)")
    return found


def clause_modules(root: Path) -> list[Path]:
    """support/<name>.py for each steps/<name>_steps.py: the module a clause's steps hand over to."""
    named = (root / "support" / (path.stem.removesuffix("_steps") + ".py") for path in (root / "steps").glob("*.py"))
    return sorted(path for path in named if path.is_file())


def judge_breaks(root: Path) -> list[str]:
    """In a clause module, a public function that asserts is a judge: named `check_*`, given readings, never the World
    (so that it is pure: a unit test calls it with readings made by hand), and never raising PreconditionNotMet."""
    found = []
    for path in clause_modules(root):
        for node in _tree(path).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            asserts = any(isinstance(inner, ast.Assert) for inner in ast.walk(node))
            if asserts and not node.name.startswith("check_"):
                found.append(f"{path.name}:{node.name} asserts but is not named check_*")
            if node.name.startswith("check_") and any(arg.arg == "world" for arg in node.args.args):
                found.append(f"{path.name}:{node.name} judges the World, not a reading")
            if node.name.startswith("check_") and "raise PreconditionNotMet" in ast.unparse(node):
                found.append(f"{path.name}:{node.name} says set-up failed: a judge judges the product")
    return found


def settings_breaks(root: Path) -> list[str]:
    """support/ never calls get_settings(): settings come in from environment.py (or a command's `main`)."""
    found = []
    for path in sorted((root / "support").glob("*.py")):
        tree = _tree(path)
        entry = {id(inner) for node in tree.body if _is_entry(node) for inner in ast.walk(node)}
        for node in ast.walk(tree):
            called = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "get_settings"
            if called and id(node) not in entry:
                found.append(f"{path.name}:{node.lineno} calls get_settings()")
    return found


def _is_entry(node: ast.stmt) -> bool:
    """`def main(...)` or `if __name__ == "__main__":`, a command's entry point."""
    if isinstance(node, ast.FunctionDef):
        return node.name == "main"
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def circles(root: Path) -> list[list[str]]:
    """Modules that import each other at run time, directly or through others (the first circle graphlib meets); a
    type-only import under TYPE_CHECKING ties nothing."""
    known = modules(root)

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph = {
        module: {t for t in map(resolve, imported(module, path, typing_too=False)) if t and t != module}
        for module, path in known.items()
    }
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        return [sorted(set(error.args[1]))]
    return []


def long_code(root: Path) -> list[str]:
    found = []
    for path in modules(root).values():
        relative, source = path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")
        if len(source.splitlines()) > MAX_MODULE_LINES:
            found.append(f"{relative}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            lines = (node.end_lineno or 0) - node.lineno + 1 if isinstance(node, ast.FunctionDef) else 0
            if lines > MAX_FUNCTION_LINES:
                found.append(f"{relative}:{node.name}: {lines} lines")
    return found


RULES = [suite_seam_breaks, tools_seam_breaks, step_breaks, judge_breaks, settings_breaks, circles, long_code]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_the_house_keeps_the_rule(rule) -> None:
    assert {"support", "steps", "tools", "stand"} <= {name.split(".")[0] for name in modules(ROOT)}
    found = rule(ROOT)
    assert not found, (rule.__doc__ or rule.__name__).splitlines()[0] + "\n" + "\n".join(map(str, found))


STEP = "from behave import given, step\n\n\n@{kind}('{text}')\ndef {name}(context):\n{body}\n"
BROKEN = {
    "tools/report.py": "from support.world import World\nfrom support.clauses import CLAUSES\n",
    "tools/run.py": "def later():\n    from support import evidence\n",
    "stand/server.py": "import support.settings\nfrom tools.run import later\n",
    "support/__init__.py": "",
    "support/a.py": "def later():\n    from support import b\n",
    "support/b.py": "from .c import thing\n",
    "support/c.py": "import support.a\nfrom stand.control import Stand\n",
    "support/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from support.e import x\n",
    "support/e.py": "import support.d\n",
    "support/long.py": "def long():\n" + "    x = 1\n" * 80,
    "support/topology.py": "def judge_it(reading):\n    assert reading\n\n\ndef check_it(world):\n    assert world\n\n"
    "def _helper(reading):\n    assert reading\n\n\ndef settings():\n    return get_settings()\n\n\n"
    "def main():\n    return get_settings()\n\n\ndef check_set_up(reading):\n    raise PreconditionNotMet('no')\n",
    "steps/topology_steps.py": STEP.format(kind="given", text="a", name="thick", body="    a = 1\n    b = 2\n    c = 3")
    + STEP.format(kind="step", text="b", name="fallback", body="    return getattr(context, 'x', None)"),
    "environment.py": "from tools.run import later\n",
}
EXPECTED = {
    suite_seam_breaks: [
        "environment.py imports tools.run",
        "environment.py imports tools.run.later",
        "stand/server.py imports support.settings",
        "stand/server.py imports tools.run",
        "stand/server.py imports tools.run.later",
        "support/c.py imports stand.control",
        "support/c.py imports stand.control.Stand",
    ],
    tools_seam_breaks: [
        "tools/report.py imports support.world",
        "tools/report.py imports support.world.World",
        "tools/run.py imports support.evidence",
    ],
    step_breaks: ["topology_steps.py:thick has 3 statements", "topology_steps.py:fallback reads getattr(context, ...)"],
    judge_breaks: [
        "topology.py:judge_it asserts but is not named check_*",
        "topology.py:check_it judges the World, not a reading",
        "topology.py:check_set_up says set-up failed: a judge judges the product",
    ],
    settings_breaks: ["topology.py:13 calls get_settings()"],
    circles: [["support.a", "support.b", "support.c"]],
    long_code: ["support/long.py:long: 81 lines"],
}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_the_rule_sees_a_tree_that_breaks_it(rule, tmp_path: Path) -> None:
    for name, text in BROKEN.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert rule(tmp_path) == EXPECTED[rule]
