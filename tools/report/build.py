"""The sign-off report: Allure 3 (npm package `allure`, no Java) plus the pages beside it.

- `reports/allure-report/index.html`: the report, scenarios grouped by clause in spec order (allurerc.mjs);
- `reports/allure-report-single/index.html`: the same in one file, for mail and sign-off;
- beside each: clarifications.html (anchors `clause-1-1` …, the target of every scenario's link),
  traceability.html/.md, living-docs.html and the docs they cite; the pages also travel inside the report as
  global attachments;
- `reports/history/`: kept between runs, one history file per target and profile, so trends compare like with like.

`python -m tools.report.build [--base reports]` rebuilds it from the results there (and `make mutation` does, so that
the report shows the faults killed): the run keeps one entry in the trends, not one per build.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import md5
from pathlib import Path

from markdown_it import MarkdownIt

from support.clauses import CLAUSES
from tools.common.catalogue import quotes_of, scenarios
from tools.common.html_page import REPORT_LINKS, page
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, MUTATION_MATRIX, ROOT, RunLayout
from tools.report import clarifications_page, living_docs, report_page, results_view, sla_trends, timeline_lanes
from tools.verdicts import signoff, traceability
from tools.verdicts.run_header import SpecVersion
from tools.verdicts.xray_keys import read_keys

ALLURE_BIN = ROOT / "node_modules" / ".bin" / "allure"
ALLURE_CONFIG = ROOT / "allurerc.mjs"
REPORT_NAME = "Focus Server acceptance"
# The report app loads Google Analytics by default; a sign-off report must not call out to anyone (and runs offline).
_ANALYTICS = re.compile(
    r"<script async src=\"https://www\.googletagmanager\.com/.*?</script>\s*<script>.*?</script>",
    re.S,
)


class ReportFailed(RuntimeError):
    """`allure generate` is missing or failed; the message says which and how to fix it."""


@dataclass(frozen=True)
class ReportPaths:
    index: Path
    single_file: Path
    traceability: Path
    living_docs: Path
    seconds: float


# What a reader needs first, in this order, at the top of the report's metadata (Allure shows the first few and
# hides the rest behind "Show more"): the target and the API shape it offers, the profile and the listening window
# the run used, when it started. The verdicts follow (note_verdicts), then everything else.
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


def headline_first(environment: dict[str, str]) -> dict[str, str]:
    first = {key: environment[key] for key in HEADLINE if key in environment}
    return first | {key: value for key, value in environment.items() if key not in first}


def write_run_metadata(results: Path, environment: dict[str, str], executor: dict[str, str]) -> None:
    """environment.properties and executor.json, which Allure shows as the run's metadata; the version of the
    clarifications the run judged (their Date line and sha256) is noted here, when the run starts, so that a report
    built later, elsewhere, still says which (tools/verdicts/run_header.py)."""
    results.mkdir(parents=True, exist_ok=True)
    environment = SpecVersion.of().properties() | environment
    lines = [f"{key}={_property(value)}" for key, value in headline_first(environment).items()]
    (results / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (results / "executor.json").write_text(json.dumps(executor, indent=2), encoding="utf-8")


def _property(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", " ")


def executor(profile: str, target: str) -> dict[str, str]:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return {
        "name": "CI (.ci/run)" if os.environ.get("CI") else "make acceptance",
        "type": "ci" if os.environ.get("CI") else "local",
        "buildName": f"{profile} on {target}, {now}",
        "reportName": REPORT_NAME,
        "reportUrl": "index.html",
    }


def history_file(layout: RunLayout, profile: str, target: str) -> Path:
    return layout.history / f"history-{target}-{profile}.jsonl"


def _markdown_page(source: Path, out: Path) -> Path:
    md = MarkdownIt("commonmark").enable("table")
    out.write_text(page(source.stem, md.render(source.read_text(encoding="utf-8")), REPORT_LINKS), encoding="utf-8")
    return out


VERDICT_KEY = "verdict."  # environment.properties keys `verdict.1.1` …, `verdict.sign-off`


def note_verdicts(layout: RunLayout, features_dir: Path = FEATURES, matrix: Path = MUTATION_MATRIX) -> None:
    """The verdict per clause in the run's metadata (environment.properties), replacing any earlier one: the
    report's header shows them beside the target, and a rebuild after `make mutation` shows them proven."""
    sheet = signoff.build(layout.results, features_dir, matrix)
    props = layout.results / "environment.properties"
    kept = (
        [line for line in props.read_text(encoding="utf-8").splitlines() if not line.startswith(VERDICT_KEY)]
        if props.is_file()
        else []
    )
    noted = [f"{VERDICT_KEY}{row.id}={row.verdict_text} ({row.counts()})" for row in sheet.rows]
    validity = "valid" if sheet.valid else f"NOT VALID ({sheet.header.profile} profile or a clause not verified)"
    noted.append(f"{VERDICT_KEY}sign-off={validity}")
    headline = sorted(
        (line for line in kept if line.split("=", 1)[0] in HEADLINE),
        key=lambda line: HEADLINE.index(line.split("=")[0]),
    )
    rest = [line for line in kept if line not in headline]
    props.write_text("\n".join([*headline, *noted, *rest]) + "\n", encoding="utf-8")


