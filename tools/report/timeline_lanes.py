"""One lane of the report's timeline per behave process. The Allure 3.18 app draws a lane per (host, thread) label
pair, but its lane id has 64 values only (21 characters from one number modulo 64): "main 6215" and "slow 6206" shared
one (main seemed to run for 3 minutes). A thread whose lane id another process of its host has gets a suffix
(`slow 6206·2`) that gives it a free one. `lane_id` is the app's function.
"""

from __future__ import annotations

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz-"


def _hash(first: str, second: str) -> str:
    """The app's id of `first` under `second`: a djb2 (Math.imul, 32-bit) over each character's first UTF-16 unit,
    then an LCG drawing 21 characters."""
    n = 5381
    for char in f"{first}:{second}":
        unit = ord(char) if ord(char) < 0x10000 else 0xD800 + ((ord(char) - 0x10000) >> 10)
        n = ((n * 33 + 0x80000000) & 0xFFFFFFFF) - 0x80000000 + unit
    out, o = "", abs(n)
    for _ in range(21):
        o = (1664525 * o + 1013904223) % 4294967296
        out += _ALPHABET[o % 64]
    return out


def lane_id(host: str, thread: str) -> str:
    """The id of the timeline lane the app gives a result with these labels."""
    return _hash(thread, _hash(host, host))


def distinct_lanes(results: list[dict]) -> dict[tuple[str, str], str]:
    """Rename, in these results, each thread whose lane another process of its host has (the busiest keeps its name,
    then by start). Returns {(host, old thread): new thread} of those renamed."""
    pairs = []  # (the host label, the thread label, the result's start)
    for result in results:
        found = {x.get("name"): x for x in result.get("labels", [])}
        if {"host", "thread"} <= found.keys():
            pairs.append((found["host"], found["thread"], result.get("start") or 0))
    seen: dict[tuple[str, str], list[int]] = {}
    for host, thread, start in pairs:
        seen.setdefault((host["value"], thread["value"]), []).append(start)
    taken: set[tuple[str, str]] = set()
    renamed = {}
    for host, thread in sorted(seen, key=lambda key: (-len(seen[key]), min(seen[key]), key)):
        name, number = thread, 1
        while (host, lane_id(host, name)) in taken:
            number += 1
            name = f"{thread}·{number}"  # short: the app cuts a lane's name after a dozen characters
        taken.add((host, lane_id(host, name)))
        renamed |= {(host, thread): name} if name != thread else {}
    for host, thread, _ in pairs:
        thread["value"] = renamed.get((host["value"], thread["value"]), thread["value"])
    return renamed
