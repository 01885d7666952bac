"""What the terminal can print: the marks and arrows of the run's output, or plain text where the console cannot.

A Windows console (cp1252, the QA team's runner) has no ✔, ✘, ⏱ or → (a clause title's "No Recordings → Fail-Fast"):
printing one would end the run in a UnicodeEncodeError. Rather than two spellings of every line, the run's streams
get an error handler (`plain_text_where_needed`, called once at the start): a character the console's encoding lacks
is written as its plain spelling below, or `?`. On a UTF-8 console nothing changes.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
from typing import TextIO

HANDLER = "acceptance-plain"

PLAIN: dict[str, str] = {
    "✔": "+",
    "✘": "x",
    "⏱": "time",
    "→": "->",
    "←": "<-",
    "–": "-",
    "—": "-",
    "…": "...",
    "×": "x",
    "≥": ">=",
    "≤": "<=",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
}


def _plain(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(PLAIN.get(char, "?") for char in text), error.end


codecs.register_error(HANDLER, _plain)


def plain_text_where_needed(*streams: TextIO) -> None:
    """Let `streams` (default: stdout and stderr) write what their encoding lacks in plain text, never raise."""
    for stream in streams or (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):  # a replaced stream (pytest's capture) may not say
            stream.reconfigure(errors=HANDLER)  # type: ignore[attr-defined]
    if os.name == "nt":
        # A Windows console shows the progress line's redraw (\r, ESC[K) only with its VT mode on: colorama turns it
        # on where the console has one, and does nothing where output goes to a file or a pipe.
        with contextlib.suppress(ImportError, AttributeError):
            import colorama

            colorama.just_fix_windows_console()
