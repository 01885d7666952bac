"""The sign-off sheet: one printable page (or two) to attach to a sign-off record, and its data as JSON.

The run header (the clarifications judged: their Date line and sha256); whether the run can be signed; the verdict
rule of tools/verdicts/clause_verdict.py, printed once as the key; one row per clause (its own quote, its scenarios
passed / failed / broken / not run / not offered and why, each linked to its result in the report, the faults the
mutation matrix of this commit killed, or "not proven on this commit", the verdict); the known-defects register;
the open defects with a link to their evidence; approval lines for the product lead and the dev lead.

    make signoff              # reports/signoff.html and .pdf, and signoff-<sw_version>-<date>.pdf and .json
    python -m tools.verdicts.signoff [--base reports] [--no-pdf]

Entry points for a report built elsewhere from a run's results: `build(results_dir)` → `Sheet`, `write(layout)` →
`SheetFiles` (HTML, PDF, JSON; `to_json(sheet)` is the data). The HTML is also written beside the report at every
run (the report's bar links to it), where its links open the report beside it.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.common.layout import DEFAULT_LAYOUT, FEATURES, MUTATION_MATRIX, RunLayout
from tools.verdicts.print_pdf import SignoffFailed, print_pdf
from tools.verdicts.sheet import Sheet, build, to_json
from tools.verdicts.signoff_html import Links, to_html

NOT_VALID = "not valid for sign-off"
__all__ = [
    "Sheet",
    "SheetFiles",
    "SignoffFailed",
    "build",
    "lasting_files",
    "print_pdf",
    "to_json",
    "write",
    "write_html",
]


def write_html(sheet: Sheet, out: Path, report_href: str = "allure-report/index.html") -> Path:
    """The sheet as HTML at `out`; its links lead to the report at `report_href` and the pages beside it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_html(sheet, Links.beside(report_href)), encoding="utf-8")
    return out


@dataclass(frozen=True)
class SheetFiles:
    html: Path
    json: Path
    pdf: Path | None  # None: not asked for
    named_pdf: Path | None  # the PDF under its lasting name, signoff-<sw_version>-<date>.pdf


def write(
    layout: RunLayout, *, pdf: bool = True, features_dir: Path = FEATURES, matrix: Path = MUTATION_MATRIX
) -> SheetFiles:
    """reports/signoff.html (and .pdf), and the lasting names: signoff-<sw_version>-<date>.json (and .pdf)."""
    sheet = build(layout.results, features_dir, matrix)
    html = write_html(sheet, layout.base / "signoff.html")
    data = layout.base / f"{sheet.stem}.json"
    data.write_text(json.dumps(to_json(sheet), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not pdf:
        return SheetFiles(html, data, None, None)
    printed = print_pdf(html, layout.base / "signoff.pdf")
    named = shutil.copy2(printed, layout.base / f"{sheet.stem}.pdf")
    return SheetFiles(html, data, printed, Path(named))


def lasting_files(base: Path) -> list[Path]:
    """The latest sheet's files under their lasting names in `base`: signoff-<sw_version>-<date>.pdf and .json."""
    found = sorted(base.glob("signoff-*.json"), key=lambda path: path.stat().st_mtime)
    if not found:
        return []
    stem = found[-1].stem
    return [path for path in (base / f"{stem}.pdf", base / f"{stem}.json") if path.is_file()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the sign-off sheet (HTML, PDF and JSON) of the last run.")
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base)
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args(argv)
    layout = RunLayout(args.base.resolve())
    try:
        files = write(layout, pdf=not args.no_pdf, features_dir=args.features.resolve())
    except SignoffFailed as exc:
        print(f"signoff: {exc}")
        return 3
    sheet = build(layout.results, args.features.resolve())
    print(f"sign-off sheet: {files.html}\n         data: {files.json}")
    if files.pdf:
        print(f"          pdf: {files.pdf} (and {files.named_pdf.name if files.named_pdf else ''})")
    print("valid for sign-off" if sheet.valid else f"{NOT_VALID.upper()}: see the sheet's verdicts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
