"""`make test`'s phase runner: side-by-side phases, every phase run, the table of times at the end."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools.ci import phases


def test_every_phase_runs_and_a_red_one_fails_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(phases, "PHASES_DIR", tmp_path)
    ok = phases.Phase("fine", (sys.executable, "-c", "print('all good')"))
    red = phases.Phase("red", (sys.executable, "-c", "import sys; print('broken'); sys.exit(3)"))
    later = phases.Phase("later", (sys.executable, "-c", "print('still ran')"))
    monkeypatch.setattr(phases, "STEPS", [[ok, red], [later]])
    assert phases.main([]) == 1
    out = capsys.readouterr().out
    assert "all good" in out and "broken" in out and "still ran" in out  # each phase's output, whole
    table = (tmp_path / "phases.md").read_text()
    assert "| fine |" in table and "| red |" in table and "FAILED (exit 3)" in table and "| later |" in table
    assert "phases: 2 ok, 1 failed" in out


def test_only_runs_the_phases_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phases, "PHASES_DIR", tmp_path)
    monkeypatch.setattr(
        phases,
        "STEPS",
        [[phases.Phase("lint", (sys.executable, "-c", "")), phases.Phase("nightly", (sys.executable, "-c", "1/0"))]],
    )
    assert phases.main(["--only", "lint"]) == 0
    assert "nightly" not in (tmp_path / "phases.md").read_text()
