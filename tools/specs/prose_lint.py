"""Prose lint (`make lint`): the feature files' own prose (no quote, step, tag, title, table row, comment or doc
string: the interpretations a reviewer approves) stays under MAX_WORDS words and names no route, HTTP verb or wire
format (a field or setting name the clarifications do not use themselves): docs/how-the-suite-talks.md says those."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from tools.specs.quote_lint import feature_lines, lint_main, shown

MAX_WORDS = 900
_STEP = re.compile(r"^\s*(Given|When|Then|And|But|\*)\s")
_TITLE = re.compile(r"^\s*(Feature|Scenario|Scenario Outline|Scenario Template|Examples|Background|Rule):")
_ROUTE = re.compile(r"(?:^|[\s(\"'`])/[A-Za-z_{]")
_VERB = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b")
_FORMAT = re.compile(
    r"\b(JSON|XML|protobuf|yymmddHHMMSS|epoch|DEADLINE_EXCEEDED|UNAVAILABLE|CANCELLED|Content-Type|base64)\b", re.I
)
_IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # a field or setting name: channel_amount, listen_s


def prose_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The prose lines of a feature file, with their numbers."""
    for number, line in feature_lines(path):
        if (text := line.strip()) and text[0] not in ">@#|" and not _STEP.match(line) and not _TITLE.match(line):
            yield number, text


def wire_words(text: str, document_words: frozenset[str]) -> list[str]:
    """What in a prose line is how the suite talks to the server, not what the product does."""
    found = ["a route"] if _ROUTE.search(text) else []
    found += [f"the HTTP verb {verb}" for verb in _VERB.findall(text)]
    found += [f"the wire format {word}" for word in _FORMAT.findall(text)]
    return found + [f"the field or setting {w}" for w in _IDENTIFIER.findall(text) if w not in document_words]


def lint(features_dir: Path, spec: Path, max_words: int = MAX_WORDS) -> tuple[list[str], int]:
    """(findings as `file:line: message`, the prose's word count)."""
    document_words = frozenset(re.findall(r"[A-Za-z0-9_]+", spec.read_text(encoding="utf-8")))
    lines = [(path, n, text) for path in sorted(features_dir.rglob("*.feature")) for n, text in prose_lines(path)]
    findings = [
        f"{shown(path)}:{n}: prose names {word}: say it in business words (how the suite talks to the server "
        "belongs in docs/how-the-suite-talks.md)"
        for path, n, text in lines
        for word in wire_words(text, document_words)
    ]
    if (total := sum(len(text.split()) for _, _, text in lines)) > max_words:
        findings.append(
            f"{shown(features_dir)}: {total} words of prose, over {max_words}: keep the interpretations "
            "a reviewer must approve, move the rest to docs/how-the-suite-talks.md"
        )
    return findings, total


def main(argv: Sequence[str] | None = None) -> int:
    def run(features: Path, spec: Path) -> tuple[list, str]:
        findings, total = lint(features, spec)
        return findings, f"{total} words of prose (at most {MAX_WORDS}), no route, verb or wire format"

    return lint_main("prose lint", argv, run)


if __name__ == "__main__":
    sys.exit(main())
