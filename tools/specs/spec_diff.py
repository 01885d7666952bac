"""Spec diff: what a new version of the clarifications does to the specs, before it replaces the project's copy.

Lists, against the feature files and the clause register (support/clauses.py):

- each quoted line (a feature's `> ` line) that no longer stands in the new version, with its scenarios;
- every line of the whole document that changed (gone or new), each with its owner: the clause whose scenarios
  quote it, else the clause whose section holds it, else "no clause" with the sections that hold it;
- each new section that no scenario quotes by a line of its own (a line such as "Official Answer:", which many
  sections share, quotes no section in particular);
- each clause whose section changed (its lines gone and new), or whose section is gone;
- which clauses' verdicts would be "not verified" until the features follow, and why.

Lines are compared as the quote lint compares them (tools/specs/quote_lint.py's normalisation, line by line).
Exit code: 1 when the new version says anything new (a quote gone, a line or a section changed: the specs must
follow, or be confirmed to), 2 on bad input, 0 when it changed nothing but blank lines and markup.

Usage: `python -m tools.specs.spec_diff --new path/to/new.md [--old docs/…] [--features DIR] [--out FILE]`.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from behave.parser import ParserError, parse_file

from support.clauses import CLAUSES, SPEC_FILE, Clause, clause_of_tags
from tools.common.quote_html import feature_quotes
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


@dataclass(frozen=True)
class ChangedLine:
    """A line of the document gone from the old version or new in the new one, with who owns it."""

    kind: str  # "old" (gone) or "new"
    line: int  # its line in its version, 1-based
    text: str  # normalised as the quote lint compares
    owner: str  # a clause id, or NO_CLAUSE
    where: str  # the sections holding it, outermost first ("2️⃣ SLA Requirements & Timeouts › Job Cancellation")


NO_CLAUSE = "no clause"


@dataclass
class SpecDiff:
    old: Path
    new: Path
    gone_quotes: list[Quote] = field(default_factory=list)
    lines: list[ChangedLine] = field(default_factory=list)  # every changed line, in document order
    gone_sections: list[str] = field(default_factory=list)  # clause ids whose section is not in the new version
    new_sections: list[Section] = field(default_factory=list)  # new, and no feature quotes a line of their own

    @property
    def changed(self) -> dict[str, tuple[list[str], list[str]]]:
        """Clause → (its lines gone, its lines new), for the clauses owning a changed line."""
        found: dict[str, tuple[list[str], list[str]]] = {}
        for line in self.lines:
            if line.owner != NO_CLAUSE:
                found.setdefault(line.owner, ([], []))[line.kind == "new"].append(line.text)
        order = [c.id for c in CLAUSES]
        return {c: found[c] for c in sorted(found, key=order.index)}

    @property
    def unowned(self) -> list[ChangedLine]:
        return [line for line in self.lines if line.owner == NO_CLAUSE]

    @property
    def anything(self) -> bool:
        return bool(self.gone_quotes or self.lines or self.gone_sections or self.new_sections)

    def not_verified(self) -> dict[str, list[str]]:
        """Clause id → why its verdict would be "not verified" until the features follow the new version."""
        why: dict[str, list[str]] = {}

        def add(clause: str, reason: str) -> None:
            if reason not in why.setdefault(clause, []):
                why[clause].append(reason)

        for quote in self.gone_quotes:
            for clause in quote.clauses:
                add(clause, "its scenarios quote lines no longer in the new version")
        for clause in self.gone_sections:
            add(clause, "its section is gone from the new version")
        for clause in self.changed:
            add(clause, "its section's text changed: its scenarios check the old text")
        order = [c.id for c in CLAUSES]
        return {c: why[c] for c in sorted(why, key=lambda c: order.index(c) if c in order else len(order))}


def _numbered(text: str) -> list[tuple[int, str]]:
    """The document's meaningful lines, normalised, with their line numbers."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        shown = normalise(line)
        if shown and shown != "---":
            found.append((number, shown))
    return found


def _owner(line: int, found: list[Section]) -> tuple[str, str]:
    """(the clause whose section holds this line, innermost first, else NO_CLAUSE; the sections holding it)."""
    holders = sorted((s for s in found if s.line < line <= s.line + len(s.body)), key=lambda s: s.level)
    # The document's own title (level 1) holds everything: the path starts below it.
    where = " › ".join(s.title for s in holders if s.level > 1) or "(before any section)"
    for section in reversed(holders):
        for clause in CLAUSES:
            if section_of(clause, found) == section:
                return clause.id, where
    return NO_CLAUSE, where


