"""Plain text where the console cannot print the run's marks: a Windows console (cp1252, the QA team's runner) has no
✔, ✘, ⏱ or → (a clause title's "No Recordings → Fail-Fast"), and printing one would end the run in an error. The run's
streams get an error handler instead of two spellings of every line: a character the console's encoding lacks is
written as its plain spelling, or `?`. On a UTF-8 console nothing changes.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
from typing import TextIO

HANDLER = "acceptance-plain"
PLAIN = {"✔": "+", "✘": "x", "⏱": "time", "→": "->", "←": "<-", "–": "-", "—": "-", "…": "...", "×": "x", "≥": ">="}
PLAIN |= {"≤": "<=", "‘": "'", "’": "'", "“": '"', "”": '"'}


def _plain(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(PLAIN.get(char, "?") for char in error.object[error.start : error.end]), error.end


codecs.register_error(HANDLER, _plain)


def plain_text_where_needed(*streams: TextIO) -> None:
    """Let `streams` (default: stdout and stderr) write what their encoding lacks in plain text, never raise."""
    for stream in streams or (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):  # a replaced stream (pytest's capture) may not say
            stream.reconfigure(errors=HANDLER)  # type: ignore[attr-defined]
    if os.name == "nt":  # the progress line's redraw (\r, ESC[K) needs the console's VT mode: colorama turns it on
        with contextlib.suppress(ImportError, AttributeError):
            import colorama

            colorama.just_fix_windows_console()
