"""Spec diff: what a new version of the clarifications does to the specs, before it replaces the project's copy.

Lists, against the feature files and the clause register (support/clauses.py):

- each quoted line (a feature's `> ` line) that no longer stands in the new version, with its scenarios;
- each clause whose section text changed (the lines gone and the lines new), or whose section is gone;
- each new section, and each new table row, that no scenario quotes;
- which clauses' verdicts would be "not verified" until the features follow, and why.

Quotes are compared as the quote lint compares them (tools/specs/quote_lint.py's normalisation, line by line).
Exit code: 1 when a quote no longer stands (the quote lint would fail on the new version), 2 on bad input, else 0.

Usage: `python -m tools.specs.spec_diff --new path/to/new.md [--old docs/…] [--features DIR] [--out FILE]`.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from behave.parser import ParserError, parse_file

from support.clauses import CLAUSES, SPEC_FILE, Clause, clause_of_tags
from support.quote_html import feature_quotes
from tools.specs.quote_lint import found_as_line, normalise, quote_lines

ROOT = Path(__file__).resolve().parents[2]
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_FENCE = re.compile(r"^\s*```")
_TABLE_RULE = re.compile(r"^\s*\|[\s:|-]+\|\s*$")


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    line: int  # of its heading, 1-based
    parent: str  # the enclosing level-2 heading
    body: tuple[str, ...]  # its lines up to the next heading of its level or above (subsections included)


def sections(text: str) -> list[Section]:
    """The markdown sections of a document; a `#` inside a fenced code sample is code, not a heading."""
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []  # (index, level, title)
    inside = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            inside = not inside
        elif not inside and (match := _HEADING.match(line)):
            heads.append((index, len(match[1]), match[2].strip()))
    found, parent = [], ""
    for n, (index, level, title) in enumerate(heads):
        if level <= 2:
            parent = title
        end = next((i for i, lv, _ in heads[n + 1 :] if lv <= level), len(lines))
        found.append(Section(level, title, index + 1, parent, tuple(lines[index + 1 : end])))
    return found


def _key(title: str) -> str:
    return normalise(title).casefold()


def section_of(clause: Clause, found: list[Section]) -> Section | None:
    """The clause's section: the heading that is its title, under its numbered section when there are several."""
    named = [s for s in found if _key(s.title) == _key(clause.title)]
    return next((s for s in named if _key(s.parent) == _key(clause.section)), named[0] if named else None)


def _meaningful(lines: Sequence[str]) -> list[str]:
    """A section's lines as compared: normalised, blank lines and horizontal rules left out."""
    return [n for n in (normalise(line) for line in lines) if n and n != "---"]


@dataclass(frozen=True)
class Quote:
    file: Path
    line: int
    text: str
    scenarios: tuple[tuple[str, str], ...]  # (clause id, scenario name) of the scenarios it stands for

    @property
    def clauses(self) -> list[str]:
        return sorted({clause for clause, _ in self.scenarios})


def feature_quotes_with_scenarios(features_dir: Path) -> list[Quote]:
    """Every `> ` line of the features, with the scenarios it stands for: its own scenario's, or, in a feature's
    description, those of the feature's scenarios whose clause it quotes (support/quote_html.feature_quotes)."""
    quotes = []
    for path in sorted(features_dir.rglob("*.feature")):
        try:
            feature = parse_file(str(path))
        except ParserError:
            feature = None  # the quote lint reports it; its quotes are still checked here
        scenarios = []
        for scenario in feature.walk_scenarios(with_outlines=True) if feature else []:
            if getattr(scenario, "_row", None):
                continue
            clause = clause_of_tags(list(scenario.effective_tags))
            scenarios.append((scenario.line, clause, scenario.name))
        scenarios.sort(key=lambda s: s[0])
        first = scenarios[0][0] if scenarios else 10**9
        for number, text in quote_lines(path):
            if number > first:
                _, clause, name = [s for s in scenarios if s[0] < number][-1]
                owners = [(clause.id if clause else "?", name)]
            else:  # the feature's description: the scenarios of the clause(s) it quotes for
                owners = [
                    (clause.id if clause else "?", name)
                    for _, clause, name in scenarios
                    if text.strip() in [q.strip() for q in feature_quotes(clause, feature.description)]
                ]
            quotes.append(Quote(path, number, text.strip(), tuple(owners)))
    return quotes


@dataclass
class SpecDiff:
    old: Path
    new: Path
    gone_quotes: list[Quote] = field(default_factory=list)
    changed: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)  # clause → (lines gone, new)
    gone_sections: list[str] = field(default_factory=list)  # clause ids whose section is not in the new version
    new_sections: list[Section] = field(default_factory=list)
    new_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (line, row, clause id or section title)

    def not_verified(self) -> dict[str, list[str]]:
        """Clause id → why its verdict would be "not verified" until the features follow the new version."""
        why: dict[str, list[str]] = {}
        for quote in self.gone_quotes:
            for clause in quote.clauses:
                reason = "its scenarios quote lines no longer in the new version"
                if reason not in why.setdefault(clause, []):
                    why[clause].append(reason)
        for clause in self.gone_sections:
            why.setdefault(clause, []).append("its section is gone from the new version")
        for clause in self.changed:
            why.setdefault(clause, []).append("its section's text changed: its scenarios check the old text")
        for _, _, where in self.new_rows:
            if where in {c.id for c in CLAUSES}:
                reason = "a new table row of its section has no scenario"
                if reason not in why.setdefault(where, []):
                    why[where].append(reason)
        order = [c.id for c in CLAUSES]
        return {c: why[c] for c in sorted(why, key=lambda c: order.index(c) if c in order else len(order))}


