"""The spec diff on crafted new versions of the clarifications: tests/tools/fixtures/clarifications-new.md (a changed
SLA value and a new table row in 2.2, a removed line of 3.1, a changed line of 4.6 that no feature quotes, and a new
section, a sixth history scenario), and issue 26's (a new "Job Cancellation" section under §2, a new line in §4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.common.layout import CLARIFICATIONS
from tools.specs import spec_diff

NEW = Path(__file__).parent / "fixtures" / "clarifications-new.md"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = spec_diff.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_crafted_version_lists_every_change_and_fails(capsys) -> None:
    code, out, _ = _run(capsys, "--new", str(NEW))
    assert code == 1
    gone, changed, unowned, new, verdicts = out.split("\n\n")[1:6]
    # the changed SLA value and the removed line: quoted, so their quotes no longer stand, with their scenarios
    assert gone.startswith("Quotes that no longer stand in the new version: 2")
    assert "features/2_2_metadata_latency.feature:8: GET /live_metadata | < 1 second | Simple metadata" in gone
    assert "scenario 2.2 'The live metadata answers in under 1 second'" in gone
    assert "features/3_smart_recorder.feature:10: - All data flow is through AMQP/RabbitMQ" in gone
    assert 'scenario 3.1 "The interrogator\'s input queue exists"' in gone
    # each clause whose text changed, its lines old and new
    assert changed.startswith("Clauses whose section changed: 3\n  2.2 Metadata Collection Time:")
    assert "old line 169: | GET /live_metadata | < 1 second |" in changed
    assert "new line 169: | GET /live_metadata | < 500 ms |" in changed
    assert "new line 172: | GET /channels | < 1 second | Channel range" in changed
    assert "3.1 Connection Protocol:\n      old line 232: - All data flow is through AMQP/RabbitMQ" in changed
    assert "new line 501: Document this as the official behavior; no parameter is planned:" in changed
    # the new section: no clause, no scenario
    assert unowned.startswith("Lines changed that no clause owns: 2")
    assert "new line 486, no clause (4️⃣ Partial Results in History Playback › Test Scenarios › Scenario 6" in unowned
    assert new.startswith("New sections no scenario quotes: 1\n  line 484: #### Scenario 6: Edge Case - Recording Ends")
    # what would be "not verified" until the features follow
    rows = verdicts.splitlines()
    assert rows[0] == 'Clauses "not verified" until the features follow: 3'
    assert [row.split(":")[0].strip() for row in rows[1:4]] == [
        "2.2 Metadata Collection Time",
        "3.1 Connection Protocol",
        '4.6 Decision on "Strict" vs "Best-Effort"',
    ]
    assert rows[3].endswith("its section's text changed: its scenarios check the old text")
    assert "no clause yet for the new sections and the 2 line(s) no clause owns" in rows[4]


def _version(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = CLARIFICATIONS.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "new.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_section_under_2_and_a_new_line_in_4_are_both_named_and_fail(tmp_path: Path, capsys) -> None:
    cancellation = '### Job Cancellation\n\n**Official Answer:**\n> "DELETE /job/{id} stops the job within 5 s"\n\n'
    strict = '**There is NO "Strict" vs "Best-Effort" mode** - only the behavior above.'
    limit = "History requests longer than 24 hours are refused with 413"
    section = ("## 3️⃣ Smart Recorder Integration", f"{cancellation}---\n\n## 3️⃣ Smart Recorder Integration")
    code, out, _ = _run(capsys, "--new", str(_version(tmp_path, section, (strict, f"{strict}\n\n{limit}"))))
    assert code == 1
    # "Official Answer:" is quoted by 2.2's feature, yet the section is new: it is no line of its own
    assert "New sections no scenario quotes: 1\n  line " in out and "### Job Cancellation (2️⃣ SLA" in out
    assert "no clause (2️⃣ SLA Requirements & Timeouts › Job Cancellation): Official Answer:" in out
    assert (
        "no clause (4️⃣ Partial Results in History Playback › Current Behavior (Actual Implementation)): " + limit in out
    )


def test_a_new_section_that_a_feature_quotes_by_a_line_of_its_own_is_not_new(tmp_path: Path, capsys) -> None:
    # The mnemonic, quoted by 1.1's feature, moves under a heading of its own: that section is quoted, not new.
    mnemonic = '> Mnemonic: *"There is no exchange except prisma, and different queues serve it"*'
    heading = ("### Queue Configuration", f"### Exchange Mnemonic\n\n{mnemonic}\n\n### Queue Configuration")
    code, out, _ = _run(capsys, "--new", str(_version(tmp_path, (mnemonic, ""), heading)))
    assert code == 1 and "New sections no scenario quotes: 0" in out  # its lines moved all the same


def test_the_same_version_changes_nothing_an_unquoted_change_fails_and_bad_input_is_one_line(tmp_path, capsys) -> None:
    code, out, _ = _run(capsys, "--new", str(CLARIFICATIONS))
    assert code == 0 and "no longer stand in the new version: 0" in out and "follow: 0" in out
    line = "- Interrogator is the data source (connected to fiber)"
    new = _version(tmp_path, (line, "- Interrogator is the only data source"))
    code, out, _ = _run(capsys, "--new", str(new), "--out", str(tmp_path / "diff.txt"))
    assert code == 1 and "3.1 Connection Protocol: its section's text changed" in out
    assert "3.1 Connection Protocol:\n      old line 233: - Interrogator is the data source (connected to fiber)" in out
    assert (tmp_path / "diff.txt").read_text() == out
    code, out, err = _run(capsys, "--new", str(tmp_path / "missing.md"))
    assert code == 2 and not out and err.strip() == f"spec diff: no such file {tmp_path / 'missing.md'}"
    code, _, err = _run(capsys, "--new", "")
    assert code == 2 and "make spec-diff NEW=path/to/new.md" in err
