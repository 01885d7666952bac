"""Quote lint: the feature files quote the clarifications word for word, and cover every clause.

Fails (exit 1, one `file:line: message` per finding) on:

- a description line beginning with `> ` that is not a line of the project's copy of the clarifications, word for
  word. Both sides are normalised the same way: markdown quote marks (`>`), emphasis (`**`, `*`) and backticks are
  dropped and whitespace is collapsed; nothing else is forgiven (case, punctuation, words). A quote is taken line by
  line: each quote line is one whole line of the document, give or take the markup around it (a list marker or
  number, table pipes, a comment's `#`, a docstring's quotes), so that a multi-line sample of the document is quoted
  line by line and a copy whose lines were joined or rewrapped (as `ruff format` once did) no longer matches;
- a scenario without a `@spec-<id>` tag of the clause register, or with an unknown one;
- a scenario without a `@case-<slug>` tag, or a `@case-` tag used by more than one scenario;
- a clause of the register (features/clauses.yaml) that no scenario is tagged with.

Usage: `python -m tools.specs.quote_lint [--features DIR] [--spec FILE]` (defaults: the project's).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from behave.parser import ParserError, parse_file

from support.clauses import BY_ID, CLAUSES, REGISTER, SPEC_FILE, TAG_PREFIX

ROOT = Path(__file__).resolve().parents[2]
CASE_PREFIX = "case-"
_QUOTE = re.compile(r"^\s*>(\s|$)")
_DOC_STRING = re.compile(r'^\s*("""|```)')
_EMPHASIS = re.compile(r"\*\*|\*|`")
_SPACE = re.compile(r"\s+")
# What may surround a quote line inside its line of the document: list markers and numbers, table pipes, quote marks,
# a comment's `#`. Not a comma or a bracket: `durable=True` is not the line `durable=True,`.
_MARKUP = re.compile(r'^(?:\d+\.|[\s\-+|#>"])*$')


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(Path.cwd())
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {self.message}"


def normalise(text: str) -> str:
    """Drop markdown quote marks at line starts, emphasis and backticks; collapse whitespace."""
    lines = (re.sub(r"^\s*(>\s?)+", "", line) for line in text.splitlines())
    return _SPACE.sub(" ", _EMPHASIS.sub("", " ".join(lines))).strip()


def found_in(quote: str, document: str) -> bool:
    """Is the normalised quote in the normalised document, not starting or ending inside a word?"""
    if not quote:
        return False
    start = document.find(quote)
    while start != -1:
        end = start + len(quote)
        before_ok = start == 0 or not (quote[0].isalnum() and document[start - 1].isalnum())
        after_ok = end == len(document) or not (quote[-1].isalnum() and document[end].isalnum())
        if before_ok and after_ok:
            return True
        start = document.find(quote, start + 1)
    return False


def found_as_line(quote: str, lines: Iterable[str]) -> bool:
    """Is the normalised quote one of the normalised document lines, markup around it aside?"""
    for line in lines:
        start = line.find(quote) if quote else -1
        while start != -1:
            end = start + len(quote)
            if _MARKUP.match(line[:start]) and _MARKUP.match(line[end:]):
                return True
            start = line.find(quote, start + 1)
    return False