def build_pages(
    layout: RunLayout,
    features_dir: Path = FEATURES,
    matrix: Path = MUTATION_MATRIX,
    *,
    profile: str | None = None,
    target: str | None = None,
) -> tuple[Path, Path]:
    """The pages beside the report, from the results of the run. Returns (traceability.html, living-docs.html).

    The run's SLA figures go into the history (tools/report/sla_trends.py) of its profile and target (default: as the
    runner noted them), and the trends page is written among the pages."""
    if layout.results.is_dir():
        note_verdicts(layout, features_dir, matrix)
    pages = layout.pages
    shutil.rmtree(pages, ignore_errors=True)
    planned = scenarios(features_dir, ROOT) if features_dir.is_dir() else []
    clarifications_page.write(pages, quotes={clause.id: quotes_of(clause.id, planned) for clause in CLAUSES})
    for document, page_name in traceability.DOCUMENT_PAGES.items():
        if (ROOT / document).is_file():
            _markdown_page(ROOT / document, pages / page_name)
    trace = traceability.build(layout.results, features_dir, matrix)
    html, _ = traceability.write(trace, pages)
    docs = living_docs.write(pages, features_dir, layout.results)
    # The sign-off sheet beside the report (its evidence links open results of the same folder); `make signoff`
    # prints it to reports/signoff.pdf.
    signoff.write_html(signoff.build(layout.results, features_dir, matrix), pages / "signoff.html", "index.html")
    noted_profile, noted_target = last_run(layout) or ("nightly", "stand")
    sla_trends.write(layout.results, layout.history, pages, profile or noted_profile, target or noted_target)
    return html, docs


def _allure(results: Path, output: Path, history: Path, pages: Path, resolutions: Path | None = None) -> None:
    if not ALLURE_BIN.exists():
        raise ReportFailed(f"{ALLURE_BIN.relative_to(ROOT)} is missing: run `make setup` (npm ci)")
    history.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "FOCUS_REPORT_HISTORY": str(history),
        "FOCUS_REPORT_PAGES": str(pages),
        "FOCUS_REPORT_NAME": REPORT_NAME,
    }
    if resolutions is not None:
        env["FOCUS_REPORT_RESOLUTIONS"] = str(resolutions)
        env["FOCUS_REPORT_KNOWN_ISSUES"] = str(resolutions.with_name("known-issues.json"))
    command = [str(ALLURE_BIN), "generate", "--config", str(ALLURE_CONFIG), "--output", str(output), str(results)]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, encoding="utf-8"
    )
    if done.returncode != 0:
        raise ReportFailed(f"allure generate exited {done.returncode}: {(done.stdout + done.stderr)[-2000:]}")


def _strip_analytics(index: Path) -> None:
    index.write_text(_ANALYTICS.sub("", index.read_text(encoding="utf-8")), encoding="utf-8")


def _shown_results(layout: RunLayout, sheet: signoff.Sheet, planned: list) -> tuple[Path, Path | None]:
    """The copy of the results Allure reads (tools/report/results_view.py), and its known defects' resolutions."""
    shown = layout.base / ".allure-input"
    rules = results_view.stage(
        layout.results,
        shown,
        planned=planned,
        rows=sheet.rows,
        keys=read_keys(),
        browse_url=sheet.register.browse_url,
    )
    if not rules:
        return shown, None
    resolutions = layout.base / ".allure-resolutions.json"
    resolutions.write_text(json.dumps(results_view.resolutions(rules, sheet.register.browse_url)), encoding="utf-8")
    return shown, resolutions


