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

from support.clauses import BY_ID, CASE_PREFIX, CLAUSES, REGISTER, SPEC_FILE, TAG_PREFIX

ROOT = Path(__file__).resolve().parents[2]
_QUOTE = re.compile(r"^\s*>(\s|$)")
_DOC_STRING = re.compile(r'^\s*("""|```)')
_EMPHASIS = re.compile(r"\*\*|\*|`")
_SPACE = re.compile(r"\s+")
# What may surround a quote line inside its line of the document: list markers and numbers, table pipes, quote marks,
# a comment's `#`. Not a comma or a bracket: `durable=True` is not the line `durable=True,`.
_MARKUP = r'(?:\d+\.|[\s\-+|#>"])*'


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
    before = r"(?<![^\W_])" if quote[:1].isalnum() else ""  # no letter or digit just before a quote starting with one
    after = r"(?![^\W_])" if quote[-1:].isalnum() else ""
    return bool(quote) and re.search(before + re.escape(quote) + after, document) is not None


def found_as_line(quote: str, lines: Iterable[str]) -> bool:
    """Is the normalised quote one of the normalised document lines, markup around it aside?"""
    whole = re.compile(_MARKUP + re.escape(quote) + _MARKUP)
    return bool(quote) and any(whole.fullmatch(line) for line in lines)


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


def check_tags(features: Iterable[Path]) -> tuple[list[Finding], set[str]]:
    """Every scenario has a known @spec- tag and a @case- tag of its own; returns the findings and clauses covered."""
    findings: list[Finding] = []
    covered: set[str] = set()
    cases: dict[str, str] = {}  # case → where it is first used
    for path in features:
        try:
            feature = parse_file(str(path))
        except ParserError as error:
            findings.append(Finding(path, getattr(error, "line", 0) or 0, f"not valid Gherkin: {error}"))
            continue
        for scenario in feature.walk_scenarios(with_outlines=True) if feature else []:
            if getattr(scenario, "_row", None):
                continue  # an outline's row: its outline is checked
            tags, name, said = scenario.effective_tags, scenario.name, []
            specs = [tag[len(TAG_PREFIX) :] for tag in tags if tag.startswith(TAG_PREFIX)]
            own_cases = [tag[len(CASE_PREFIX) :] for tag in tags if tag.startswith(CASE_PREFIX)]
            said += [] if specs else [f"scenario {name!r} has no @{TAG_PREFIX}<clause id> tag"]
            said += [f"scenario {name!r}: unknown clause @{TAG_PREFIX}{spec}" for spec in specs if spec not in BY_ID]
            said += [] if own_cases else [f"scenario {name!r} has no @{CASE_PREFIX}<slug> tag"]
            said += [
                f"duplicate @{CASE_PREFIX}{case} (first used at {cases[case]})" for case in own_cases if case in cases
            ]
            covered.update(spec for spec in specs if spec in BY_ID)
            cases.update({case: f"{path}:{scenario.line}" for case in own_cases if case not in cases})
            findings += [Finding(path, scenario.line, message) for message in said]
    return findings, covered


def _clause_line(register_text: str, clause_id: str) -> int:
    """The line of the register where the clause is declared (`- id: "1.2"`), 0 when not found."""
    match = re.search(rf'^\s*- id: "{re.escape(clause_id)}"', register_text, re.MULTILINE)
    return register_text.count("\n", 0, match.start()) + 1 if match else 0


def check_coverage(covered: set[str], register: Path) -> list[Finding]:
    text = register.read_text(encoding="utf-8") if register.exists() else ""
    missing = [clause for clause in CLAUSES if clause.id not in covered]
    said = "clause {0.id} ({0.title}) has no scenario tagged @{0.tag}"
    return [Finding(register, _clause_line(text, clause.id), said.format(clause)) for clause in missing]


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
