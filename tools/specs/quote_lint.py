"""Quote lint (`make lint`): every `> ` line of a feature is a whole line of the clarifications, word for word (quote
marks, emphasis, backticks and whitespace aside; markup around it in the document aside); every scenario has a known
`@spec-` tag and a `@case-` tag of its own; every clause of the register has a scenario. Exit 1 on a finding."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from behave.parser import ParserError, parse_file

from support.clauses import BY_ID, CASE_PREFIX, CLAUSES, REGISTER, TAG_PREFIX
from tools.common.layout import CLARIFICATIONS, FEATURES

_QUOTE = re.compile(r"^\s*>(\s|$)")
_DOC_STRING = re.compile(r'^\s*("""|```)')
_EMPHASIS = re.compile(r"\*\*|\*|`")
_SPACE = re.compile(r"\s+")
# What may surround a quote line inside its line of the document: list markers and numbers, table pipes, quote marks,
# a comment's `#`. Not a comma or a bracket: `durable=True` is not the line `durable=True,`.
_MARKUP = r'(?:\d+\.|[\s\-+|#>"])*'


def shown(path: Path) -> str:
    """The path as a finding names it: relative to the working directory where it can be."""
    return str(path.resolve().relative_to(Path.cwd())) if path.resolve().is_relative_to(Path.cwd()) else str(path)


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{shown(self.path)}:{self.line}: {self.message}"


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


def feature_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The lines of a feature file outside its doc strings (their fences left out too), with their numbers."""
    inside = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fence = bool(_DOC_STRING.match(line))
        inside ^= fence
        if not inside and not fence:
            yield number, line


def quote_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The `> ` description lines of a feature file, without their `>`, with their line numbers."""
    return ((number, line.strip()[1:]) for number, line in feature_lines(path) if _QUOTE.match(line))


def check_quotes(features: Iterable[Path], spec: Path) -> list[Finding]:
    text_lines = spec.read_text(encoding="utf-8").splitlines()
    document, lines = normalise("\n".join(text_lines)), [normalise(line) for line in text_lines]
    findings = []
    for path in features:
        for number, text in ((n, t) for n, t in quote_lines(path) if not found_as_line(normalise(t), lines)):
            said = "is not a whole line of {} (quote it line by line)" if found_in(normalise(text), document) else ""
            said = (said or "not found word for word in {}").format(spec.name)
            findings.append(Finding(path, number, f"quote {said}: {text.strip()!r}"))
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
            tags, name = scenario.effective_tags, scenario.name
            specs = [tag[len(TAG_PREFIX) :] for tag in tags if tag.startswith(TAG_PREFIX)]
            own = [tag[len(CASE_PREFIX) :] for tag in tags if tag.startswith(CASE_PREFIX)]
            said = [] if specs else [f"scenario {name!r} has no @{TAG_PREFIX}<clause id> tag"]
            said += [f"scenario {name!r}: unknown clause @{TAG_PREFIX}{spec}" for spec in specs if spec not in BY_ID]
            said += [] if own else [f"scenario {name!r} has no @{CASE_PREFIX}<slug> tag"]
            said += [f"duplicate @{CASE_PREFIX}{case} (first used at {cases[case]})" for case in own if case in cases]
            covered.update(spec for spec in specs if spec in BY_ID)
            cases.update({case: f"{path}:{scenario.line}" for case in own if case not in cases})
            findings += [Finding(path, scenario.line, message) for message in said]
    return findings, covered


def check_coverage(covered: set[str], register: Path) -> list[Finding]:
    """A clause no scenario is tagged with, at its line of the register (`- id: "1.2"`)."""
    lines = register.read_text(encoding="utf-8").splitlines()
    at = {c.id: next((n for n, line in enumerate(lines, 1) if f'id: "{c.id}"' in line), 0) for c in CLAUSES}
    said = "clause {0.id} ({0.title}) has no scenario tagged @{0.tag}"
    return [Finding(register, at[c.id], said.format(c)) for c in CLAUSES if c.id not in covered]


def lint(features_dir: Path, spec: Path) -> list[Finding]:
    features = sorted(features_dir.rglob("*.feature"))
    tag_findings, covered = check_tags(features)
    return check_quotes(features, spec) + tag_findings + check_coverage(covered, REGISTER)


def lint_main(name: str, argv: Sequence[str] | None, run: Callable[[Path, Path], tuple[list, str]]) -> int:
    """The command line of a lint over `--features` and `--spec`: `run` gives (findings, what a clean run says)."""
    parser = argparse.ArgumentParser(prog=f"python -m tools.specs.{name.replace(' ', '_')}")
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--spec", type=Path, default=CLARIFICATIONS)
    args = parser.parse_args(argv)
    findings, clean = run(args.features, args.spec)
    print("".join(f"{finding}\n" for finding in findings), end="", file=sys.stderr)
    print(
        f"{name}: {len(findings)} finding(s)" if findings else f"{name}: {clean}", file=sys.stderr if findings else None
    )
    return 1 if findings else 0


def main(argv: Sequence[str] | None = None) -> int:
    def run(features: Path, spec: Path) -> tuple[list, str]:
        return lint(features, spec), f"every quote found in {spec.name}, every clause covered, every case unique"

    return lint_main("quote lint", argv, run)


if __name__ == "__main__":
    sys.exit(main())
