"""The CI's steps about a finished run, read from its results and logs/run.json: `summary` (the clause table),
`artifacts` (reports/ci/artifacts/), `outcome` (its exit code), `release-tag` (signoff-<sw_version>), `publish`
(the report, sign-off sheet and Xray file from the results alone, on any machine).
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from tools.common.console import plain_text_where_needed
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, ROOT, RunLayout
from tools.run.outcome import Exit
from tools.verdicts.clause_verdict import judge
from tools.verdicts.run_header import UNKNOWN, RunHeader

EXIT_MEANINGS: dict[int, str] = {
    Exit.GREEN: "green: every scenario that ran passed",
    Exit.PRODUCT_DEFECT: "product defect: the target does not do what the clarifications say",
    Exit.BROKEN_ENVIRONMENT: "broken environment: the target was not reached or lacks a precondition; no verdict",
    Exit.SUITE_DEFECT: "suite defect: an error in the suite itself; the results cannot be trusted",
    Exit.NOT_VERIFIED: "not verified: some clause could not be judged (not run, skipped or broken)",
    Exit.INTERRUPTED: "interrupted: the run was stopped before its end",
}
# At the artifact's top the single-file report as index.html with the pages beside it, then these, from reports/.
REPORT_PAGES = ("index.html", "clarifications.html", "living-docs.html", "traceability.html", "traceability.md")
ARTIFACTS = ("signoff.pdf", "junit", "xray", "ci/summary.md")


def exit_meaning(code: int) -> str:
    return EXIT_MEANINGS.get(code, "unknown exit code")


def noted(layout: RunLayout) -> dict:
    """The runner's logs/run.json; {} when the run did not write it."""
    with contextlib.suppress(OSError, ValueError):
        if isinstance(found := json.loads(layout.facts.read_text(encoding="utf-8")), dict):
            return found
    return {}


class RunFacts(NamedTuple):
    header: RunHeader
    target_name: str  # "stand", or the deployment's name (the GitHub environment's)
    exit_code: int | None  # None: the runner did not record it

    @classmethod
    def of(cls, layout: RunLayout) -> RunFacts:
        facts = noted(layout)
        header = RunHeader.of(layout.results, facts.get("profile") or None)
        name = facts.get("target_name") or os.environ.get("ACCEPTANCE_TARGET") or facts.get("target") or header.target
        code = facts.get("exit_code")
        return cls(header, str(name), code if isinstance(code, int) else None)

    def describe(self) -> str:
        """`nightly on staging (job API)`, `quick on stand (both APIs)`."""
        shape = {"both": " (both APIs)", UNKNOWN: ""}.get(self.header.shape, f" ({self.header.shape} API)")
        return f"{self.header.profile} on {self.target_name}{shape}"


