"""The run path works on Windows (issue 24): no call that one platform lacks unless it is guarded (inside an `if` or
conditional expression asking `sys.platform`, `os.name`, `hasattr(...)` or the start methods, or a `try` catching
ImportError or AttributeError), and every text file or stream with its encoding said, never the locale's (cp1252 on
the QA team's runner). The run path: support/, steps/, environment.py and the tools/ packages a run imports (a test
below keeps the list whole); the encodings are asked of all of tools/ and bench/, which build "on any machine".
Read with `ast`, nothing imported.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_PATH = [ROOT / p for p in ("support", "steps", "environment.py", "tools/run", "tools/common", "tools/verdicts")]
RUN_PATH.append(ROOT / "tools/report")  # imported to build the report, not to run: the report is built "anywhere"
TEXT_FILES_TOO = [ROOT / "tools", ROOT / "bench"]  # every text file its encoding, on any platform

# What one platform has and the other lacks (the POSIX ones first), by module.
ONE_PLATFORM_ONLY: dict[str, set[str]] = {
    "os": {
        "setsid", "killpg", "getpgid", "setpgid", "setpgrp", "fork", "forkpty", "getuid", "geteuid", "getgid",
        "getegid", "setuid", "setgid", "chown", "lchown", "fchown", "mkfifo", "mknod", "uname", "sysconf", "nice",
        "wait3", "wait4", "WNOHANG", "getloadavg", "sched_getaffinity", "pipe2", "getpgrp",
        "startfile",
    },
    "signal": {
        "SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGALRM", "SIGPIPE", "SIGSTOP", "SIGCONT",
        "SIGTSTP", "alarm", "setitimer", "getitimer", "pause", "pthread_kill", "pthread_sigmask", "siginterrupt",
        "CTRL_C_EVENT", "CTRL_BREAK_EVENT", "SIGBREAK",
    },
    "subprocess": {"CREATE_NEW_PROCESS_GROUP", "CREATE_NO_WINDOW", "STARTUPINFO", "DETACHED_PROCESS"},
}  # fmt: skip
ONE_PLATFORM_MODULES = {"fcntl", "termios", "pwd", "grp", "resource", "pty", "tty", "posix", "msvcrt", "winreg"}
ONE_PLATFORM_KEYWORDS = {"start_new_session", "preexec_fn", "process_group", "pass_fds", "restore_signals"}
ONE_PLATFORM_START_METHODS = {"fork", "forkserver"}
PLATFORM_TESTS = ("sys.platform", "os.name", "hasattr(", "get_all_start_methods")
GUARDING_ERRORS = {"ImportError", "ModuleNotFoundError", "AttributeError"}
TEXT_CALLS = {"read_text", "write_text"}
SUBPROCESS_CALLS = {"run", "Popen", "check_output", "check_call", "call"}


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    child, parent = node, parents.get(node)
    while parent is not None:
        asks = isinstance(parent, ast.If | ast.IfExp) and child is not parent.test
        if asks and any(word in ast.unparse(parent.test) for word in PLATFORM_TESTS):  # type: ignore[attr-defined]
            return True
        if isinstance(parent, ast.Try) and child in parent.body:
            caught = {ast.unparse(handler.type) for handler in parent.handlers if handler.type is not None}
            if any(error in text for text in caught for error in GUARDING_ERRORS):
                return True
        child, parent = parent, parents.get(parent)
    return False


def _one_platform(node: ast.AST) -> str | None:
    """What in `node` one platform lacks, or None."""
    owner = node.value.id if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) else ""
    if owner and node.attr in ONE_PLATFORM_ONLY.get(owner, set()):  # type: ignore[attr-defined]
        return f"{owner}.{node.attr}"  # type: ignore[attr-defined]
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        lacking = [name for name in names if name.split(".")[0] in ONE_PLATFORM_MODULES]
        return f"import {lacking[0]}" if lacking else None
    if isinstance(node, ast.keyword) and node.arg in ONE_PLATFORM_KEYWORDS:
        return f"{node.arg}="
    starts = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args
    if starts and node.func.attr in ("get_context", "set_start_method"):  # type: ignore[union-attr]
        method = node.args[0]  # type: ignore[union-attr]
        if isinstance(method, ast.Constant) and method.value in ONE_PLATFORM_START_METHODS:
            return f"the {method.value} start method"
    return None


def _keywords(call: ast.Call) -> dict[str, ast.AST]:
    return {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}


def _mode(call: ast.Call, position: int) -> str | None:
    given = _keywords(call).get("mode") or (call.args[position] if len(call.args) > position else None)
    return given.value if isinstance(given, ast.Constant) and isinstance(given.value, str) else None


def _text_without_encoding(call: ast.Call) -> str | None:
    """The text file or stream a call opens without saying its encoding, or None."""
    keywords = _keywords(call)
    if "encoding" in keywords:
        return None
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name in TEXT_CALLS:
        return f".{name}() without encoding="
    if isinstance(func, ast.Name) and name == "open" and "b" not in (_mode(call, 1) or "r"):
        return "open() without encoding="
    mode = (
        _mode(call, 0)
        if isinstance(func, ast.Attribute) and name == "open" and ast.unparse(func) != "os.open"
        else None
    )
    if mode is not None and "b" not in mode:  # Path.open("w"); a `.open()` of no mode may be any object's
        return f".open({mode!r}) without encoding="
    flags = [keywords.get(flag) for flag in ("text", "universal_newlines")]
    if name in SUBPROCESS_CALLS and any(isinstance(f, ast.Constant) and f.value is True for f in flags):
        return f"{name}(text=True) without encoding="
    return None


def findings(source: str, path: str, platform: bool = True) -> list[str]:
    """What the module lacks: a guard around a one-platform call (unless `platform` is False) and text encodings."""
    tree = ast.parse(source, filename=path)
    parents = _parents(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        lacking = _one_platform(node) if platform else None
        if lacking is not None and not _guarded(node, parents):
            found.append(f"{path}:{getattr(node, 'lineno', 0) or parents[node].lineno}: unguarded {lacking}")
        if isinstance(node, ast.Call) and (text := _text_without_encoding(node)) is not None:
            found.append(f"{path}:{node.lineno}: {text}")
    return found


def _scan(roots: list[Path], platform: bool) -> list[str]:
    paths = [p for root in roots for p in ([root] if root.is_file() else sorted(root.rglob("*.py")))]
    assert paths and all(root.exists() for root in roots), "the scan sees nothing: the run path moved?"
    return [
        f for path in paths for f in findings(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), platform)
    ]


def test_the_run_path_has_no_unguarded_platform_call_and_no_text_without_its_encoding() -> None:
    found = _scan(RUN_PATH, platform=True)
    assert not found, "\n".join(found)


def test_every_text_file_of_the_tools_says_its_encoding() -> None:
    found = _scan(TEXT_FILES_TOO, platform=False)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import os\nos.setsid()\n", "unguarded os.setsid"),
        ("import os\nos.killpg(1, 2)\n", "unguarded os.killpg"),
        ("import signal\nsignal.SIGKILL\n", "unguarded signal.SIGKILL"),
        ("import signal\np.send_signal(signal.CTRL_BREAK_EVENT)\n", "unguarded signal.CTRL_BREAK_EVENT"),
        ("import multiprocessing as m\nm.get_context('forkserver')\n", "unguarded the forkserver start method"),
        ("import subprocess\nsubprocess.Popen(['x'], start_new_session=True)\n", "unguarded start_new_session="),
        ("import fcntl\n", "unguarded import fcntl"),
        ("import os\nif os.environ.get('X'):\n    os.setsid()\n", "unguarded os.setsid"),  # asks no platform
        ("from pathlib import Path\nPath('f').read_text()\n", ".read_text() without encoding="),
        ("open('f', 'w')\n", "open() without encoding="),
        ("from pathlib import Path\nPath('f').open('a')\n", ".open('a') without encoding="),
        ("import subprocess\nsubprocess.run(['git'], text=True)\n", "run(text=True) without encoding="),
        ("import os\nif hasattr(os, 'setsid'):\n    os.setsid()\n", None),
        ("import os, sys\nif sys.platform == 'win32':\n    pass\nelse:\n    os.killpg(1, 9)\n", None),
        ("import os\nkw = {'start_new_session': True} if os.name == 'posix' else {}\n", None),
        ("try:\n    import fcntl\nexcept ImportError:\n    fcntl = None\n", None),
        ("import multiprocessing as m\nif 'fork' in m.get_all_start_methods():\n    m.get_context('fork')\n", None),
        ("from pathlib import Path\nPath('f').read_text(encoding='utf-8')\n", None),
        ("open('f', 'rb')\n", None),
        ("from pathlib import Path\nPath('f').open('wb')\n", None),
        ("import os\nos.open('f', os.O_WRONLY)\n", None),
        ("import subprocess\nsubprocess.run(['git'], text=True, encoding='utf-8')\n", None),
    ],
)  # fmt: skip
def test_the_scan_catches_each_kind_and_lets_a_guarded_call_pass(source: str, caught: str | None) -> None:
    assert [f.split(": ", 1)[1] for f in findings(source, "m.py")] == ([caught] if caught else [])


PROBE = (
    "import importlib, sys, tools.run.nightly, tools.run.behave_runs as runs\n"
    "for name in runs.warm_modules():\n    importlib.import_module(name)\n"
)


def test_a_run_against_a_deployment_never_imports_the_stands_client() -> None:
    """stand/control.py is Linux only, like the stand: the runner and every module a behave process warms up leave it
    out."""
    probe = PROBE + "print('stand.control' in sys.modules)\n"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert done.stdout.strip() == "False", done.stdout + done.stderr


def test_the_scan_covers_every_tools_package_the_run_imports() -> None:
    """The run path's list above is what a run imports: a tools/ package the run comes to import joins the scan."""
    probe = PROBE + "print(' '.join(sorted({m.split('.')[1] for m in sys.modules if m.startswith('tools.')})))\n"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    imported = set(done.stdout.split())
    assert imported, done.stderr
    scanned = {root.name for root in RUN_PATH if root.parent.name == "tools"}
    assert imported <= scanned, f"imported by the run, not scanned: {sorted(imported - scanned)}"
