"""Spec diff (`make spec-diff NEW=new.md`): what a new version of the clarifications does to the specs. Lists each quote
that no longer stands (with its scenarios), each changed line with the clause whose section holds it (or none, and
where), each new section no scenario quotes by a line of its own, and the clauses "not verified" until the features
follow. Exit 1 when the new version says anything new, 2 on bad input."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from support.clauses import BY_ID, CLAUSES
from tools.common.catalogue import scenarios
from tools.common.layout import CLARIFICATIONS, FEATURES, ROOT
from tools.common.quote_html import feature_quotes, split_description
from tools.specs.quote_lint import found_as_line, normalise, quote_lines, shown

NO_CLAUSE = "no clause"
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    line: int  # of its heading, 1-based
    end: int  # its last line (subsections included)
    path: str  # the headings holding it, below the document's title ("2️⃣ SLA … › Job Cancellation")


def sections(text: str) -> list[Section]:
    """The markdown sections of a document; a `#` inside a fenced code sample is code, not a heading."""
    lines, heads, inside = text.splitlines(), [], False
    for number, line in enumerate(lines, start=1):
        inside ^= line.lstrip().startswith("```")
        if not inside and (match := _HEADING.match(line)):
            heads.append((number, len(match[1]), match[2].strip()))
    found: list[Section] = []
    for n, (number, level, title) in enumerate(heads):
        end = next((at - 1 for at, lv, _ in heads[n + 1 :] if lv <= level), len(lines))
        around = [s.title for s in found if s.line < number <= s.end and 1 < s.level < level]
        found.append(Section(level, title, number, end, " › ".join([*around, title]) if level > 1 else ""))
    return found


def _key(title: str) -> str:
    return normalise(title).casefold()


def clause_of(line: int, found: list[Section]) -> tuple[str, str]:
    """(the clause whose section holds this line, else NO_CLAUSE; the sections that hold it)."""
    holders = [s for s in found if s.line < line <= s.end]
    by_title = {_key(c.title): c.id for c in CLAUSES}
    owner = next((by_title[_key(s.title)] for s in reversed(holders) if _key(s.title) in by_title), NO_CLAUSE)
    return owner, (holders[-1].path if holders else "") or "(before any section)"


def _meaningful(text: str) -> list[tuple[int, str]]:
    """The document's lines as compared (normalised; blank lines and rules left out), with their numbers."""
    return [(n, said) for n, line in enumerate(text.splitlines(), 1) if (said := normalise(line)) not in ("", "---")]


@dataclass(frozen=True)
class SpecDiff:
    gone_quotes: list[tuple[str, str, list[str]]]  # (file:line, the quote, "<clause> '<scenario>'" of each it serves)
    lines: list[tuple[str, int, str, str, str]]  # (old or new, its line, its text, its clause or NO_CLAUSE, where)
    new_sections: list[Section]  # new, and no feature quotes a line of their own
    gone_sections: list[str]  # clause ids whose section the new version lacks

    def not_verified(self) -> dict[str, list[str]]:
        """Clause id → why its verdict would be "not verified" until the features follow the new version."""
        why = [
            (c.split()[0], "its scenarios quote lines no longer in the new version")
            for q in self.gone_quotes
            for c in q[2]
        ]
        why += [(c, "its section is gone from the new version") for c in self.gone_sections]
        why += [(line[3], "its section's text changed: its scenarios check the old text") for line in self.lines]
        found = {c.id: list(dict.fromkeys(r for clause, r in why if clause == c.id)) for c in CLAUSES}
        return {clause: reasons for clause, reasons in found.items() if reasons}


