"""The spec diff on a crafted new version of the clarifications (tests/tools/fixtures/clarifications-new.md):
a changed SLA value and a new table row in 2.2, a removed line of 3.1, a changed line of 4.6 that no feature quotes,
and a new section (a sixth history scenario)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.clauses import SPEC_FILE
from tools.common.layout import ROOT
from tools.specs import spec_diff

NEW = Path(__file__).parent / "fixtures" / "clarifications-new.md"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = spec_diff.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_crafted_version_lists_every_change_and_fails_on_the_quotes_gone(capsys) -> None:
    code, out, _ = _run(capsys, "--new", str(NEW))
    assert code == 1  # a quote no longer stands
    gone, changed, new, verdicts = out.split("\n\n")[1:5]
    # the changed SLA value and the removed line: quoted, so their quotes no longer stand, with their scenarios
    assert gone.startswith("Quotes that no longer stand in the new version: 2")
    assert "features/2_2_metadata_latency.feature:8: GET /live_metadata | < 1 second | Simple metadata" in gone
    assert "scenario 2.2 'The live metadata answers in under 1 second'" in gone
    assert "features/3_smart_recorder.feature:10: - All data flow is through AMQP/RabbitMQ" in gone
    assert 'scenario 3.1 "The interrogator\'s input queue exists"' in gone
    # each clause whose text changed, old and new
    assert changed.startswith("Clauses whose section changed: 3")
    assert "old: | GET /live_metadata | < 1 second |" in changed and "new: | GET /live_metadata | < 500 ms |" in changed
    assert "3.1 Connection Protocol:\n      old: - All data flow is through AMQP/RabbitMQ" in changed
    assert "new: Document this as the official behavior; no parameter is planned:" in changed
    # the new section and the new row, no scenario for either; the changed row is not "new"
    assert new.startswith("New sections or table rows with no scenario: 2")
    assert "new section #### Scenario 6: Edge Case - Recording Ends Mid-Window (no clause, no scenario)" in new
    assert "new table row in 2.2 Metadata Collection Time: | GET `/channels` | < 1 second |" in new
    assert "500 ms" not in new
    # what would be "not verified" until the features follow
    assert verdicts.startswith('Clauses "not verified" until the features follow: 3')
    lines = verdicts.splitlines()
    assert [line.split(":")[0].strip() for line in lines[1:4]] == [
        "2.2 Metadata Collection Time",
        "3.1 Connection Protocol",
        '4.6 Decision on "Strict" vs "Best-Effort"',
    ]
    assert "a new table row of its section has no scenario" in lines[1]
    assert lines[3].endswith("its section's text changed: its scenarios check the old text")
    assert "no clause yet for the new sections" in lines[4]


def test_the_same_version_changes_nothing(capsys) -> None:
    code, out, _ = _run(capsys, "--new", str(ROOT / SPEC_FILE))
    assert code == 0
    assert "no longer stand in the new version: 0" in out and 'not verified" until the features follow: 0' in out


def test_a_change_no_feature_quotes_is_listed_but_does_not_fail(tmp_path: Path, capsys) -> None:
    text = (ROOT / SPEC_FILE).read_text(encoding="utf-8")
    line = "- Interrogator is the data source (connected to fiber)"
    assert text.count(line) == 1
    new = tmp_path / "new.md"
    new.write_text(text.replace(line, "- Interrogator is the only data source"), encoding="utf-8")
    code, out, _ = _run(capsys, "--new", str(new), "--out", str(tmp_path / "diff.txt"))
    assert code == 0
    assert "3.1 Connection Protocol:\n      old: - Interrogator is the data source (connected to fiber)" in out
    assert "3.1 Connection Protocol: its section's text changed" in out
    assert (tmp_path / "diff.txt").read_text() == out


def test_no_such_new_version_is_one_clear_line(tmp_path: Path, capsys) -> None:
    code, out, err = _run(capsys, "--new", str(tmp_path / "missing.md"))
    assert code == 2 and not out and err.strip() == f"spec diff: no such file {tmp_path / 'missing.md'}"
    code, _, err = _run(capsys, "--new", "")
    assert code == 2 and "make spec-diff NEW=path/to/new.md" in err
