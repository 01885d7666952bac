"""One lane of the report's timeline per behave process.

The Allure 3 app (plugin-awesome 3.18) draws a lane per (host, thread) label pair, but ids the lane with a short
hash of the pair whose 21 characters all follow from the hash modulo 64: only 64 lane ids exist, so 12 processes
share one lane now and then ("main 6215" and "slow 6206" did, and main seemed to run for 3 minutes). Before the
report is generated, a thread label whose lane id is taken by another process gets a suffix (`slow 6206·2`) that
gives it a free one. `lane_id` is the app's function, in Python.
"""

from __future__ import annotations

import json
from pathlib import Path

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz-"


def _imul(a: int, b: int) -> int:
    product = (a * b) & 0xFFFFFFFF
    return product - 0x100000000 if product & 0x80000000 else product


def _utf16_first_units(text: str) -> list[int]:
    """`Array.from(text)` then `charCodeAt(0)` of each: a code point, or the high surrogate of one above U+FFFF."""
    units = []
    for char in text:
        code = ord(char)
        units.append(code if code < 0x10000 else 0xD800 + ((code - 0x10000) >> 10))
    return units


def _hash(first: str, second: str) -> str:
    """The app's id of `first` under `second` (its `e2`)."""
    n = 5381
    for unit in _utf16_first_units(f"{first}:{second}"):
        n = _imul(n, 33) + unit
    o = abs(n)
    out = []
    for _ in range(21):
        o = (1664525 * o + 1013904223) % 4294967296
        out.append(_ALPHABET[o % 64])
    return "".join(out)


def lane_id(host: str, thread: str) -> str:
    """The id of the timeline lane the app gives a result with these labels (the host's box is keyed by the host)."""
    return _hash(thread, _hash(host, host))


def _labels(result: dict) -> tuple[str | None, str | None]:
    found = {label.get("name"): label.get("value") for label in result.get("labels", [])}
    return found.get("host"), found.get("thread")


def distinct_lanes(results: Path) -> dict[tuple[str, str], str]:
    """Rename, in the result files, each thread whose lane another process of the same host already has; processes
    keep their lanes in the order they started. Returns {(host, old thread): new thread} for those renamed."""
    files = sorted(results.glob("*-result.json"))
    loaded = [(path, json.loads(path.read_text(encoding="utf-8"))) for path in files]
    starts: dict[tuple[str, str], int] = {}
    counts: dict[tuple[str, str], int] = {}
    for _, result in loaded:
        host, thread = _labels(result)
        if host and thread:
            key = (host, thread)
            starts[key] = min(starts.get(key, result.get("start") or 0), result.get("start") or 0)
            counts[key] = counts.get(key, 0) + 1
    taken: dict[str, set[str]] = {}
    renamed: dict[tuple[str, str], str] = {}
    # The busiest process (`main`) keeps its name; then by start.
    for host, thread in sorted(starts, key=lambda key: (-counts[key], starts[key], key)):
        used = taken.setdefault(host, set())
        name, number = thread, 1
        while lane_id(host, name) in used:
            number += 1
            name = f"{thread}·{number}"  # short: the app cuts a lane's name after a dozen characters
        used.add(lane_id(host, name))
        if name != thread:
            renamed[(host, thread)] = name
    if renamed:
        for path, result in loaded:
            host, thread = _labels(result)
            if (host, thread) in renamed:
                for label in result["labels"]:
                    if label.get("name") == "thread":
                        label["value"] = renamed[(host, thread)]
                path.write_text(json.dumps(result), encoding="utf-8")
    return renamed