def changed_lines(old_text: str, new_text: str, quotes: list[Quote]) -> list[ChangedLine]:
    """Every line of the whole document that differs, each with its owner: the clause whose section holds it, else
    the clause whose scenarios quote it (a line found once in its version: "Official Answer:" is no clause's own),
    else NO_CLAUSE."""
    old, new = _numbered(old_text), _numbered(new_text)
    counts = {"old": Counter(t for _, t in old), "new": Counter(t for _, t in new)}
    old_sections, new_sections = sections(old_text), sections(new_text)
    quoted_by: dict[str, list[str]] = {}
    for quote in quotes:
        quoted_by.setdefault(normalise(quote.text), []).extend(quote.clauses)
    lines = []
    matcher = difflib.SequenceMatcher(a=[t for _, t in old], b=[t for _, t in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for kind, side, found, start, stop in (("old", old, old_sections, i1, i2), ("new", new, new_sections, j1, j2)):
            for number, text in side[start:stop]:
                owner, where = _owner(number, found)
                if owner == NO_CLAUSE and counts[kind][text] == 1:
                    quoting = sorted({c for q, cs in quoted_by.items() if found_as_line(q, [text]) for c in cs})
                    owner = quoting[0] if quoting else owner
                lines.append(ChangedLine(kind, number, text, owner, where))
    return lines


def _own_lines(section: Section) -> list[str]:
    """A section's own lines (up to its first subsection), normalised."""
    own = []
    for line in section.body:
        if _HEADING.match(line):
            break
        own.append(line)
    return _meaningful(own)


def new_sections(old_text: str, new_text: str, quotes: list[Quote]) -> list[Section]:
    """Sections of the new version that the old lacks and that no feature quotes by a line of their own: a line
    found once in the whole document, not one such as "Official Answer:" that many sections share."""
    counts = Counter(_meaningful(new_text.splitlines()))
    quoted = [normalise(q.text) for q in quotes]
    old_titles = {_key(s.title) for s in sections(old_text)}
    found = []
    for section in sections(new_text):
        if _key(section.title) in old_titles:
            continue
        distinctive = [line for line in _own_lines(section) if counts[line] == 1]
        if not any(found_as_line(q, distinctive) for q in quoted):
            found.append(section)
    return found


def diff(old: Path, new: Path, features_dir: Path) -> SpecDiff:
    old_text, new_text = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
    result = SpecDiff(old, new)
    new_lines = [normalise(line) for line in new_text.splitlines()]
    quotes = feature_quotes_with_scenarios(features_dir)
    result.gone_quotes = [q for q in quotes if not found_as_line(normalise(q.text), new_lines)]
    result.lines = changed_lines(old_text, new_text, quotes)
    old_sections, later = sections(old_text), sections(new_text)
    result.gone_sections = [
        c.id for c in CLAUSES if section_of(c, old_sections) is not None and section_of(c, later) is None
    ]
    result.new_sections = new_sections(old_text, new_text, quotes)
    return result


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _owner_text(line: ChangedLine, titles: dict[str, str]) -> str:
    return titles.get(line.owner, f"{NO_CLAUSE} ({line.where})")


def render(result: SpecDiff) -> str:
    titles = {c.id: f"{c.id} {c.title}" for c in CLAUSES}
    out = [f"spec diff: {_shown(result.old)} → {_shown(result.new)}", ""]

    out.append(f"Quotes that no longer stand in the new version: {len(result.gone_quotes)}")
    for quote in result.gone_quotes:
        out.append(f"  {_shown(quote.file)}:{quote.line}: {quote.text}")
        for clause, name in quote.scenarios:
            out.append(f"      scenario {clause} {name!r}")
    out.append("")

    out.append(f"Lines changed: {len(result.lines)} (each with its owner: a clause, or {NO_CLAUSE})")
    for line in result.lines:
        out.append(f"  {line.kind} line {line.line}, {_owner_text(line, titles)}: {line.text}")
    out.append("")

    out.append(f"New sections no scenario quotes: {len(result.new_sections)}")
    for section in result.new_sections:
        out.append(f"  line {section.line}: {'#' * section.level} {section.title} (under {section.parent}; no clause)")
    out.append("")

    out.append(f"Clauses whose section changed: {len(result.changed) + len(result.gone_sections)}")
    out += [f"  {titles[clause]}: the section is gone" for clause in result.gone_sections]
    for clause, (gone, added) in result.changed.items():
        out.append(f"  {titles[clause]}:")
        out += [f"      old: {line}" for line in gone]
        out += [f"      new: {line}" for line in added]
    out.append("")

    verdicts = result.not_verified()
    out.append(f'Clauses "not verified" until the features follow: {len(verdicts)}')
    out += [f"  {titles.get(clause, clause)}: {'; '.join(why)}" for clause, why in verdicts.items()]
    if result.new_sections or result.unowned:
        out.append(
            f"  and no clause yet for the new sections and the {len(result.unowned)} line(s) no clause owns "
            "(support/clauses.py)"
        )
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
    return 1 if result.anything else 0


if __name__ == "__main__":
    sys.exit(main())
