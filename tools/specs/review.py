"""Review view: the feature files changed since a base, as the living docs show them, old and new side by side.

For a pull request that changes the specs, a reviewer who never opens the repository sees each added, removed or
changed scenario with its clause, quote and tags (rendered by tools/report/living_docs.py), the Gherkin lines that
changed, and the coverage of every clause before and after: scenarios per clause, the APIs they need (`@api-task`,
`@api-job`, either) and the profiles that run them (quick, or the nightly only for `@slow`).

Above the changes, what the change breaks, found before anything runs (tools/specs/step_check.py): a step no step
definition matches (the scenario would be undefined, proving nothing), a quote that is no line of the
clarifications, a missing clause or case tag; the command lists them and exits 1.

Writes reports/review/review.html (one self-contained page: no scripts, nothing fetched, links inside the page) and
reports/review/review.md (the short version, for a CI job summary). The base version of a file is read with
`git show BASE:path`; the new one from the working tree, so that uncommitted changes are reviewed too.

Usage: `python -m tools.specs.review [--base main] [--fetch] [--repo DIR] [--out DIR] [--summary FILE] [--copy-to DIR]`.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from behave.model import Feature, Scenario, ScenarioOutline
from behave.parser import ParserError, parse_feature

import tools.common.catalogue  # noqa: F401  (names outline rows as behave does, for the row counts)
from support.clauses import BY_ID, CLAUSES, SPEC_FILE, SPEC_PAGE, Clause, clause_of_tags
from tools.common.catalogue import CASE_PREFIX, SLOW_TAG
from tools.common.html_page import esc, page, status_badge
from tools.common.layout import ROOT
from tools.common.quote_html import feature_quotes, quote_html, split_description
from tools.report.living_docs import scenario_html
from tools.specs.quote_lint import check_quotes
from tools.specs.step_check import Break, breaks

FEATURES = "features"
API_TAGS = {"api-task": "task", "api-job": "job"}
KINDS = ("changed", "added", "removed")

EXTRA_STYLE = """<style>
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; margin: .6rem 0 1.4rem; }
.pair > div > .scenario { margin-top: .2rem; }
.side { font-size: .8rem; font-weight: 700; color: #6b7280; text-transform: uppercase; }
.none { padding: 1rem; border: 1px dashed #d1d5db; border-radius: .4rem; color: #9ca3af; }
.change-added .new .scenario { border: 2px solid #16a34a; background: #f0fdf4; }
.change-removed .old .scenario { border: 2px solid #dc2626; background: #fef2f2; }
.change-changed .old .scenario, .change-changed .new .scenario { border: 2px solid #d97706; }
.status.added { background: #16a34a; } .status.removed { background: #dc2626; } .status.changed { background: #d97706; }
.status.touched { background: #7c3aed; }
.breaks { padding: .4rem .8rem; border: 2px solid #dc2626; background: #fef2f2; border-radius: .4rem; }
.nothing-broken { padding: .4rem .8rem; border: 1px solid #16a34a; background: #f0fdf4; border-radius: .4rem; }
tr.touched td { background: #faf5ff; } td.moved { font-weight: 700; }
pre.diff span { display: block; min-height: 1em; }
pre.diff .add { color: #166534; background: #dcfce7; } pre.diff .del { color: #991b1b; background: #fee2e2; }
</style>"""


class ReviewError(Exception):
    """A base that git does not know, or no git repository: one clear line."""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False, encoding="utf-8"
    )
    if done.returncode != 0:
        raise ReviewError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def resolve_base(repo: Path, base: str) -> str:
    """The base as given, else its remote-tracking twin (`main` → `origin/main`, as a CI checkout has it)."""
    for candidate in (base, f"origin/{base}"):
        try:
            git(repo, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
            return candidate
        except ReviewError:
            continue
    raise ReviewError(f"no such base {base!r} in {repo} (fetch it, or pass BASE=<branch or commit>)")


def fetch_base(repo: Path, base: str) -> None:
    """Fetch the base branch's last commit from origin (a CI checkout holds the pull request's commit alone)."""
    git(repo, "fetch", "--no-tags", "--depth=1", "origin", f"+refs/heads/{base}:refs/remotes/origin/{base}")


def changed_feature_files(repo: Path, base: str) -> list[str]:
    """Feature files that differ between the base and the working tree (untracked new ones included)."""
    names = set()
    for line in git(repo, "diff", "--name-only", "--no-renames", base, "--", FEATURES).splitlines():
        names.add(line.strip())
    for line in git(repo, "ls-files", "--others", "--exclude-standard", "--", FEATURES).splitlines():
        names.add(line.strip())
    return sorted(name for name in names if name.endswith(".feature"))


def _parse(text: str, name: str) -> Feature | None:
    try:
        return parse_feature(text, filename=name)
    except ParserError as error:
        raise ReviewError(f"{name}: not valid Gherkin: {error}") from error


def base_features(repo: Path, base: str) -> dict[str, Feature]:
    listed = git(repo, "ls-tree", "-r", "--name-only", base, "--", FEATURES).splitlines()
    parsed = {}
    for name in sorted(n for n in listed if n.endswith(".feature")):
        feature = _parse(git(repo, "show", f"{base}:{name}"), name)
        if feature is not None:
            parsed[name] = feature
    return parsed


def tree_features(repo: Path) -> dict[str, Feature]:
    parsed = {}
    for path in sorted((repo / FEATURES).rglob("*.feature")):
        name = path.relative_to(repo).as_posix()
        feature = _parse(path.read_text(encoding="utf-8"), name)
        if feature is not None:
            parsed[name] = feature
    return parsed


def written_scenarios(feature: Feature) -> list[Scenario]:
    """The scenarios as written (an outline once, not its rows)."""
    return [
        s
        for s in feature.walk_scenarios(with_outlines=True)
        if isinstance(s, ScenarioOutline) or not getattr(s, "_row", None)
    ]


def case_of(scenario: Scenario) -> str | None:
    return next((t[len(CASE_PREFIX) :] for t in scenario.tags if t.startswith(CASE_PREFIX)), None)


def gherkin_text(scenario: Scenario) -> list[str]:
    """The scenario as Gherkin lines, from behave's model: what a change of it is judged on."""
    lines = [" ".join(f"@{t}" for t in scenario.tags), f"{scenario.keyword}: {scenario.name}"]
    lines += [f"  {line}" for line in scenario.description]
    for step in scenario.steps:
        lines.append(f"    {step.keyword} {step.name}")
        if step.table is not None:
            lines += [f"      | {' | '.join(step.table.headings)} |"]
            lines += [f"      | {' | '.join(row.cells)} |" for row in step.table.rows]
        if step.text:
            lines += [f'      """{step.text}"""']
    for examples in getattr(scenario, "examples", []) or []:
        lines.append(f"    {examples.keyword}: {examples.name}")
        if examples.table is not None:
            lines += [f"      | {' | '.join(examples.table.headings)} |"]
            lines += [f"      | {' | '.join(row.cells)} |" for row in examples.table.rows]
    return lines


@dataclass(frozen=True)
class Side:
    """One version of a scenario: the scenario, its feature and the file it is written in."""

    scenario: Scenario
    feature: Feature
    file: str

    @property
    def clause(self) -> Clause | None:
        return clause_of_tags([*self.scenario.tags, *self.feature.tags])

    @property
    def key(self) -> str:
        return case_of(self.scenario) or f"{self.file}:{self.scenario.name}"

    def quote(self) -> list[str]:
        """The clause's quote as the scenario carries it: its own quote lines, else its feature's for the clause."""
        own, _ = split_description(self.scenario.description)
        return own or feature_quotes(self.clause, self.feature.description)


@dataclass(frozen=True)
class Change:
    kind: str  # added, removed, changed
    old: Side | None
    new: Side | None

    @property
    def current(self) -> Side:
        side = self.new or self.old
        assert side is not None
        return side

    @property
    def clause(self) -> Clause | None:
        return self.current.clause

    @property
    def name(self) -> str:
        return self.current.scenario.name

    def diff(self) -> list[str]:
        old = gherkin_text(self.old.scenario) if self.old else []
        new = gherkin_text(self.new.scenario) if self.new else []
        return list(difflib.unified_diff(old, new, "base", "new", lineterm="", n=1))[2:]


def sides(features: dict[str, Feature], files: Iterable[str]) -> dict[str, Side]:
    found = {}
    for name in files:
        feature = features.get(name)
        for scenario in written_scenarios(feature) if feature else []:
            side = Side(scenario, feature, name)
            found[side.key] = side
    return found


def compare(old: dict[str, Side], new: dict[str, Side]) -> list[Change]:
    """Scenarios matched by their `@case-` slug (by file and title without one); unchanged ones left out."""
    changes = []
    for key, side in new.items():
        before = old.get(key)
        if before is None:
            changes.append(Change("added", None, side))
        elif gherkin_text(before.scenario) != gherkin_text(side.scenario) or before.quote() != side.quote():
            changes.append(Change("changed", before, side))
    changes += [Change("removed", side, None) for key, side in old.items() if key not in new]
    return changes


@dataclass
class Coverage:
    """A clause's scenarios as behave runs them (an outline's rows one by one): APIs needed and profiles."""

    scenarios: int = 0
    apis: dict[str, int] = field(default_factory=dict)  # task / job / either
    slow: int = 0

    @property
    def quick(self) -> int:
        return self.scenarios - self.slow

    def text(self) -> str:
        if not self.scenarios:
            return "no scenario"
        apis = ", ".join(f"{api} {self.apis[api]}" for api in ("task", "job", "either") if self.apis.get(api))
        count = f"{self.scenarios} scenario" + ("s" if self.scenarios > 1 else "")
        return f"{count} · API: {apis} · quick {self.quick}, nightly only {self.slow}"


def coverage(features: Iterable[Feature]) -> dict[str, Coverage]:
    by_clause = {clause.id: Coverage() for clause in CLAUSES}
    for feature in features:
        for scenario in feature.walk_scenarios():
            tags = list(scenario.effective_tags)
            clause = clause_of_tags(tags)
            if clause is None:
                continue
            cell = by_clause[clause.id]
            cell.scenarios += 1
            api = next((API_TAGS[t] for t in tags if t in API_TAGS), "either")
            cell.apis[api] = cell.apis.get(api, 0) + 1
            cell.slow += SLOW_TAG in tags
    return by_clause


@dataclass(frozen=True)
class Review:
    base: str
    base_commit: str
    head: str  # HEAD's short commit, "+ working tree" when uncommitted changes are reviewed
    files: tuple[str, ...]
    changes: tuple[Change, ...]
    before: dict[str, Coverage]
    after: dict[str, Coverage]
    breaks: tuple[Break, ...] = ()  # what the change breaks, found before anything runs (tools/specs/step_check.py)

    def of_clause(self, clause_id: str | None) -> list[Change]:
        order = {kind: n for n, kind in enumerate(KINDS)}
        mine = [c for c in self.changes if (c.clause.id if c.clause else None) == clause_id]
        return sorted(mine, key=lambda c: order[c.kind])

    @property
    def touched(self) -> list[str]:
        """Clause ids with a change or whose coverage moved, in spec order."""
        ids = {c.clause.id for c in self.changes if c.clause} | {
            i for i in self.before if self.before[i].text() != self.after[i].text()
        }
        return [clause.id for clause in CLAUSES if clause.id in ids]

    def counts(self) -> str:
        numbers = {kind: sum(c.kind == kind for c in self.changes) for kind in KINDS}
        return ", ".join(f"{numbers[kind]} {kind}" for kind in KINDS)


def what_breaks(repo: Path, files: Sequence[str], changes: Sequence[Change]) -> list[Break]:
    """Steps no definition matches, missing tags (of the added and changed scenarios), and quotes that are no line
    of the clarifications (of the changed files): what would fail or prove nothing once run."""
    steps_dir = repo / "steps" if (repo / "steps").is_dir() else ROOT / "steps"
    new = [(c.new.scenario, c.new.feature, c.new.file) for c in changes if c.new is not None]
    found = breaks(new, steps_dir)
    paths = [repo / name for name in files if (repo / name).is_file()]
    for finding in check_quotes(paths, ROOT / SPEC_FILE):
        shown = finding.path.relative_to(repo).as_posix()
        found.append(Break(shown, finding.line, "quote", finding.message))
    return sorted(found, key=lambda b: (b.file, b.line))


def build(repo: Path = ROOT, base: str = "main") -> Review:
    base = resolve_base(repo, base)
    files = changed_feature_files(repo, base)
    old_all, new_all = base_features(repo, base), tree_features(repo)
    changes = compare(sides(old_all, files), sides(new_all, files))
    head = git(repo, "rev-parse", "--short", "HEAD").strip()
    if git(repo, "status", "--porcelain", "--", FEATURES).strip():
        head += " + working tree"
    return Review(
        base=base,
        base_commit=git(repo, "rev-parse", "--short", base).strip(),
        head=head,
        files=tuple(files),
        changes=tuple(changes),
        before=coverage(old_all.values()),
        after=coverage(new_all.values()),
        breaks=tuple(what_breaks(repo, files, changes)),
    )


# -- The page


def _local_links(html: str) -> str:
    """Clause tags link to the clarifications page of the report; here, to the clause's part of this page."""
    return html.replace(f'href="{SPEC_PAGE}#', 'href="#')


def _side(side: Side | None, label: str, css: str, missing: str) -> str:
    body = _local_links(scenario_html(side.scenario)) if side else f'<div class="none">{esc(missing)}</div>'
    where = f" · {esc(side.file)}:{side.scenario.line}" if side else ""
    return f'<div class="{css}"><div class="side">{esc(label)}{where}</div>{body}</div>'


def _change(change: Change, review: Review) -> str:
    quote = ""
    own, _ = split_description(change.current.scenario.description)
    if not own:  # the scenario carries its feature's quote: show it, as the report does
        lines = change.current.quote()
        quote = f'<p class="muted">Its feature\'s quote of the clause:</p>{quote_html(lines)}' if lines else ""
    diff = ""
    if change.kind == "changed":
        shown = []
        for line in change.diff():
            css = "add" if line.startswith("+") else "del" if line.startswith("-") else ""
            shown.append(f'<span class="{css}">{esc(line)}</span>')
        diff = (
            f'<details open><summary>What changed (Gherkin)</summary><pre class="diff">{"".join(shown)}</pre></details>'
        )
    return (
        f'<div class="change change-{change.kind}"><h3>{status_badge(change.kind)} {esc(change.name)}</h3>{quote}'
        f'<div class="pair">{_side(change.old, f"base ({review.base})", "old", "not in the base")}'
        f"{_side(change.new, 'new', 'new', 'removed by this change')}</div>{diff}</div>"
    )


def _coverage_table(review: Review) -> str:
    touched = set(review.touched)
    rows = []
    for clause in CLAUSES:
        before, after = review.before[clause.id].text(), review.after[clause.id].text()
        moved = ' class="moved"' if before != after else ""
        mark = status_badge("touched") if clause.id in touched else ""
        rows.append(
            f'<tr class="{"touched" if clause.id in touched else ""}"><td><a class="clause-id" '
            f'href="#{esc(clause.anchor)}">{esc(clause.id)}</a> {mark}</td><td>{esc(clause.title)}</td>'
            f"<td>{esc(before)}</td><td{moved}>{esc(after)}</td></tr>"
        )
    return (
        "<table><tr><th>Clause</th><th>Heading</th><th>Before (base)</th><th>After (this change)</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _clause_section(clause: Clause | None, review: Review) -> str:
    changes = review.of_clause(clause.id if clause else None)
    if clause is None:
        head = "<h2>Scenarios without a clause</h2>"
    else:
        before, after = review.before[clause.id].text(), review.after[clause.id].text()
        head = (
            f'<h2 id="{esc(clause.anchor)}">{esc(clause.id)} {esc(clause.title)}</h2>'
            f'<p class="muted">{esc(clause.section)} · official answer: “{esc(clause.answer)}”</p>'
            f"<p>Coverage before: <b>{esc(before)}</b><br>Coverage after: <b>{esc(after)}</b></p>"
        )
    body = "".join(_change(change, review) for change in changes) or '<p class="muted">No scenario of it changed.</p>'
    return head + body


def _breaks_html(review: Review) -> str:
    if not review.breaks:
        return (
            '<p class="nothing-broken">Nothing found broken before running: every step of the changed scenarios '
            "has a step definition, every quote is a line of the clarifications, every scenario has its tags.</p>"
        )
    items = "".join(
        f"<li><code>{esc(b.file)}:{b.line}</code> <b>{esc(b.scenario)}</b>: {esc(b.what)}</li>" for b in review.breaks
    )
    return (
        f'<div class="breaks"><p><b>{len(review.breaks)} thing(s) this change breaks</b>, found before anything '
        f"runs (a step no definition matches would leave its scenario undefined: it proves nothing):</p>"
        f"<ul>{items}</ul></div>"
    )


def render_html(review: Review) -> str:
    sections = [_clause_section(BY_ID[clause_id], review) for clause_id in review.touched]
    if review.of_clause(None):
        sections.append(_clause_section(None, review))
    files = ", ".join(f"<code>{esc(f)}</code>" for f in review.files) or "none"
    body = [
        EXTRA_STYLE,
        "<h1>Review: the acceptance specs changed</h1>",
        f"<p>Base <b>{esc(review.base)}</b> ({esc(review.base_commit)}) → new <b>{esc(review.head)}</b>. "
        f"Feature files changed: {files}.</p>",
        "<h2>What this change breaks</h2>",
        _breaks_html(review),
        f"<p><b>Scenarios: {esc(review.counts())}.</b> Each is shown as the living documentation shows it: its "
        "clause, its quote of the clarifications (word for word) and its tags; the base on the left, this change "
        "on the right.</p>",
        "<h2>Coverage of each clause, before and after</h2>",
        '<p class="muted">Scenarios as behave runs them (an outline row by row); API: the API each needs '
        "(@api-task, @api-job, either); quick: run by the quick profile (a pull request's), nightly only: @slow.</p>",
        _coverage_table(review),
        *sections,
    ]
    return page("Review of the specs", "\n".join(body))


def render_markdown(review: Review) -> str:
    lines = [
        f"### Specs changed since {review.base} ({review.base_commit})",
        "",
        f"{len(review.files)} feature file(s), scenarios: {review.counts()}. "
        "The whole review (scenarios side by side, as the living docs show them): `review.html` among the artifacts.",
        "",
    ]
    if review.breaks:
        lines += [f"**What this change breaks ({len(review.breaks)})**, found before anything runs:", ""]
        lines += [f"- `{b.file}:{b.line}` {b.scenario.replace('|', '/')}: {b.what}" for b in review.breaks]
        lines.append("")
    else:
        lines += ["Nothing found broken before running (steps defined, quotes standing, tags there).", ""]
    if review.changes:
        lines += ["| Clause | Change | Scenario |", "|---|---|---|"]
        for clause_id in [*review.touched, None]:
            for change in review.of_clause(clause_id):
                clause = f"{change.clause.id} {change.clause.title}" if change.clause else "(no clause)"
                lines.append(f"| {clause} | {change.kind} | {change.name.replace('|', '/')} |")
        lines.append("")
    if review.touched:
        lines += ["| Clause | Coverage before | Coverage after |", "|---|---|---|"]
        for clause_id in review.touched:
            before, after = review.before[clause_id].text(), review.after[clause_id].text()
            lines.append(f"| {clause_id} | {before} | {'**' + after + '**' if before != after else after} |")
    return "\n".join(lines) + "\n"


def write(review: Review, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    html, md = out_dir / "review.html", out_dir / "review.md"
    html.write_text(render_html(review), encoding="utf-8")
    md.write_text(render_markdown(review), encoding="utf-8")
    return html, md


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
        if args.fetch:
            fetch_base(args.repo, args.base)
        review = build(args.repo.resolve(), args.base)
    except ReviewError as error:
        print(f"review: {error}", file=sys.stderr)
        return 2
    html, md = write(review, args.out or args.repo / "reports" / "review")
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(md.read_text(encoding="utf-8"))
    if args.copy_to:
        args.copy_to.mkdir(parents=True, exist_ok=True)
        shutil.copy2(html, args.copy_to / html.name)
    print(f"review: {len(review.files)} feature file(s) changed since {review.base}, scenarios {review.counts()}")
    for broken in review.breaks:
        print(f"review: BROKEN {broken.text()}")
    print(f"review: {html} and {md.name}")
    return 1 if review.breaks else 0


if __name__ == "__main__":
    sys.exit(main())
