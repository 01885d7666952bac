"""Every duration of the suite and of the stand lives in one settings object on each side (issue 18).

support/times.py (`Times`, the waits and the fixed paces) and support/settings.py hold the suite's, stand/timing.py
(`StandTiming`) and stand/options.py the stand's; a time literal anywhere else in support/, steps/, environment.py
or stand/ fails here, with where it is. A time literal is a number (or a product of numbers and CONSTANTS) given to
a name, parameter or keyword that says it is a duration (`…_s`, `…_ms`, `timeout`, `interval`, `delay`, `period`,
`ttl`), or to `sleep`, `wait`, `join`, `result`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [ROOT / "support", ROOT / "steps", ROOT / "stand", ROOT / "environment.py"]
SETTINGS = {
    ROOT / "support" / "settings.py",
    ROOT / "support" / "times.py",  # the time context: every wait with its reason, the shares of the limit
    ROOT / "stand" / "options.py",
    ROOT / "stand" / "timing.py",
}
DURATION = re.compile(r"(_s|_ms|timeout|interval|delay|seconds|period|ttl)$", re.IGNORECASE)
WAITING_CALLS = {"sleep", "wait", "join", "result"}


def _number(node: ast.AST) -> bool:
    """A literal number other than 0, or arithmetic of literal numbers and CONSTANT names (`15 * MINUTE_S`)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float) and not isinstance(node.value, bool) and node.value != 0
    if isinstance(node, ast.UnaryOp):
        return _number(node.operand)
    if isinstance(node, ast.BinOp):
        sides = (node.left, node.right)
        constant = [isinstance(side, ast.Name) and side.id.isupper() for side in sides]
        return any(_number(side) for side in sides) and all(
            _number(s) or c for s, c in zip(sides, constant, strict=True)
        )
    return False


def _a_duration(name: str) -> bool:
    return bool(DURATION.search(name)) and "per_s" not in name.lower()  # a rate (rows per second) is no duration


def time_literals(source: str) -> list[tuple[int, str]]:
    """(line, name) of every time literal in a module's source."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
                if name and _a_duration(name) and node.value is not None and _number(node.value):
                    found.append((node.lineno, name))
        elif isinstance(node, ast.keyword) and node.arg and _a_duration(node.arg) and _number(node.value):
            found.append((node.value.lineno, node.arg))
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in WAITING_CALLS and node.args and _number(node.args[0]):
                found.append((node.lineno, called))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            positional = node.args.posonlyargs + node.args.args
            defaults = zip(positional[len(positional) - len(node.args.defaults) :], node.args.defaults, strict=True)
            keyword = zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)
            for arg, default in [*defaults, *keyword]:
                if default is not None and _a_duration(arg.arg) and _number(default):
                    found.append((default.lineno, arg.arg))
    return sorted(found)


def _modules() -> list[Path]:
    return sorted(
        p for root in SCANNED for p in ([root] if root.is_file() else root.rglob("*.py")) if p not in SETTINGS
    )


def test_no_time_literal_outside_the_settings() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in _modules()
        for line, name in time_literals(path.read_text())
    ]
    where = "support/settings.py, support/times.py, stand/options.py and stand/timing.py"
    assert not offenders, f"time literals outside {where}:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        "WAIT_S = 5.0",
        "LIMIT_MS = 2 * 1000",
        "def f(timeout_s: float = 10.0): ...",
        "def f(*, interval_s=0.5): ...",
        "wait_for(probe, reason='x', timeout_s=15)",
        "time.sleep(0.2)",
        "event.wait(1)",
        "thread.join(timeout=5)",
        "length_s = 15 * MINUTE_S",
        "class A:\n    tick_s = 0.1",
    ],
)
def test_a_new_time_literal_is_caught(source: str) -> None:
    assert time_literals(source), f"not caught: {source!r}"


def test_shares_of_the_limit_scale_with_it() -> None:
    from stand.timing import StandTiming
    from support.settings import Settings
    from support.times import Times

    real, short = Times.of(Settings(stream_limit_s=180)), Times.of(Settings(stream_limit_s=20, profile="nightly"))
    assert (real.tolerance_s, real.scaled(10), real.scaled(60), real.deadline_s) == (3, 10, 60, 210)
    assert short.listen_s == pytest.approx(60 / 9) and short.scaled(60) == pytest.approx(60 / 9)
    assert short.tolerance_s == 1.0  # never below what the machine resolves
    assert StandTiming(180).job_unconnected_ttl_s == 50 and StandTiming(20).job_unconnected_ttl_s == pytest.approx(
        50 / 9
    )
    # the stand's unread job ends before the suite's "gone within 60 s" (scaled) runs out, at any limit
    for limit in (20, 60, 180):
        assert StandTiming(limit).job_unconnected_ttl_s < Times.of(Settings(stream_limit_s=limit)).scaled(60)