def quote_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The `> ` description lines of a feature file (outside doc strings), with their line numbers."""
    in_doc_string = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if _DOC_STRING.match(line):
            in_doc_string = not in_doc_string
            continue
        if not in_doc_string and _QUOTE.match(line):
            yield number, line.strip()[1:]


def check_quotes(features: Iterable[Path], spec: Path) -> list[Finding]:
    text_lines = spec.read_text(encoding="utf-8").splitlines()
    document = normalise("\n".join(text_lines))
    lines = [normalise(line) for line in text_lines]
    findings = []
    for path in features:
        for number, text in quote_lines(path):
            quote = normalise(text)
            if found_as_line(quote, lines):
                continue
            if found_in(quote, document):
                message = f"quote is not a whole line of {spec.name} (quote it line by line): {text.strip()!r}"
            else:
                message = f"quote not found word for word in {spec.name}: {text.strip()!r}"
            findings.append(Finding(path, number, message))
    return findings


def _scenarios(feature) -> Iterator[tuple[object, list[str]]]:
    """Each scenario or scenario outline of a feature (rules included), with its effective tags."""
    for scenario in feature.scenarios:
        yield scenario, [*feature.tags, *scenario.tags]
    for rule in getattr(feature, "rules", []):
        for scenario in rule.scenarios:
            yield scenario, [*feature.tags, *rule.tags, *scenario.tags]


def check_tags(features: Iterable[Path]) -> tuple[list[Finding], set[str]]:
    """Every scenario has a known @spec- tag and a @case- tag of its own; returns the findings and clauses covered."""
    findings: list[Finding] = []
    covered: set[str] = set()
    cases: dict[str, tuple[Path, int]] = {}
    for path in features:
        try:
            feature = parse_file(str(path))
        except ParserError as error:
            findings.append(Finding(path, getattr(error, "line", 0) or 0, f"not valid Gherkin: {error}"))
            continue
        if feature is None:
            continue
        for scenario, tags in _scenarios(feature):
            line = scenario.line
            name = scenario.name
            specs = [tag[len(TAG_PREFIX) :] for tag in tags if tag.startswith(TAG_PREFIX)]
            if not specs:
                findings.append(Finding(path, line, f"scenario {name!r} has no @{TAG_PREFIX}<clause id> tag"))
            for spec in specs:
                if spec in BY_ID:
                    covered.add(spec)
                else:
                    findings.append(Finding(path, line, f"scenario {name!r}: unknown clause @{TAG_PREFIX}{spec}"))
            own_cases = [tag[len(CASE_PREFIX) :] for tag in tags if tag.startswith(CASE_PREFIX)]
            if not own_cases:
                findings.append(Finding(path, line, f"scenario {name!r} has no @{CASE_PREFIX}<slug> tag"))
            for case in own_cases:
                if case in cases:
                    first_path, first_line = cases[case]
                    findings.append(
                        Finding(path, line, f"duplicate @{CASE_PREFIX}{case} (first used at {first_path}:{first_line})")
                    )
                else:
                    cases[case] = (path, line)
    return findings, covered


def _clause_line(register_text: str, clause_id: str) -> int:
    """The line of the register where the clause is declared (`- id: "1.2"`), 0 when not found."""
    match = re.search(rf'^\s*- id: "{re.escape(clause_id)}"', register_text, re.MULTILINE)
    return register_text.count("\n", 0, match.start()) + 1 if match else 0


def check_coverage(covered: set[str], register: Path) -> list[Finding]:
    text = register.read_text(encoding="utf-8") if register.exists() else ""
    return [
        Finding(
            register,
            _clause_line(text, clause.id),
            f"clause {clause.id} ({clause.title}) has no scenario tagged @{clause.tag}",
        )
        for clause in CLAUSES
        if clause.id not in covered
    ]


def lint(features_dir: Path, spec: Path) -> list[Finding]:
    features = sorted(features_dir.rglob("*.feature"))
    findings = check_quotes(features, spec)
    tag_findings, covered = check_tags(features)
    return findings + tag_findings + check_coverage(covered, REGISTER)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.specs.quote_lint", description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=Path, default=ROOT / "features")
    parser.add_argument("--spec", type=Path, default=ROOT / SPEC_FILE)
    args = parser.parse_args(argv)
    findings = lint(args.features, args.spec)
    for finding in findings:
        print(finding, file=sys.stderr)
    if findings:
        print(f"quote lint: {len(findings)} finding(s)", file=sys.stderr)
        return 1
    print(f"quote lint: every quote found in {args.spec.name}, every clause covered, every case unique")
    return 0


if __name__ == "__main__":
    sys.exit(main())
