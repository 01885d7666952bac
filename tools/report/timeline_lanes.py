"""One lane of the report's timeline per behave process.

The Allure 3.18 app draws a lane per (host, thread) label pair, but ids a lane by a hash whose 21 characters all follow
from one number modulo 64: only 64 lane ids exist, and two processes shared one now and then ("main 6215" and
"slow 6206": main seemed to run for 3 minutes). Before the report is generated, a thread whose lane id another
process of its host has gets a suffix (`slow 6206·2`) that gives it a free one. `lane_id` is the app's function.
"""

from __future__ import annotations

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz-"


def _hash(first: str, second: str) -> str:
    """The app's id of `first` under `second`: a djb2 over the first UTF-16 unit of each character (32-bit), then an
    LCG drawing 21 characters."""
    n = 5381
    for char in f"{first}:{second}":
        unit = ord(char) if ord(char) < 0x10000 else 0xD800 + ((ord(char) - 0x10000) >> 10)
        product = (n * 33) & 0xFFFFFFFF
        n = (product - (1 << 32) if product & 0x80000000 else product) + unit  # Math.imul(n, 33) + unit
    out, o = [], abs(n)
    for _ in range(21):
        o = (1664525 * o + 1013904223) % 4294967296
        out.append(_ALPHABET[o % 64])
    return "".join(out)


def lane_id(host: str, thread: str) -> str:
    """The id of the timeline lane the app gives a result with these labels."""
    return _hash(thread, _hash(host, host))


def distinct_lanes(results: list[dict]) -> dict[tuple[str, str], str]:
    """Rename, in these results, each thread whose lane another process of its host has (the busiest keeps its name,
    then by start). Returns {(host, old thread): new thread} of those renamed."""
    labels = [
        {x.get("name"): x for x in result.get("labels", []) if x.get("name") in ("host", "thread")}
        for result in results
    ]
    seen: dict[tuple[str, str], list[int]] = {}
    for result, found in zip(results, labels, strict=True):
        if len(found) == 2:
            seen.setdefault((found["host"]["value"], found["thread"]["value"]), []).append(result.get("start") or 0)
    taken: dict[str, set[str]] = {}
    renamed = {}
    for host, thread in sorted(seen, key=lambda key: (-len(seen[key]), min(seen[key]), key)):
        name, number = thread, 1
        while lane_id(host, name) in taken.setdefault(host, set()):
            number += 1
            name = f"{thread}·{number}"  # short: the app cuts a lane's name after a dozen characters
        taken[host].add(lane_id(host, name))
        if name != thread:
            renamed[(host, thread)] = name
    for found in (found for found in labels if len(found) == 2):
        found["thread"]["value"] = renamed.get(
            (found["host"]["value"], found["thread"]["value"]), found["thread"]["value"]
        )
    return renamed
