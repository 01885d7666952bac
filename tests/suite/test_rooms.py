"""The rooms of support/ say what they hold: one reader per wire, and no module named like one of the stand's.

Read with `ast` and from the file names, nothing imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GRPC_READER = ROOT / "support" / "grpc_stream.py"


def grpc_openings(source: str) -> list[int]:
    """The lines that open a gRPC channel (`grpc.insecure_channel`, `grpc.secure_channel`) or make a stub (`…Stub(`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in {"insecure_channel", "secure_channel"} or called.endswith("Stub"):
                found.append(node.lineno)
    return found


def test_only_the_grpc_reader_opens_a_grpc_channel() -> None:
    others = {
        path.name: lines
        for path in sorted((ROOT / "support").glob("*.py"))
        if path != GRPC_READER and (lines := grpc_openings(path.read_text(encoding="utf-8")))
    }
    assert not others, f"gRPC channels or stubs made outside support/grpc_stream.py (file: lines): {others}"
    assert grpc_openings(GRPC_READER.read_text(encoding="utf-8")), "the reading of the reader is broken"


def test_the_reading_finds_a_channel_and_a_stub() -> None:
    source = "channel = grpc.insecure_channel(address)\nstub = pb_grpc.DataStreamServiceStub(channel)\n"
    assert grpc_openings(source) == [1, 2]


def module_names(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("*.py")} - {"__init__", "__main__"}


def test_no_module_name_is_both_the_stands_and_the_suites() -> None:
    """The stand plays the Focus Server, the suite checks it: `recordings.py` or `settings.py` in both would leave a
    reader (and a traceback) to guess which side it is on."""
    shared = sorted(module_names(ROOT / "stand") & module_names(ROOT / "support"))
    assert not shared, f"modules named alike in stand/ and support/ (rename one side): {shared}"
    assert module_names(ROOT / "stand") and module_names(ROOT / "support"), "the reading of the folders is broken"