def _cell(text: str) -> str:
    """GitHub renders HTML in a summary: a failure message's `<img src=…>` is escaped, never rendered."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def summary(layout: RunLayout, features: Path = FEATURES) -> str:
    """The clause table of the run (the verdicts of tools/verdicts/clause_verdict.py) and what its exit code means."""
    facts = RunFacts.of(layout)
    code, header = facts.exit_code, facts.header
    said = f"exit {code}: {exit_meaning(code).split(':')[0]}" if code is not None else "exit code not recorded"
    out = [f"## Acceptance: {_cell(facts.describe())} — {said}", ""]
    if header.profile != "nightly":
        out += [f"_Profile {header.profile}: not a sign-off run (only the nightly profile runs every scenario)._", ""]
    out += ["| Clause | Scenarios passed/run | Verdict |", "|---|---|---|"]
    for row in judge(layout.results, header.profile, features_dir=features):
        counts = f"{row.passed}/{row.run}" + (f" ({row.not_run} not run)" if row.not_run else "")
        counts += f" ({len(row.not_offered)} not offered: {row.not_offered_why()})" if row.not_offered else ""
        verdict = row.verdict.value + (f" ({row.reason})" if row.reason else "")
        out.append(f"| {row.id} {_cell(row.heading)} | {_cell(counts)} | {_cell(verdict)} |")
    server, repo, sha = (os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    docs = f"{server}/{repo}/blob/{sha}/README.md#in-ci" if server and repo and sha else "README.md#in-ci"
    out += [
        "",
        f"Product version `{_cell(header.sw_version)}`, suite commit `{_cell(header.commit)}`. Clarifications judged: "
        f"{_cell(header.spec.date)} (sha256 `{header.spec.short}`). The job ends with this exit code; what each "
        f"means, and the artifacts: [README, In CI]({docs}).",
    ]
    return "\n".join(out) + "\n"


def artifacts(layout: RunLayout) -> int:
    """Copy the run's deliverables into reports/ci/artifacts/, one folder whose every link works offline."""
    out = layout.base / "ci" / "artifacts"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for path in (*sorted(layout.single_file.glob("*.*")), *(layout.base / name for name in ARTIFACTS)):
        if path.is_dir() and any(path.iterdir()):
            shutil.copytree(path, out / path.name)
        elif path.is_file():
            shutil.copy2(path, out / path.name)
    facts = noted(layout)
    if isinstance(facts.get("exit_code"), int):
        facts["meaning"] = exit_meaning(facts["exit_code"])
        (out / "outcome.json").write_text(json.dumps(facts, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    wanted = [*REPORT_PAGES, "junit", "summary.md", "outcome.json"]  # a sign-off PDF and an Xray file may be none
    print(f"artifacts in {out}: {', '.join(sorted(path.name for path in out.iterdir())) or 'none'}")
    if missing := [name for name in wanted if not (out / name).exists()]:  # the outcome step says why
        print(f"missing: {', '.join(missing)} (the run ended before writing them; see its exit code)")
    return 0


def outcome(layout: RunLayout) -> int:
    facts = RunFacts.of(layout)
    if facts.exit_code is None:
        print(f"no outcome recorded in {layout.facts}: the run did not get to its end (see the steps above)")
        return int(Exit.SUITE_DEFECT)
    print(f"acceptance ({facts.describe()}) ended with exit {facts.exit_code}: {exit_meaning(facts.exit_code)}")
    return facts.exit_code


def release_tag(layout: RunLayout) -> int:
    """Print `signoff-<sw_version>`, the release that keeps the sign-off sheets of that product version."""
    version = RunHeader.of(layout.results).sw_version
    if version == UNKNOWN or not (tag := re.sub(r"[^A-Za-z0-9._-]+", "_", version).strip("_")):
        print(f"no product version recorded in {layout.results}: no release for this run", file=sys.stderr)
        return 1
    print(f"signoff-{tag}")
    return 0


def publish(layout: RunLayout, features: Path = FEATURES, pdf: bool = True) -> int:
    """Each builder's command in turn, one that fails not stopping the next; the worst exit code of theirs."""
    if not layout.results.is_dir():
        print(f"publish: no results in {layout.results}: nothing to build (did the run's artifact land here?)")
        return 2
    facts = RunFacts.of(layout)
    code = f"exit {facts.exit_code}, {exit_meaning(facts.exit_code)}" if facts.exit_code is not None else "no exit"
    print(f"publish: the results of {facts.describe()} ({code}), in {layout.base}", flush=True)
    where, worst = ["--base", str(layout.base), "--features", str(features)], 0
    for what, command in (
        ("report", ["tools.report.build", *where]),
        ("sign-off sheet", ["tools.verdicts.signoff", *where[:2], *([] if pdf else ["--no-pdf"])]),  # over features/
        ("Xray file", ["tools.ci.xray", "build", *where]),
    ):
        done = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            print(f"publish: the {what} failed (exit {done.returncode}); the others are built regardless", flush=True)
        worst = max(worst, done.returncode)
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    plain_text_where_needed()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["summary", "artifacts", "outcome", "release-tag", "publish"])
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base)
    parser.add_argument("--features", type=Path, default=FEATURES)
    summary_page = os.environ.get("GITHUB_STEP_SUMMARY") or None  # GitHub's job summary page, when it sets it
    parser.add_argument("--out", type=Path, default=summary_page, help="summary: append it here, not print it")
    parser.add_argument("--no-pdf", action="store_true", help="publish: the sign-off sheet in HTML only (no browser)")
    args = parser.parse_args(argv)
    layout, features = RunLayout(args.base.resolve()), args.features.resolve()
    if args.step == "summary":  # kept in reports/ci/summary.md too
        text, kept = summary(layout, features), layout.base / "ci" / "summary.md"
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(text, encoding="utf-8")
        if args.out:
            with args.out.open("a", encoding="utf-8") as page:
                page.write(text)
        print(f"summary: {args.out} (and {kept})" if args.out else text)
        return 0
    if args.step == "publish":
        return publish(layout, features, not args.no_pdf)
    return {"artifacts": artifacts, "outcome": outcome, "release-tag": release_tag}[args.step](layout)


if __name__ == "__main__":
    sys.exit(main())