def diff(old: Path, new: Path, features_dir: Path) -> SpecDiff:
    old_text, new_text = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
    result = SpecDiff(old, new)
    new_lines = [normalise(line) for line in new_text.splitlines()]
    quotes = feature_quotes_with_scenarios(features_dir)
    result.gone_quotes = [q for q in quotes if not found_as_line(normalise(q.text), new_lines)]

    old_sections, new_sections = sections(old_text), sections(new_text)
    for clause in CLAUSES:
        before, after = section_of(clause, old_sections), section_of(clause, new_sections)
        if before is None:
            continue  # not in the old version either: the quote lint's business, not a change
        if after is None:
            result.gone_sections.append(clause.id)
            continue
        old_body, new_body = _meaningful(before.body), _meaningful(after.body)
        if old_body != new_body:
            opcodes = difflib.SequenceMatcher(a=old_body, b=new_body, autojunk=False).get_opcodes()
            gone = [line for tag, i1, i2, _, _ in opcodes if tag != "equal" for line in old_body[i1:i2]]
            added = [line for tag, _, _, j1, j2 in opcodes if tag != "equal" for line in new_body[j1:j2]]
            result.changed[clause.id] = (gone, added)

    quoted = [normalise(q.text) for q in quotes]
    old_titles = {_key(s.title) for s in old_sections}
    for section in new_sections:
        if _key(section.title) not in old_titles and not any(
            found_as_line(q, _meaningful(section.body)) for q in quoted
        ):
            result.new_sections.append(section)

    old_lines = set(_meaningful(old_text.splitlines()))
    old_rows = {_first_cell(line) for line in old_text.splitlines() if line.lstrip().startswith("|")}
    for index, line in enumerate(new_text.splitlines()):
        if not line.lstrip().startswith("|") or _TABLE_RULE.match(line) or normalise(line) in old_lines:
            continue
        if _first_cell(line) in old_rows:
            continue  # a row that changed, not a new one: its clause's section changed
        if any(found_as_line(q, [normalise(line)]) for q in quoted):
            continue
        result.new_rows.append((index + 1, line.strip(), _where(index + 1, new_sections)))
    return result


def _first_cell(row: str) -> str:
    """A table row's first cell, normalised: what names the row (`GET /sensors`)."""
    cells = [cell for cell in row.strip().strip("|").split("|")]
    return normalise(cells[0]) if cells else ""


def _where(line: int, found: list[Section]) -> str:
    """The clause whose section holds this line of the new version, else the innermost section's title."""
    holders = [s for s in found if s.line < line <= s.line + len(s.body)]
    for section in sorted(holders, key=lambda s: -s.level):
        for clause in CLAUSES:
            if section_of(clause, found) == section:
                return clause.id
    return holders[-1].title if holders else "(before any section)"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def render(result: SpecDiff) -> str:
    titles = {c.id: f"{c.id} {c.title}" for c in CLAUSES}
    out = [f"spec diff: {_shown(result.old)} → {_shown(result.new)}", ""]

    out.append(f"Quotes that no longer stand in the new version: {len(result.gone_quotes)}")
    for quote in result.gone_quotes:
        out.append(f"  {_shown(quote.file)}:{quote.line}: {quote.text}")
        for clause, name in quote.scenarios:
            out.append(f"      scenario {clause} {name!r}")
    out.append("")

    out.append(f"Clauses whose section changed: {len(result.changed) + len(result.gone_sections)}")
    for clause in result.gone_sections:
        out.append(f"  {titles[clause]}: the section is gone")
    for clause, (gone, added) in result.changed.items():
        out.append(f"  {titles[clause]}:")
        out += [f"      old: {line}" for line in gone]
        out += [f"      new: {line}" for line in added]
    out.append("")

    out.append(f"New sections or table rows with no scenario: {len(result.new_sections) + len(result.new_rows)}")
    for section in result.new_sections:
        out.append(f"  line {section.line}: new section {'#' * section.level} {section.title} (no clause, no scenario)")
    for line, row, where in result.new_rows:
        out.append(f"  line {line}: new table row in {titles.get(where, where)}: {row}")
    out.append("")

    verdicts = result.not_verified()
    out.append(f'Clauses "not verified" until the features follow: {len(verdicts)}')
    for clause, why in verdicts.items():
        out.append(f"  {titles.get(clause, clause)}: {'; '.join(why)}")
    if result.new_sections:
        out.append("  and no clause yet for the new sections (support/clauses.py)")
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.specs.spec_diff", description=__doc__.splitlines()[0])
    parser.add_argument("--new", type=Path, required=True, help="the new version of the clarifications")
    parser.add_argument("--old", type=Path, default=ROOT / SPEC_FILE, help="default: the project's copy")
    parser.add_argument("--features", type=Path, default=ROOT / "features")
    parser.add_argument("--out", type=Path, default=None, help="also write the listing to this file")
    args = parser.parse_args(argv)
    if not str(args.new) or str(args.new) == ".":
        print("spec diff: say which new version: make spec-diff NEW=path/to/new.md", file=sys.stderr)
        return 2
    for path in (args.new, args.old):
        if not path.is_file():
            print(f"spec diff: no such file {path}", file=sys.stderr)
            return 2
    if not args.features.is_dir():
        print(f"spec diff: no such folder {args.features}", file=sys.stderr)
        return 2
    result = diff(args.old, args.new, args.features)
    text = render(result)
    print(text, end="")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 1 if result.gone_quotes else 0


if __name__ == "__main__":
    sys.exit(main())
