"""The sign-off report: Allure 3 (npm `allure`, no Java), `reports/allure-report/` and the same in one file,
`reports/allure-report-single/index.html` (allurerc.mjs); beside each and inside it (global attachments) the pages:
clarifications, traceability, living docs, the sign-off sheet, the docs they cite. `reports/history/` keeps Allure's
history between runs, per target and profile. `python -m tools.report.build [--base reports]` builds it again from
the results there (`make mutation` does), the run keeping one entry in the history.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from markdown_it import MarkdownIt

from support.clauses import CLAUSES
from tools.common.catalogue import quotes_of, scenarios
from tools.common.html_page import REPORT_LINKS, page
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, MUTATION_MATRIX, ROOT, RunLayout
from tools.report import clarifications_page, living_docs, metrics, report_page, results_view
from tools.verdicts import signoff, traceability
from tools.verdicts.run_header import SpecVersion

ALLURE_BIN = ROOT / "node_modules" / ".bin" / "allure"
ALLURE_CONFIG = ROOT / "allurerc.mjs"
GENERATE = Path(__file__).with_name("generate.mjs")
REPORT_NAME = "Focus Server acceptance"
# The report app loads Google Analytics, always; a sign-off report calls out to no one (and opens offline).
_ANALYTICS = re.compile(
    r'<script async src="https://www\.googletagmanager\.com/.*?</script>\s*<script>.*?</script>', re.S
)
# What a reader needs first in the report's metadata (Allure hides all but the first few behind "Show more"); the
# verdicts stand above it all, in the strip at the top (report_page.py).
HEADLINE = (
    "target",
    "target.api",
    "profile",
    "listen_s",
    "run_started",
    "base_url",
    "focus_server_sw_version",
    "spec.date",
)


class ReportFailed(RuntimeError):
    """`allure generate` is missing or failed; the message says which and how to fix it."""


@dataclass(frozen=True)
class ReportPaths:
    index: Path
    single_file: Path
    traceability: Path
    living_docs: Path


def write_run_metadata(results: Path, environment: dict[str, str], executor: dict[str, str]) -> None:
    """environment.properties and executor.json, the run's metadata in the report; with the clarifications the run
    judged (their Date line and sha256), noted when it starts so that a report built later still says which."""
    results.mkdir(parents=True, exist_ok=True)
    rank = {key: n for n, key in enumerate(HEADLINE)}
    shown = sorted((SpecVersion.of().properties() | environment).items(), key=lambda x: rank.get(x[0], len(rank)))
    escaped = ((key, value.replace("\\", "\\\\").replace("\n", " ")) for key, value in shown)
    (results / "environment.properties").write_text("".join(f"{k}={v}\n" for k, v in escaped), encoding="utf-8")
    (results / "executor.json").write_text(json.dumps(executor, indent=2), encoding="utf-8")


def executor(profile: str, target: str) -> dict[str, str]:
    ci = bool(os.environ.get("CI"))
    return {
        "name": "CI (.ci/run)" if ci else "make acceptance",
        "type": "ci" if ci else "local",
        "buildName": f"{profile} on {target}, {datetime.now(UTC):%Y-%m-%d %H:%M UTC}",
        "reportName": REPORT_NAME,
        "reportUrl": "index.html",
    }


def build_pages(
    layout: RunLayout,
    features_dir: Path = FEATURES,
    matrix: Path = MUTATION_MATRIX,
    *,
    profile: str | None = None,  # the runner's callers name them; the pages are the same for any
    target: str | None = None,
) -> tuple[Path, Path]:
    """The pages beside the report, from the run's results. Returns (traceability.html, living-docs.html)."""
    sheet = signoff.build(layout.results, features_dir, matrix)
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
    signoff.write_html(sheet, pages / "signoff.html", "index.html")
    return html, living_docs.write(pages, features_dir, layout.results)


def history_file(layout: RunLayout, profile: str, target: str) -> Path:
    return layout.history / f"history-{target}-{profile}.jsonl"


def _one_entry_per_run(history: Path, results: Path) -> None:
    """Allure appends to its history at every generation: a report built again for the same run (after `make
    mutation`, or by hand) first drops what its earlier generations added (noted beside the history, by run id)."""
    props = results / "environment.properties"
    text = props.read_text(encoding="utf-8") if props.is_file() else ""
    run_id = next((line[7:] for line in text.splitlines() if line.startswith("run_id=")), None)
    mark = history.with_suffix(".run.json")
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
    history = history_file(layout, profile, target)
    _one_entry_per_run(history, layout.results)
    env = {**os.environ, "FOCUS_REPORT_HISTORY": str(history), "FOCUS_REPORT_PAGES": str(layout.pages), "NO_COLOR": "1"}
    env |= {"FOCUS_REPORT_NAME": REPORT_NAME, **{name: str(path) for name, path in known.items() if path}}
    command = ["node", str(GENERATE), str(ALLURE_CONFIG), str(staging), str(shown)]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, stdin=subprocess.DEVNULL, encoding="utf-8"
        )
    finally:
        shutil.rmtree(shown, ignore_errors=True)
    if done.returncode != 0:
        raise ReportFailed(f"allure generate exited {done.returncode}: {(done.stdout + done.stderr)[-2000:]}")
    # allurerc.mjs declares two plugins, each writing its own folder: the multi-file one and the single file.
    for folder in (layout.report, layout.single_file):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.move(staging / "awesome", layout.report)
    layout.single_file.mkdir(parents=True)
    shutil.move(staging / "single" / "index.html", layout.single_file / "index.html")
    shutil.rmtree(staging, ignore_errors=True)
    strip = report_page.verdicts_html(sheet.rows, sheet.valid, sheet.header.profile)
    for folder in (layout.report, layout.single_file):
        index = folder / "index.html"
        index.write_text(_ANALYTICS.sub("", index.read_text(encoding="utf-8")), encoding="utf-8")
        report_page.decorate(index, report_page.first_start_utc(layout.results), strip)
        report_page.order_report(folder, planned, {row.id: row.verdict_text for row in sheet.rows})
        for page_file in layout.pages.iterdir():
            shutil.copy2(page_file, folder / page_file.name)
    return ReportPaths(
        layout.report / "index.html",
        layout.single_file / "index.html",
        layout.report / "traceability.html",
        layout.report / "living-docs.html",
    )


def last_run(layout: RunLayout) -> tuple[str, str] | None:
    """(profile, target) of the run whose results are in `layout`, as the runner noted them (logs/run.json)."""
    try:
        noted = json.loads(layout.facts.read_text(encoding="utf-8"))
        return noted["profile"], noted["target"]
    except (OSError, ValueError, KeyError):
        return None


def rebuild(
    layout: RunLayout, features_dir: Path = FEATURES, *, profile: str | None = None, target: str | None = None
) -> ReportPaths:
    """The report and its pages again from the results there; profile and target as the runner noted them unless
    given (nightly on stand if none)."""
    noted_profile, noted_target = last_run(layout) or ("nightly", "stand")
    build_pages(layout, features_dir)
    return generate(layout, profile=profile or noted_profile, target=target or noted_target, features_dir=features_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description="Rebuild the report from the allure-results already there.")
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base)
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--profile", help="of the run (default: as the runner noted it)")
    parser.add_argument("--target", help="of the run (default: as the runner noted it)")
    args = parser.parse_args()
    paths = rebuild(RunLayout(args.base.resolve()), args.features.resolve(), profile=args.profile, target=args.target)
    print(f"report: {paths.index}\nsingle file: {paths.single_file}\ntraceability: {paths.traceability}")


if __name__ == "__main__":
    main()
