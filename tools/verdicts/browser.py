"""A Chromium-family browser the machine already has, for the sign-off PDF: found before anything asks apt.

    python -m tools.verdicts.browser      # prints its path; exit 1 (and says so) when there is none

Where it looks, in order: SIGNOFF_BROWSER (a path or a command), Debian's /usr/bin/chromium, Google Chrome (GitHub's
Ubuntu runners have it), chromium, chromium-browser (Ubuntu's apt one is a stub of a snap, so it is tried last of the
commands), then one that Playwright installed (PLAYWRIGHT_BROWSERS_PATH or ~/.cache/ms-playwright).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
COMMANDS = ("google-chrome", "google-chrome-stable", "chromium", "chromium-browser")
# Playwright's own builds: chromium-<n>/chrome-linux/chrome (older), chrome-linux64/chrome (newer), headless shells.
PLAYWRIGHT_GLOBS = ("chromium-*/chrome-linux*/chrome", "chromium_headless_shell-*/chrome-linux*/headless_shell")


def _playwright_dirs(environ: Mapping[str, str]) -> list[Path]:
    given = environ.get("PLAYWRIGHT_BROWSERS_PATH", "")
    home = Path(environ.get("HOME") or Path.home())
    return [Path(given)] if given and given != "0" else [home / ".cache" / "ms-playwright"]


def candidates(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Every place a browser may be, in the order they are tried (existing or not, for the message)."""
    env = os.environ if environ is None else environ
    found: list[Path] = []
    if given := env.get("SIGNOFF_BROWSER", "").strip():
        found.append(Path(shutil.which(given, path=env.get("PATH")) or given))
    found.append(DEBIAN_CHROMIUM)
    found += [Path(path) for name in COMMANDS if (path := shutil.which(name, path=env.get("PATH")))]
    for folder in _playwright_dirs(env):
        for pattern in PLAYWRIGHT_GLOBS:
            found += sorted(folder.glob(pattern), reverse=True)  # the newest build first
    return found


def find(environ: Mapping[str, str] | None = None) -> Path | None:
    """The first browser there that can be run, or None."""
    return next((path for path in candidates(environ) if path.is_file() and os.access(path, os.X_OK)), None)


def main() -> int:
    found = find()
    if found is None:
        names = ", ".join((str(DEBIAN_CHROMIUM), *COMMANDS))
        print(f"no browser: none of {names}, nor one Playwright installed; `make setup` installs chromium")
        return 1
    print(found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
