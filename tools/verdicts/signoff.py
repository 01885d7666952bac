"""The sign-off sheet (`make signoff`: reports/signoff.html and, by headless Chromium, signoff.pdf): the traceability
page with approval lines for the product lead and the dev lead. Also written beside the report at every run."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from tools.common.layout import DEFAULT_LAYOUT, FEATURES, RunLayout
from tools.verdicts.browser import SignoffFailed, print_pdf
from tools.verdicts.traceability import Traceability as Sheet  # the sheet shows what the traceability page shows
from tools.verdicts.traceability import build, to_html

__all__ = ["Sheet", "build", "print_pdf", "write_html"]


def write_html(sheet: Sheet, out: Path, report_href: str = "allure-report/index.html") -> Path:
    """The sheet as HTML at `out`; its links lead to the report at `report_href` and the pages beside it."""
    out.write_text(to_html(sheet, report_href, signoff=True), encoding="utf-8")
    return out


def write(layout: RunLayout, *, pdf: bool = True, features_dir: Path = FEATURES) -> Sheet:
    """reports/signoff.html, and reports/signoff.pdf unless `pdf` is False."""
    sheet = build(layout.results, features_dir)
    html = write_html(sheet, layout.base / "signoff.html")
    if pdf:
        print_pdf(html, layout.base / "signoff.pdf")
    return sheet


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.verdicts.signoff")
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args(argv)
    try:
        sheet = write(RunLayout(args.base.resolve()), pdf=not args.no_pdf, features_dir=FEATURES)
    except SignoffFailed as exc:
        print(f"signoff: {exc}")
        return 3
    print(f"sign-off sheet: {args.base / 'signoff.html'}{'' if args.no_pdf else ' and signoff.pdf'}")
    print("valid for sign-off" if sheet.valid else "NOT VALID FOR SIGN-OFF: see the sheet's verdicts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