def generate(layout: RunLayout, *, profile: str, target: str, features_dir: Path = FEATURES) -> ReportPaths:
    """Build the Allure report and its single-file twin from `layout.results`; the pages must be built already."""
    started = time.monotonic()
    staging = layout.base / ".allure-staging"
    shutil.rmtree(staging, ignore_errors=True)
    timeline_lanes.distinct_lanes(layout.results)  # one timeline lane per behave process
    planned = scenarios(features_dir, ROOT) if features_dir.is_dir() else []
    sheet = signoff.build(layout.results, features_dir, profile=profile)
    shown, resolutions = _shown_results(layout, sheet, planned)
    try:
        _allure(shown, staging, history_file(layout, profile, target), layout.pages, resolutions)
    finally:
        shutil.rmtree(shown, ignore_errors=True)
    # allurerc.mjs declares two plugins, each writing its own folder: the multi-file one and the single file.
    for folder in (layout.report, layout.single_file):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.move(staging / "awesome", layout.report)
    layout.single_file.mkdir(parents=True)
    shutil.move(staging / "single" / "index.html", layout.single_file / "index.html")
    shutil.rmtree(staging, ignore_errors=True)
    verdicts = {row.id: row.verdict_text for row in sheet.rows}
    strip = report_page.verdicts_html(sheet.rows, sheet.valid, sheet.header.profile)
    for folder in (layout.report, layout.single_file):
        _strip_analytics(folder / "index.html")
        report_page.decorate(folder / "index.html", report_page.first_start_utc(layout.results), strip)
        report_page.order_report(folder, planned, verdicts)
        for page_file in layout.pages.iterdir():
            shutil.copy2(page_file, folder / page_file.name)
    return ReportPaths(
        index=layout.report / "index.html",
        single_file=layout.single_file / "index.html",
        traceability=layout.report / "traceability.html",
        living_docs=layout.report / "living-docs.html",
        seconds=time.monotonic() - started,
    )


def forget_run(history: Path, results: Path) -> bool:
    """Drop the history entry that an earlier generation wrote for these very results, if it is the last one.

    Allure appends an entry at every generation; a report rebuilt for the same run (after `make mutation`, or by
    hand) would otherwise count that run twice in its trends. An entry is this run's when its results are exactly
    these result files (Allure ids each result by the md5 of its uuid).
    """
    if not history.is_file():
        return False
    lines = history.read_text(encoding="utf-8").splitlines()
    ids = {
        md5(json.loads(p.read_text(encoding="utf-8"))["uuid"].encode()).hexdigest()
        for p in results.glob("*-result.json")
    }
    try:
        last = {entry["id"] for entry in json.loads(lines[-1])["testResults"].values()}
    except (IndexError, KeyError, TypeError, ValueError):
        return False
    if not ids or last != ids:
        return False
    history.write_text("".join(f"{line}\n" for line in lines[:-1]), encoding="utf-8")
    return True


def last_run(layout: RunLayout) -> tuple[str, str] | None:
    """(profile, target) of the run whose results are in `layout`, as the nightly runner noted them."""
    try:
        noted = json.loads((layout.logs / "timings.json").read_text(encoding="utf-8"))
        return noted["profile"], noted.get("target", "stand")  # older runs noted no target
    except (OSError, ValueError, KeyError):
        return None


def rebuild(
    layout: RunLayout, features_dir: Path = FEATURES, *, profile: str | None = None, target: str | None = None
) -> ReportPaths:
    """The report and its pages again, from the results already there (the run's history entry replaced).

    The run's profile and target, unless given, are those the runner noted (nightly on stand if none)."""
    noted_profile, noted_target = last_run(layout) or ("nightly", "stand")
    profile, target = profile or noted_profile, target or noted_target
    build_pages(layout, features_dir, profile=profile, target=target)
    forget_run(history_file(layout, profile, target), layout.results)
    return generate(layout, profile=profile, target=target, features_dir=features_dir)


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
