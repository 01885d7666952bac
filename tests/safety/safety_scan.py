"""Look for a secret in every file of a folder, in every form it may take: as it is, percent-encoded (in a URL),
inside an `Authorization: Basic` value, and inside base64 blobs (Allure's single-file report embeds every data
file and attachment as base64, so a plain search of it would find nothing even if a password were there)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

_BLOB = re.compile(rb"[A-Za-z0-9+/]{24,}={0,2}")
_DEPTH = 3  # base64 inside base64 inside base64: an attachment inside a page inside the single-file report


def forms(user: str, password: str) -> set[str]:
    """Every form of a password worth looking for."""
    found = {password, quote(password, safe="")}
    found.add(base64.b64encode(f"{user}:{password}".encode()).decode())
    return found


def _decoded(blob: bytes) -> bytes | None:
    padded = blob + b"=" * (-len(blob) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _leaks(content: bytes, needles: list[bytes], depth: int) -> list[str]:
    found = [needle.decode() for needle in needles if needle in content]
    if depth <= 0:
        return found
    for blob in _BLOB.findall(content):
        inner = _decoded(blob)
        if inner:
            found += [f"{leak} (base64-encoded)" for leak in _leaks(inner, needles, depth - 1)]
    return found


def scan(paths: Iterable[Path], secrets: Iterable[str]) -> dict[str, list[str]]:
    """{file: [secret forms found in it]} for every file under `paths` (files or folders) that holds one."""
    needles = sorted({secret.encode() for secret in secrets if secret}, key=len, reverse=True)
    leaks: dict[str, list[str]] = {}
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            found = _leaks(file.read_bytes(), needles, _DEPTH)
            if found:
                leaks[str(file)] = sorted(set(found))
    return leaks


def count_files(paths: Iterable[Path]) -> int:
    return sum(1 if path.is_file() else sum(1 for p in path.rglob("*") if p.is_file()) for path in paths)