def diff(old: Path, new: Path, features_dir: Path) -> SpecDiff:
    old_text, new_text = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
    serves: dict[str, list[str]] = {}  # a quote line → the scenarios it stands for (its own, its feature's clause's)
    for s in scenarios(features_dir, ROOT):
        quoted = feature_quotes(BY_ID.get(s.spec or ""), s.feature_description)
        for line in [*split_description(s.description)[0], *quoted]:
            serves.setdefault(normalise(line), []).append(f"{s.spec} {s.name!r}")
    new_lines = [normalise(line) for line in new_text.splitlines()]
    gone = [
        (f"{shown(path)}:{number}", text.strip(), list(dict.fromkeys(serves.get(normalise(text), []))))
        for path in sorted(features_dir.rglob("*.feature"))
        for number, text in quote_lines(path)
        if not found_as_line(normalise(text), new_lines)
    ]
    before, after = _meaningful(old_text), _meaningful(new_text)
    old_sections, new_sections = sections(old_text), sections(new_text)
    lines = []
    matcher = difflib.SequenceMatcher(a=[t for _, t in before], b=[t for _, t in after], autojunk=False)
    for _, i1, i2, j1, j2 in (op for op in matcher.get_opcodes() if op[0] != "equal"):
        lines += [("old", n, text, *clause_of(n, old_sections)) for n, text in before[i1:i2]]
        lines += [("new", n, text, *clause_of(n, new_sections)) for n, text in after[j1:j2]]
    # A new section is quoted only by a line of its own: one found once in the document, not "Official Answer:".
    counts, old_titles = Counter(t for _, t in after), {_key(s.title) for s in old_sections}
    unquoted = []
    for section in (s for s in new_sections if _key(s.title) not in old_titles):
        own = [t for n, t in after if section.line < n <= section.end and counts[t] == 1]
        if not any(found_as_line(quote, own) for quote in serves):
            unquoted.append(section)
    titles = {_key(s.title) for s in new_sections}
    missing = [c.id for c in CLAUSES if _key(c.title) in old_titles and _key(c.title) not in titles]
    return SpecDiff(gone, lines, unquoted, missing)


def render(old: Path, new: Path, result: SpecDiff) -> str:
    out = [f"spec diff: {shown(old)} → {shown(new)}", ""]
    out.append(f"Quotes that no longer stand in the new version: {len(result.gone_quotes)}")
    for where, quote, serving in result.gone_quotes:
        out += [f"  {where}: {quote}", *(f"      scenario {s}" for s in serving)]
    changed = dict.fromkeys(line[3] for line in result.lines if line[3] != NO_CLAUSE)
    out += ["", f"Clauses whose section changed: {len(changed) + len(result.gone_sections)}"]
    out += [f"  {clause} {BY_ID[clause].title}: the section is gone" for clause in result.gone_sections]
    for clause in changed:
        out.append(f"  {clause} {BY_ID[clause].title}:")
        out += [f"      {kind} line {n}: {text}" for kind, n, text, owner, _ in result.lines if owner == clause]
    unowned = [line for line in result.lines if line[3] == NO_CLAUSE]
    out += ["", f"Lines changed that no clause owns: {len(unowned)}"]
    out += [f"  {kind} line {n}, {NO_CLAUSE} ({where}): {text}" for kind, n, text, _, where in unowned]
    out += ["", f"New sections no scenario quotes: {len(result.new_sections)}"]
    out += [f"  line {s.line}: {'#' * s.level} {s.title} ({s.path}; no clause)" for s in result.new_sections]
    verdicts = result.not_verified()
    out += ["", f'Clauses "not verified" until the features follow: {len(verdicts)}']
    out += [f"  {clause} {BY_ID[clause].title}: {'; '.join(why)}" for clause, why in verdicts.items()]
    if result.new_sections or unowned:
        out.append(f"  and no clause yet for the new sections and the {len(unowned)} line(s) no clause owns")
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.specs.spec_diff")
    parser.add_argument("--new", type=Path, required=True)
    parser.add_argument("--old", type=Path, default=CLARIFICATIONS)
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--out", type=Path, help="also write the listing to this file")
    args = parser.parse_args(argv)
    missing = [f"no such file {p}" for p in (args.new, args.old, args.features) if not p.exists()]
    if bad := ["say which new version: make spec-diff NEW=path/to/new.md"] * (str(args.new) in ("", ".")) or missing:
        print(f"spec diff: {bad[0]}", file=sys.stderr)
        return 2
    result = diff(args.old, args.new, args.features)
    text = render(args.old, args.new, result)
    print(text, end="")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 1 if result.gone_quotes or result.lines or result.new_sections or result.gone_sections else 0


if __name__ == "__main__":
    sys.exit(main())
