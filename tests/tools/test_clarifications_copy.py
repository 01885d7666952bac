"""The project's copy of the clarifications is the dev team's document, byte for byte, and the quotes follow it: a
formatter once rewrote the copy's Python samples and the quotes that followed it passed the quote lint. The copy is
pinned, excluded from formatting, and the lint fails against a copy altered the way ruff altered it."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from support.clauses import SPEC_FILE
from tools.common.layout import CLARIFICATIONS, FEATURES, ROOT
from tools.specs.quote_lint import lint

# The dev team's document as the project received it (../shared/spec/ beside the repository when it is there; CI and
# a fresh clone may not have it, then the pin alone speaks).
ORIGINAL = ROOT.parent / "shared" / "spec" / CLARIFICATIONS.name
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
    if ORIGINAL.is_file():
        assert CLARIFICATIONS.read_bytes() == ORIGINAL.read_bytes(), f"{SPEC_FILE} differs from {ORIGINAL}"
        assert _sha256(ORIGINAL) == ORIGINAL_SHA256, "the dev team's document changed: copy it, then update the pin"
    assert _sha256(CLARIFICATIONS) == ORIGINAL_SHA256


def test_no_formatter_touches_the_copy() -> None:
    """Named on the command line, the copy is still excluded (`force-exclude`): ruff finds nothing to format."""
    command = [sys.executable, "-m", "ruff", "format", "--check", SPEC_FILE]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "would be reformatted" not in done.stdout + done.stderr, done.stdout + done.stderr


def test_the_quotes_are_word_for_word_in_the_copy_and_fail_against_one_altered_as_ruff_altered_it(
    tmp_path: Path,
) -> None:
    assert [str(finding) for finding in lint(FEATURES, CLARIFICATIONS)] == []
    text = CLARIFICATIONS.read_text(encoding="utf-8")
    for before, after in RUFF_ALTERATIONS:
        assert text.count(before) == 1, before
        text = text.replace(before, after)
    altered = tmp_path / CLARIFICATIONS.name
    altered.write_text(text, encoding="utf-8")
    failing = {(finding.path.name, finding.line) for finding in lint(FEATURES, altered)}
    # Each of the four restored quotes of the samples is caught: `exchange_type='topic'` and `durable=True` (no
    # trailing comma), and the line-by-line quotes of the two calls ruff joined on one line.
    topology, recorder = "1_rabbitmq_topology.feature", "3_smart_recorder.feature"
    for feature, quote in (
        (topology, "> exchange_type='topic',"),
        (topology, "> durable=True"),
        (topology, "> focus_server_api.publish_command("),
        (recorder, "> messages = rabbitmq_client.consume_messages("),
    ):
        lines = (FEATURES / feature).read_text(encoding="utf-8").splitlines()
        assert (feature, next(n for n, line in enumerate(lines, 1) if line.strip() == quote)) in failing, quote
    assert {name for name, _ in failing} == {topology, recorder}
