"""The gRPC code generated from `pandadatastream/pandadatastream.proto`, made by the run itself where it is missing.

`make setup` generates it (`make proto`); a checkout run with Python alone (the Windows runner: `py -m pip install
-r requirements.txt`, then the run) has no make, so the runner generates it first, with the same command, when it is
missing or older than the .proto. The generated files are never committed (.gitignore).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools.common.layout import ROOT

PROTO = Path("pandadatastream") / "pandadatastream.proto"
GENERATED = (PROTO.with_name("pandadatastream_pb2.py"), PROTO.with_name("pandadatastream_pb2_grpc.py"))


class GrpcCodeFailed(RuntimeError):
    """grpc_tools could not generate the code; the message carries its last words."""


def stale(root: Path = ROOT) -> bool:
    """True when a generated file is missing or older than the .proto."""
    proto = (root / PROTO).stat().st_mtime
    return any(not (root / path).is_file() or (root / path).stat().st_mtime < proto for path in GENERATED)


def ensure(root: Path = ROOT) -> bool:
    """Generate the code where it is stale (as the Makefile's `proto` rule does); True when it did."""
    if not stale(root):
        return False
    command = [sys.executable, "-m", "grpc_tools.protoc", "-I.", "--python_out=.", "--grpc_python_out=."]
    command.append(PROTO.as_posix())
    done = subprocess.run(
        command, cwd=root, capture_output=True, text=True, encoding="utf-8", errors="replace", stdin=subprocess.DEVNULL
    )
    if done.returncode != 0 or stale(root):
        said = (done.stdout + done.stderr).strip().splitlines()
        raise GrpcCodeFailed(f"grpc_tools.protoc exited {done.returncode}: {said[-1] if said else 'no output'}")
    return True
