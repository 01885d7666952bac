"""`make test`'s phase runner: side-by-side phases, every phase run, the table of times at the end."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools.ci import phases


def _py(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


@pytest.fixture
def steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Set the steps of the run; its logs and table go to `tmp_path`."""
    monkeypatch.setattr(phases, "PHASES_DIR", tmp_path)
    return lambda *given: monkeypatch.setattr(phases, "STEPS", list(given))


def test_every_phase_runs_and_a_red_one_fails_the_whole(tmp_path: Path, steps, capsys) -> None:
    ok, red = phases.Phase("fine", _py("print('all good')")), phases.Phase("red", _py("print('broken'); exit(3)"))
    steps([ok, red], [phases.Phase("later", _py("print('still ran')"))])
    assert phases.main([]) == 1
    out = capsys.readouterr().out
    assert "all good" in out and "broken" in out and "still ran" in out  # each phase's output, whole
    table = (tmp_path / "phases.md").read_text()
    assert "| fine |" in table and "| red |" in table and "FAILED (exit 3)" in table and "| later |" in table
    assert "phases: 2 ok, 1 failed" in out
    steps([phases.Phase("lint", _py("")), phases.Phase("nightly", _py("1/0"))])
    assert phases.main(["--only", "lint"]) == 0  # only the phases named
    assert "nightly" not in (tmp_path / "phases.md").read_text()


def test_a_cued_phase_starts_once_the_other_logs_its_cue(tmp_path: Path, steps) -> None:
    go = tmp_path / "go"
    # The first logs its cue a moment after it started, then waits (10 s at most) for the second to let it end.
    first = phases.Phase(
        "first",
        _py(
            f"import pathlib, time\ntime.sleep(1)\nprint('stand up in 9 s', flush=True)\ngo = pathlib.Path({str(go)!r})"
            "\nend = time.monotonic() + 10\nwhile not go.exists() and time.monotonic() < end:\n    time.sleep(0.05)"
        ),
    )
    # Started before the cue, the second would find no cue in the first's log and fail.
    second = phases.Phase(
        "second",
        _py(
            f"import pathlib; assert 'stand up in' in pathlib.Path({str(tmp_path / 'first.log')!r}).read_text()\n"
            f"pathlib.Path({str(go)!r}).touch()"
        ),
        ("first", "stand up in"),
    )
    steps([second, first])
    assert phases.main([]) == 0
    # A cue's phase that ends without its text lets the cued one start anyway.
    steps([phases.Phase("first", _py("exit(2)")), phases.Phase("second", _py("print('ran')"), second.starts_when)])
    assert phases.main([]) == 1
    assert "ran" in (tmp_path / "second.log").read_text()


def test_the_second_nightly_is_cued_by_the_first_nightlys_quick_process() -> None:
    """The cue names the nightly plan's one process of quick scenarios, as its progress line calls it when done."""
    from tools.common.layout import ROOT
    from tools.run.behave_runs import plan

    quick = [job.name for job in plan(True, ROOT / "features", ROOT) if not job.slow]
    assert quick == [phases.QUICK_SCENARIOS_DONE.removesuffix(": done")]
    second = next(p for step in phases.STEPS for p in step if p.starts_when is not None)
    assert second.starts_when == (phases.NIGHTLY_JOB_SHAPE, phases.QUICK_SCENARIOS_DONE)
    assert any(p.name == phases.NIGHTLY_JOB_SHAPE for step in phases.STEPS for p in step)
