"""A page of ours printed to PDF by headless Chromium (A4, the page's own print styles, no browser header or footer),
with the browser tools/verdicts/browser.py finds (Chrome, Chromium, or one Playwright installed)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from tools.verdicts import browser

PDF_TIMEOUT_S = 120


class SignoffFailed(RuntimeError):
    """Chromium is missing or could not print the sheet."""


def print_pdf(html: Path, pdf: Path, chromium: Path | None = None) -> Path:
    """`html` printed to `pdf`; raises SignoffFailed, saying why, when no PDF came out."""
    chromium = chromium or browser.find()
    if chromium is None or not chromium.exists():
        raise SignoffFailed(
            f"no browser ({chromium or 'Chrome, Chromium or a Playwright one'}): make setup installs chromium"
        )
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="signoff-chromium-") as profile:
        command = [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PDF_TIMEOUT_S, stdin=subprocess.DEVNULL, encoding="utf-8"
        )
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise SignoffFailed(f"chromium exited {done.returncode} without a PDF: {done.stderr[-1000:]}")
    return pdf
