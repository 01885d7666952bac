"""Review view (`make review`): the feature files changed since a base (`git show BASE:path`) against the working
tree, as the living docs show them, side by side; what the change breaks before anything runs (a step no definition
matches, a quote or tag the quote lint rejects: exit 1) and each clause's coverage before and after. Writes
reports/review/review.html and review.md (a CI job summary); exit 2 on a base git does not know."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from behave.model import Feature, Scenario, ScenarioOutline
from behave.parser import ParserError, parse_feature

from support.clauses import BY_ID, CLAUSES, SPEC_PAGE, Clause, case_of_tags, clause_of_tags
from tools.common.catalogue import SLOW_TAG, step_definitions
from tools.common.html_page import esc, page, status_badge
from tools.common.layout import CLARIFICATIONS, ROOT
from tools.common.quote_html import feature_quotes, quote_html, split_description
from tools.report.living_docs import scenario_html
from tools.specs.quote_lint import Finding, check_quotes, check_tags

KINDS = ("changed", "added", "removed")
STYLE = """<style>
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; margin: .6rem 0 1.4rem; }
.side { font-size: .8rem; font-weight: 700; color: #6b7280; text-transform: uppercase; }
.none { padding: 1rem; border: 1px dashed #d1d5db; border-radius: .4rem; color: #9ca3af; }
.status.added { background: #16a34a; } .status.removed { background: #dc2626; } .status.changed { background: #d97706; }
.status.touched { background: #7c3aed; } td.moved { font-weight: 700; }
pre.diff span { display: block; min-height: 1em; } pre.diff .add { color: #166534; background: #dcfce7; }
pre.diff .del { color: #991b1b; background: #fee2e2; }
</style>"""


class ReviewError(Exception):
    """A base that git does not know, or no git repository: one clear line."""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, encoding="utf-8")
    if done.returncode != 0:
        raise ReviewError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def resolve_base(repo: Path, base: str) -> str:
    """The base as given, else its remote-tracking twin (`main` → `origin/main`, as a CI checkout has it)."""
    for candidate in (base, f"origin/{base}"):
        with contextlib.suppress(ReviewError):
            return git(repo, "rev-parse", "-q", "--verify", f"{candidate}^{{commit}}") and candidate
    raise ReviewError(f"no such base {base!r} in {repo} (fetch it, or pass BASE=<branch or commit>)")


def features(repo: Path, base: str | None) -> dict[str, Feature]:
    """The feature files of the base commit, or of the working tree (None), by path."""
    if base is None:
        found = {
            p.relative_to(repo).as_posix(): p.read_text(encoding="utf-8")
            for p in (repo / "features").rglob("*.feature")
        }
    else:
        names = git(repo, "ls-tree", "-r", "--name-only", base, "--", "features").splitlines()
        found = {name: git(repo, "show", f"{base}:{name}") for name in names if name.endswith(".feature")}
    try:
        return {name: parse_feature(text, filename=name) for name, text in sorted(found.items())}
    except ParserError as error:
        raise ReviewError(f"not valid Gherkin: {error}") from error


def gherkin(scenario: Scenario) -> list[str]:
    """The scenario as Gherkin lines, from behave's model: what a change of it is judged on."""
    lines = [" ".join(f"@{t}" for t in scenario.tags), f"{scenario.keyword}: {scenario.name}"]
    lines += [f"  {line}" for line in scenario.description]
    for step in scenario.steps:
        lines.append(f"    {step.keyword} {step.name}")
        lines += [f"      | {' | '.join(r)} |" for r in ([step.table.headings, *step.table.rows] if step.table else [])]
        lines += [f'      """{step.text}"""'] if step.text else []
    for examples in getattr(scenario, "examples", []):
        lines.append(f"    {examples.keyword}: {examples.name}")
        lines += [f"      | {' | '.join(row)} |" for row in [examples.table.headings, *examples.table.rows]]
    return lines


@dataclass(frozen=True)
class Side:
    """One version of a scenario as written (an outline once): the scenario, its feature and its file."""

    scenario: Scenario
    feature: Feature
    file: str

    @property
    def clause(self) -> Clause | None:
        return clause_of_tags([*self.scenario.tags, *self.feature.tags])

    def quote(self) -> list[str]:
        """The clause's quote as the scenario carries it: its own quote lines, else its feature's for the clause."""
        return split_description(self.scenario.description)[0] or feature_quotes(self.clause, self.feature.description)


@dataclass(frozen=True)
class Change:
    kind: str  # added, removed, changed
    old: Side | None
    new: Side | None

    @property
    def side(self) -> Side:
        return self.new or self.old  # type: ignore[return-value]  # one of them is there


def sides(found: dict[str, Feature], files: Sequence[str]) -> dict[str, Side]:
    """The scenarios of these files by their `@case-` slug (by file and title without one)."""
    every = [Side(s, found[name], name) for name in files if name in found for s in found[name].walk_scenarios(True)]
    written = [s for s in every if isinstance(s.scenario, ScenarioOutline) or not getattr(s.scenario, "_row", None)]
    return {case_of_tags(list(s.scenario.tags)) or f"{s.file}:{s.scenario.name}": s for s in written}


def _coverage(tags: list[list[str]]) -> str:
    n, slow = len(tags), sum(SLOW_TAG in each for each in tags)
    apis = Counter(next((t[4:] for t in each if t in ("api-task", "api-job")), "either") for each in tags)
    api = ", ".join(f"{name} {apis[name]}" for name in ("task", "job", "either") if apis[name])
    return f"{n} scenario{'s' * (n > 1)} · API: {api} · quick {n - slow}, nightly only {slow}" if n else "no scenario"


def coverage(found: dict[str, Feature]) -> dict[str, str]:
    """Each clause's scenarios as behave runs them (an outline row by row): the APIs they need and the profiles."""
    runs = [list(s.effective_tags) for feature in found.values() for s in feature.walk_scenarios()]
    of = [(clause.id if (clause := clause_of_tags(tags)) else None, tags) for tags in runs]
    return {c.id: _coverage([tags for owner, tags in of if owner == c.id]) for c in CLAUSES}


def breaks(repo: Path, files: Sequence[str], changes: Sequence[Change]) -> list[Finding]:
    """What the change breaks: steps no definition matches (of the added and changed scenarios); quotes that are no
    line of the clarifications and missing or unknown tags (of the changed files, as the quote lint finds them)."""
    definitions = step_definitions(repo / "steps" if (repo / "steps").is_dir() else ROOT / "steps")
    found: dict[tuple, Finding] = {}
    for s in (c.new for c in changes if c.new is not None):
        for step in (step for each in getattr(s.scenario, "scenarios", None) or [s.scenario] for step in each.steps):
            matching = [*definitions.get(step.step_type, []), *definitions.get("step", [])]
            if not any(d.match(step.name) for d in matching):
                said = f'{s.scenario.name}: no step definition matches "{step.keyword} {step.name}"'
                found.setdefault((s.file, step.line, step.name), Finding(Path(s.file), step.line, said))
    paths = [repo / name for name in files if (repo / name).is_file()]
    for f in [*check_quotes(paths, CLARIFICATIONS), *check_tags(paths)[0]]:
        found[(f.path, f.line, f.message)] = Finding(f.path.relative_to(repo), f.line, f.message)
    return sorted(found.values(), key=lambda b: (b.path, b.line))


@dataclass(frozen=True)
class Review:
    base: str
    base_commit: str
    head: str  # HEAD's short commit, "+ working tree" when uncommitted changes are reviewed
    files: tuple[str, ...]
    changes: tuple[Change, ...]
    before: dict[str, str]  # clause id → its coverage
    after: dict[str, str]
    breaks: tuple[Finding, ...]  # what the change breaks, before anything runs

    def of_clause(self, clause_id: str | None) -> list[Change]:
        mine = [c for c in self.changes if (c.side.clause.id if c.side.clause else None) == clause_id]
        return sorted(mine, key=lambda c: KINDS.index(c.kind))

    @property
    def touched(self) -> list[str]:
        """Clause ids with a change or whose coverage moved, in spec order."""
        ids = {c.side.clause.id for c in self.changes if c.side.clause}
        ids |= {i for i in self.before if self.before[i] != self.after[i]}
        return [clause.id for clause in CLAUSES if clause.id in ids]

    def counts(self) -> str:
        return ", ".join(f"{sum(c.kind == kind for c in self.changes)} {kind}" for kind in KINDS)


def build(repo: Path = ROOT, base: str = "main") -> Review:
    base = resolve_base(repo, base)
    names = git(repo, "diff", "--name-only", "--no-renames", base, "--", "features").splitlines()
    names += git(repo, "ls-files", "--others", "--exclude-standard", "--", "features").splitlines()
    files = sorted({name for name in names if name.endswith(".feature")})
    old_all, new_all = features(repo, base), features(repo, None)
    old, new = sides(old_all, files), sides(new_all, files)
    changes = [Change("added", None, s) for key, s in new.items() if key not in old]
    changes += [
        Change("changed", old[key], s)
        for key, s in new.items()
        if key in old and (gherkin(old[key].scenario) != gherkin(s.scenario) or old[key].quote() != s.quote())
    ]
    changes += [Change("removed", s, None) for key, s in old.items() if key not in new]
    head = git(repo, "rev-parse", "--short", "HEAD").strip()
    head += " + working tree" if git(repo, "status", "--porcelain", "--", "features").strip() else ""
    base_commit = git(repo, "rev-parse", "--short", base).strip()
    found = tuple(breaks(repo, files, changes))
    return Review(base, base_commit, head, tuple(files), tuple(changes), coverage(old_all), coverage(new_all), found)


def _side(side: Side | None, label: str, css: str, missing: str) -> str:
    # Clause tags link to the clarifications page of the report; here, to the clause's part of this page.
    shown = scenario_html(side.scenario).replace(f'href="{SPEC_PAGE}#', 'href="#') if side else ""
    where = f" · {esc(side.file)}:{side.scenario.line}" if side else ""
    shown = shown or f'<div class="none">{missing}</div>'
    return f'<div class="{css}"><div class="side">{esc(label)}{where}</div>{shown}</div>'


def _change(change: Change, review: Review) -> str:
    quote = ""
    if not split_description(change.side.scenario.description)[0]:  # it carries its feature's quote: shown here
        quote = f'<p class="muted">Its feature\'s quote of the clause:</p>{quote_html(change.side.quote())}'
    diff = ""
    if change.old and change.new:
        lines = list(difflib.unified_diff(gherkin(change.old.scenario), gherkin(change.new.scenario), lineterm="", n=1))
        shown = "".join(f'<span class="{ {"+": "add", "-": "del"}.get(x[:1], "") }">{esc(x)}</span>' for x in lines[2:])
        diff = f'<details open><summary>What changed (Gherkin)</summary><pre class="diff">{shown}</pre></details>'
    pair = _side(change.old, f"base ({review.base})", "old", "not in the base")
    pair += _side(change.new, "new", "new", "removed by this change")
    title = f"<h3>{status_badge(change.kind)} {esc(change.side.scenario.name)}</h3>"
    return f'<div class="change change-{change.kind}">{title}{quote}<div class="pair">{pair}</div>{diff}</div>'


def render_html(review: Review) -> str:
    broken = '<p class="banner valid">Nothing found broken before running: steps defined, quotes and tags right.</p>'
    if review.breaks:  # a step no definition matches leaves its scenario undefined: it proves nothing
        listed = "".join(f"<li>{esc(str(b))}</li>" for b in review.breaks)
        said = f"<p><b>{len(review.breaks)} thing(s) this change breaks</b>:</p><ul>{listed}</ul>"
        broken = f'<div class="breaks banner invalid">{said}</div>'
    body = [
        STYLE,
        "<h1>Review: the acceptance specs changed</h1>",
        f"<p>Base <b>{esc(review.base)}</b> ({esc(review.base_commit)}) → new <b>{esc(review.head)}</b>. Feature files "
        f"changed: {', '.join(review.files) or 'none'}.</p><h2>What this change breaks</h2>{broken}",
        f"<p><b>Scenarios: {esc(review.counts())}.</b> Each as the living documentation shows it (clause, quote of the "
        "clarifications, tags): the base on the left, this change on the right.</p>",
        "<h2>Coverage of each clause, before and after</h2><p class=muted>Scenarios as behave runs them (an outline "
        "row by row); API: the API each needs; quick: run by the quick profile (a pull request's); nightly only: @slow",
        "<table><tr><th>Clause</th><th>Heading</th><th>Before (base)</th><th>After (this change)</th></tr>",
    ]
    for clause in CLAUSES:
        before, after, touched = review.before[clause.id], review.after[clause.id], clause.id in review.touched
        link = f'<a class="clause-id" href="#{clause.anchor}">{clause.id}</a> ' + status_badge("touched") * touched
        moved = " class=moved" * (before != after)
        body.append(f"<tr><td>{link}</td><td>{esc(clause.title)}</td><td>{esc(before)}</td><td{moved}>{esc(after)}")
    body.append("</table>")
    for clause_id in [*review.touched, None]:
        clause, changes = BY_ID.get(clause_id or ""), review.of_clause(clause_id)
        if clause is not None:
            said = f"{esc(clause.section)} · official answer: “{esc(clause.answer)}”"
            body.append(f'<h2 id="{clause.anchor}">{clause.id} {esc(clause.title)}</h2><p class="muted">{said}</p>')
        elif changes:
            body.append("<h2>Scenarios without a clause</h2>")
        unchanged = ['<p class="muted">No scenario of it changed.</p>'] * (clause is not None)
        body += [_change(change, review) for change in changes] or unchanged
    return page("Review of the specs", "\n".join(body))


def render_markdown(review: Review) -> str:
    said = f"{len(review.files)} feature file(s), scenarios: {review.counts()}. The whole review: `review.html`."
    lines = [f"### Specs changed since {review.base} ({review.base_commit})", "", said, ""]
    broken = [f"**What this change breaks ({len(review.breaks)})**, found before anything runs:", ""]
    broken += [*(f"- {str(b).replace('|', '/')}" for b in review.breaks), ""]
    lines += broken if review.breaks else ["Nothing found broken before running (steps defined, quotes standing).", ""]
    if review.changes:
        lines += ["| Clause | Change | Scenario |", "|---|---|---|"]
        for change in (c for clause_id in [*review.touched, None] for c in review.of_clause(clause_id)):
            clause = f"{change.side.clause.id} {change.side.clause.title}" if change.side.clause else "(no clause)"
            lines.append(f"| {clause} | {change.kind} | {change.side.scenario.name.replace('|', '/')} |")
        lines.append("")
    if review.touched:
        lines += ["| Clause | Coverage before | Coverage after |", "|---|---|---|"]
        for i in review.touched:
            before, after = review.before[i], review.after[i]
            lines.append(f"| {i} | {before} | {after if before == after else f'**{after}**'} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.specs.review", description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="branch or commit to compare with (default: main)")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the repository (default: this one)")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: REPO/reports/review)")
    parser.add_argument("--summary", type=Path, default=None, help="append the short version to this file")
    parser.add_argument("--copy-to", type=Path, default=None, help="copy review.html into this folder too")
    parser.add_argument("--fetch", action="store_true", help="fetch the base branch from origin first (CI)")
    args = parser.parse_args(argv)
    try:
        if args.fetch:  # a CI checkout holds the pull request's commit alone
            refspec = f"+refs/heads/{args.base}:refs/remotes/origin/{args.base}"
            git(args.repo, "fetch", "--no-tags", "--depth=1", "origin", refspec)
        review = build(args.repo.resolve(), args.base)
    except ReviewError as error:
        print(f"review: {error}", file=sys.stderr)
        return 2
    out = args.out or args.repo / "reports" / "review"
    for folder in (out, *([args.copy_to] if args.copy_to else [])):  # --copy-to: the CI's artifacts
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "review.html").write_text(render_html(review), encoding="utf-8")
    (out / "review.md").write_text(render_markdown(review), encoding="utf-8")
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(render_markdown(review))
    print(f"review: {len(review.files)} feature file(s) changed since {review.base}, scenarios {review.counts()}")
    print("".join(f"review: BROKEN {b}\n" for b in review.breaks) + f"review: {out / 'review.html'} and review.md")
    return 1 if review.breaks else 0


if __name__ == "__main__":
    sys.exit(main())
