"""The sign-off report: Allure 3 (allurerc.mjs) in `reports/allure-report/` and in one file, `allure-report-single/`;
beside each and inside it the pages (clarifications, traceability, living docs, sign-off sheet, the docs they cite).
`reports/history/` keeps Allure's history per target and profile. `python -m tools.report.build [--base reports]`
builds it again from the results there (`make mutation` does), the run keeping one entry in the history.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

from markdown_it import MarkdownIt

from support.clauses import CLAUSES
from tools.common.catalogue import quotes_of, scenarios
from tools.common.html_page import REPORT_LINKS, page
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, MUTATION_MATRIX, ROOT, RunLayout
from tools.report import clarifications_page, living_docs, metrics, report_page, results_view
from tools.verdicts import signoff, traceability
from tools.verdicts.clause_verdict import run_properties

ALLURE_BIN = ROOT / "node_modules" / ".bin" / "allure"
GENERATE = Path(__file__).with_name("generate.mjs")


class ReportFailed(RuntimeError):
    """`allure generate` is missing or failed; the message says which and how to fix it."""


class ReportPaths(NamedTuple):
    index: Path
    single_file: Path
    traceability: Path
    living_docs: Path


# `run`: the runner names the profile and target; the pages are the same for any.
def build_pages(
    layout: RunLayout, features_dir: Path = FEATURES, matrix: Path = MUTATION_MATRIX, **run: str
) -> tuple[Path, Path]:
    """The pages beside the report, from the run's results. Returns (traceability.html, living-docs.html)."""
    pages = layout.pages
    shutil.rmtree(pages, ignore_errors=True)
    planned = scenarios(features_dir, ROOT) if features_dir.is_dir() else []
    clarifications_page.write(pages, quotes={clause.id: quotes_of(clause.id, planned) for clause in CLAUSES})
    md = MarkdownIt("commonmark").enable("table")
    for document, name in traceability.DOCUMENT_PAGES.items():
        if (ROOT / document).is_file():
            body = md.render((ROOT / document).read_text(encoding="utf-8"))
            (pages / name).write_text(page(Path(document).stem, body, REPORT_LINKS), encoding="utf-8")
    html, _ = traceability.write(traceability.build(layout.results, features_dir, matrix), pages)
    # The sign-off sheet beside the report, its evidence links into it; `make signoff` prints it.
    signoff.write_html(signoff.build(layout.results, features_dir, matrix), pages / "signoff.html", "index.html")
    return html, living_docs.write(pages, features_dir, layout.results)


def _one_entry_per_run(history: Path, results: Path) -> None:
    """Allure appends to its history at every generation: a report built again for the same run (after `make
    mutation`, or by hand) first drops what its earlier generations added (noted beside the history, by run id)."""
    run_id, mark = run_properties(results).get("run_id"), history.with_suffix(".run.json")
    lines = history.read_text(encoding="utf-8").splitlines(keepends=True) if history.is_file() else []
    noted = json.loads(mark.read_text(encoding="utf-8")) if mark.is_file() else {}
    if run_id and noted.get("run_id") == run_id:
        history.write_text("".join(lines[: noted["lines"]]), encoding="utf-8")
    else:
        history.parent.mkdir(parents=True, exist_ok=True)
        mark.write_text(json.dumps({"run_id": run_id, "lines": len(lines)}), encoding="utf-8")


def generate(layout: RunLayout, *, profile: str, target: str, features_dir: Path = FEATURES) -> ReportPaths:
    """Build the Allure report and its single-file twin from `layout.results`; the pages must be built already."""
    if not ALLURE_BIN.exists():
        raise ReportFailed(f"{ALLURE_BIN.relative_to(ROOT)} is missing: run `make setup` (npm ci)")
    staging, shown = layout.base / ".allure-staging", layout.base / ".allure-input"
    shutil.rmtree(staging, ignore_errors=True)
    planned = scenarios(features_dir, ROOT) if features_dir.is_dir() else []
    sheet = signoff.build(layout.results, features_dir, profile=profile)
    known = {"FOCUS_REPORT_RESOLUTIONS": results_view.stage(layout.results, shown, planned, sheet)}
    known["FOCUS_REPORT_SLA"] = metrics.write(layout.results, shown)
    history = layout.history / f"history-{target}-{profile}.jsonl"
    _one_entry_per_run(history, layout.results)
    env = {**os.environ, "FOCUS_REPORT_HISTORY": str(history), "FOCUS_REPORT_PAGES": str(layout.pages), "NO_COLOR": "1"}
    env |= {name: str(path) for name, path in known.items() if path}
    command = ["node", str(GENERATE), str(ROOT / "allurerc.mjs"), str(staging), str(shown)]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, stdin=subprocess.DEVNULL, encoding="utf-8"
        )
    finally:
        shutil.rmtree(shown, ignore_errors=True)
    if done.returncode != 0:
        raise ReportFailed(f"allure generate exited {done.returncode}: {(done.stdout + done.stderr)[-2000:]}")
    # allurerc.mjs declares two plugins, each writing its own folder: the multi-file one and the single file.
    strip = report_page.verdicts_html(sheet.rows, sheet.valid, sheet.header.profile)
    for folder, plugin in ((layout.report, "awesome"), (layout.single_file, "single")):
        shutil.rmtree(folder, ignore_errors=True)
        shutil.move(staging / plugin, folder)
        report_page.finish(folder, planned, strip)
        for page_file in layout.pages.iterdir():
            shutil.copy2(page_file, folder / page_file.name)
    shutil.rmtree(staging, ignore_errors=True)
    return ReportPaths(
        layout.report / "index.html",
        layout.single_file / "index.html",
        layout.report / "traceability.html",
        layout.report / "living-docs.html",
    )


def rebuild(
    layout: RunLayout, features_dir: Path = FEATURES, *, profile: str | None = None, target: str | None = None
) -> ReportPaths:
    """The report and its pages again from the results there; profile and target as the run's metadata names them
    unless given (nightly on stand if none)."""
    noted = run_properties(layout.results)
    build_pages(layout, features_dir)
    profile, target = profile or noted.get("profile", "nightly"), target or noted.get("target", "stand")
    return generate(layout, profile=profile, target=target, features_dir=features_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description="Rebuild the report from the allure-results already there.")
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base)
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--profile", help="of the run (default: as its metadata says)")
    parser.add_argument("--target", help="of the run (default: as its metadata says)")
    args = parser.parse_args()
    paths = rebuild(RunLayout(args.base.resolve()), args.features.resolve(), profile=args.profile, target=args.target)
    print(f"report: {paths.index}\nsingle file: {paths.single_file}\ntraceability: {paths.traceability}")


if __name__ == "__main__":
    main()
