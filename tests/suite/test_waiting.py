"""The quick poll's pace (support/waiting.py, `Polling`): a poll that made progress is followed at once, one that
did not after a pause, and none once the deadline passed."""

from __future__ import annotations

from support import waiting
from support.waiting import Polling


def test_a_poll_that_made_progress_is_followed_at_once_else_after_a_pause(monkeypatch) -> None:
    paused: list[float] = []
    monkeypatch.setattr(waiting.time, "sleep", paused.append)
    polling = Polling(timeout_s=60, interval_s=0.2)
    assert polling.again(progress=True) and paused == []
    assert polling.again(progress=False) and paused == [0.2]


def test_no_poll_after_the_deadline() -> None:
    polling = Polling(timeout_s=1, started=waiting.time.monotonic() - 2)
    assert not polling.again(progress=True)
