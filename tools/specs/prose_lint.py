"""Prose lint: the feature files' own prose stays short and in business words, for the product people who review it.

A prose line is a line of a feature file that is no `> ` quote, no step, no tag, no title (Feature, Scenario,
Examples), no table row, no comment and no doc string: the interpretations a reviewer must approve ("'at once' is
taken as under 2 seconds"). Fails (exit 1, one `file:line: message` per finding) when

- the prose of all the feature files together runs over MAX_WORDS words;
- a prose line names a route (`/metadata/...`), an HTTP verb (GET, POST, ...) or a wire format (JSON, a timestamp
  layout, a protocol status name, a field or setting name such as `stream_limit_s` that the clarifications do not
  use themselves).

How the suite talks to the server is said in docs/how-the-suite-talks.md, which the report links to.

Usage: `python -m tools.specs.prose_lint [--features DIR]` (`make lint`).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from support.clauses import SPEC_FILE

ROOT = Path(__file__).resolve().parents[2]
MAX_WORDS = 900
_STEP = re.compile(r"^\s*(Given|When|Then|And|But|\*)\s")
_TITLE = re.compile(r"^\s*(Feature|Scenario|Scenario Outline|Scenario Template|Examples|Background|Rule):")
_DOC_STRING = re.compile(r'^\s*("""|```)')
_ROUTE = re.compile(r"(?:^|[\s(\"'`])/[A-Za-z_{]")
_VERB = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b")
_FORMAT = re.compile(
    r"\b(JSON|XML|protobuf|yymmddHHMMSS|epoch|DEADLINE_EXCEEDED|UNAVAILABLE|CANCELLED|Content-Type|base64)\b", re.I
)
_IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # a field or setting name: channel_amount, listen_s


def prose_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The prose lines of a feature file, with their numbers."""
    in_doc_string = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        in_doc_string ^= bool(_DOC_STRING.match(line))
        text = line.strip()
        skipped = in_doc_string or _DOC_STRING.match(line) or _STEP.match(line) or _TITLE.match(line)
        if text and text[0] not in ">@#|" and not skipped:
            yield number, text


def wire_words(text: str, document_words: frozenset[str]) -> list[str]:
    """What in a prose line is how the suite talks to the server, not what the product does."""
    found = []
    if _ROUTE.search(text):
        found.append("a route")
    found += [f"the HTTP verb {verb}" for verb in _VERB.findall(text)]
    found += [f"the wire format {word}" for word in _FORMAT.findall(text)]
    found += [f"the field or setting {word}" for word in _IDENTIFIER.findall(text) if word not in document_words]
    return found


def lint(features_dir: Path, spec: Path, max_words: int = MAX_WORDS) -> tuple[list[str], int]:
    """(findings as `file:line: message`, the prose's word count)."""
    document_words = frozenset(re.findall(r"[A-Za-z0-9_]+", spec.read_text(encoding="utf-8")))
    lines = [(path, n, text) for path in sorted(features_dir.rglob("*.feature")) for n, text in prose_lines(path)]
    findings = [
        f"{_shown(path)}:{n}: prose names {word}: say it in business words (how the suite talks to the server "
        "belongs in docs/how-the-suite-talks.md)"
        for path, n, text in lines
        for word in wire_words(text, document_words)
    ]
    total = sum(len(text.split()) for _, _, text in lines)
    if total > max_words:
        findings.append(
            f"{_shown(features_dir)}: {total} words of prose, over {max_words}: keep the interpretations "
            "a reviewer must approve, move the rest to docs/how-the-suite-talks.md"
        )
    return findings, total


def _shown(path: Path) -> str:
    return str(path.resolve().relative_to(Path.cwd())) if path.resolve().is_relative_to(Path.cwd()) else str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.specs.prose_lint", description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=Path, default=ROOT / "features")
    parser.add_argument("--spec", type=Path, default=ROOT / SPEC_FILE)
    args = parser.parse_args(argv)
    findings, total = lint(args.features, args.spec)
    for finding in findings:
        print(finding, file=sys.stderr)
    if findings:
        print(f"prose lint: {len(findings)} finding(s)", file=sys.stderr)
        return 1
    print(f"prose lint: {total} words of prose (at most {MAX_WORDS}), no route, verb or wire format")
    return 0


if __name__ == "__main__":
    sys.exit(main())
