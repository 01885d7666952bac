"""A Chromium-family browser the machine has (SIGNOFF_BROWSER, /usr/bin/chromium, Chrome or Chromium on PATH, then the
newest Playwright one), to print a page to PDF headless. `python -m tools.verdicts.browser`: its path, or exit 1."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
COMMANDS = ("google-chrome", "google-chrome-stable", "chromium", "chromium-browser")
# Playwright's own builds: chromium-<n>/chrome-linux/chrome (older), chrome-linux64/chrome (newer), headless shells.
PLAYWRIGHT_GLOBS = ("chromium-*/chrome-linux*/chrome", "chromium_headless_shell-*/chrome-linux*/headless_shell")


class SignoffFailed(RuntimeError):
    """No browser, or it could not print the sheet."""


def candidates(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Every place a browser may be, in the order they are tried (existing or not, for the message)."""
    env = os.environ if environ is None else environ
    given = env.get("SIGNOFF_BROWSER", "").strip()
    found = [Path(shutil.which(given, path=env.get("PATH")) or given)] if given else []
    found += [DEBIAN_CHROMIUM, *(Path(p) for name in COMMANDS if (p := shutil.which(name, path=env.get("PATH"))))]
    folder = Path(env.get("HOME") or Path.home()) / ".cache/ms-playwright"
    folder = Path(pw) if (pw := env.get("PLAYWRIGHT_BROWSERS_PATH", "")) not in ("", "0") else folder
    return found + [path for pattern in PLAYWRIGHT_GLOBS for path in sorted(folder.glob(pattern), reverse=True)]


def find(environ: Mapping[str, str] | None = None) -> Path | None:
    """The first browser there that can be run, or None."""
    return next((path for path in candidates(environ) if path.is_file() and os.access(path, os.X_OK)), None)


def print_pdf(html: Path, pdf: Path, chromium: Path | None = None) -> Path:
    """`html` printed to `pdf`; raises SignoffFailed, saying why, when no PDF came out."""
    chromium = chromium or find()
    if chromium is None or not chromium.exists():
        raise SignoffFailed(f"no browser ({chromium or 'Chrome, Chromium or a Playwright one'}): make setup")
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="signoff-chromium-") as profile:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
        flags += ["--disable-component-update", f"--user-data-dir={profile}", "--no-pdf-header-footer"]
        command = [str(chromium), *flags, f"--print-to-pdf={pdf}", html.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, encoding="utf-8", timeout=120, stdin=subprocess.DEVNULL)
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise SignoffFailed(f"chromium exited {done.returncode} without a PDF: {done.stderr[-1000:]}")
    return pdf


if __name__ == "__main__":
    print(find() or f"no browser: none of {DEBIAN_CHROMIUM}, {', '.join(COMMANDS)}, nor a Playwright one; `make setup`")
    sys.exit(0 if find() else 1)
