"""The project's copy of the clarifications is the dev team's document, byte for byte, and the quotes follow it.

A formatter once rewrote the copy's Python samples (`ruff format` formats code blocks inside Markdown): quotes that
followed the altered copy passed the quote lint. The copy is now pinned to the original, excluded from formatting,
and the lint is shown to fail against a copy altered the way ruff altered it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from support.clauses import SPEC_FILE
from tools.specs.quote_lint import ROOT, lint

COPY = ROOT / SPEC_FILE
# The dev team's document as the project received it (../shared/spec/ beside the repository when it is there; CI
# and a fresh clone may not have it, then the pin alone speaks).
ORIGINAL = ROOT.parent / "shared" / "spec" / Path(SPEC_FILE).name
ORIGINAL_SHA256 = "dba2855e64d3e2ab360fb32a49e31b99ae08c9f4626084055adf7a08e901e23d"

# What `ruff format` 0.17 did to the samples the features quote (a part of its diff, applied to the original).
RUFF_ALTERATIONS = (
    ("    exchange_type='topic',\n    durable=True\n", '    exchange_type="topic",\n    durable=True,\n'),
    (
        '   focus_server_api.publish_command(\n       exchange="prisma",\n'
        '       routing_key="baby_analyzer.commands.roi"\n   )\n',
        '   focus_server_api.publish_command(exchange="prisma", routing_key="baby_analyzer.commands.roi")\n',
    ),
    (
        '       messages = rabbitmq_client.consume_messages(\n           exchange="prisma",\n'
        '           routing_key="recorder.data.*"\n       )\n',
        '       messages = rabbitmq_client.consume_messages(exchange="prisma", routing_key="recorder.data.*")\n',
    ),
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_copy_is_byte_identical_to_the_dev_teams_document() -> None:
    expected = _sha256(ORIGINAL) if ORIGINAL.is_file() else ORIGINAL_SHA256
    assert _sha256(COPY) == expected, f"{SPEC_FILE} differs from the dev team's document ({ORIGINAL})"


def test_the_pin_is_the_original_when_the_original_is_at_hand() -> None:
    if ORIGINAL.is_file():
        assert _sha256(ORIGINAL) == ORIGINAL_SHA256, "the dev team's document changed: copy it, then update the pin"
    assert _sha256(COPY) == ORIGINAL_SHA256


def test_no_formatter_touches_the_copy() -> None:
    """Named on the command line, the copy is still excluded (`force-exclude`): ruff finds nothing to format."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", SPEC_FILE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "would be reformatted" not in done.stdout + done.stderr


def test_the_quotes_are_word_for_word_in_the_original() -> None:
    assert [str(finding) for finding in lint(ROOT / "features", COPY)] == []


def test_the_quote_lint_fails_against_a_copy_altered_as_ruff_altered_it(tmp_path: Path) -> None:
    text = COPY.read_text(encoding="utf-8")
    for before, after in RUFF_ALTERATIONS:
        assert text.count(before) == 1, before
        text = text.replace(before, after)
    altered = tmp_path / Path(SPEC_FILE).name
    altered.write_text(text, encoding="utf-8")

    failing = {(finding.path.name, finding.line) for finding in lint(ROOT / "features", altered)}

    # Each of the four restored quotes of the samples is caught: the quote of `exchange_type='topic'` and of
    # `durable=True` (no trailing comma), and the line-by-line quotes of the two calls ruff joined on one line.
    topology, recorder = "1_rabbitmq_topology.feature", "3_smart_recorder.feature"
    assert (topology, _line_of(topology, "> exchange_type='topic',")) in failing
    assert (topology, _line_of(topology, "> durable=True")) in failing
    assert (topology, _line_of(topology, "> focus_server_api.publish_command(")) in failing
    assert (recorder, _line_of(recorder, "> messages = rabbitmq_client.consume_messages(")) in failing
    assert {name for name, _ in failing} == {topology, recorder}


def _line_of(feature: str, quote: str) -> int:
    lines = (ROOT / "features" / feature).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.strip() == quote)
