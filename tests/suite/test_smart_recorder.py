"""The judgements of clause 3.1 on made-up observations: they fail for the right reason, and only then."""

from __future__ import annotations

import re
from typing import Any

import pytest
from deliveries import delivery

from support.smart_recorder import (
    RecorderObservation,
    assert_at_least_once_a_second,
    assert_data_arrives,
    assert_nothing_elsewhere,
)


def _observation(
    times: list[float], key: str = "recorder.data.das", end: float = 5.0, **kw: Any
) -> RecorderObservation:
    return RecorderObservation(0.0, end, [delivery(key, at=t, **kw) for t in times])


def test_recorder_at_least_once_a_second() -> None:
    steady = _observation([0.2 * n for n in range(1, 25)])
    assert_data_arrives(steady, "recorder.data.*", "prisma")
    assert_at_least_once_a_second(steady)
    sparse = _observation([0.5, 3.5], end=5.0)  # every 3 s
    with pytest.raises(AssertionError, match=re.escape("silent for 3.00 s")):
        assert_at_least_once_a_second(sparse)
    tail = _observation([0.2, 0.4, 0.6], end=5.0)  # stopped talking before the window ended
    with pytest.raises(AssertionError, match=re.escape("silent for 4.40 s")):
        assert_at_least_once_a_second(tail)


def test_recorder_data_must_match_the_pattern_and_come_through_prisma() -> None:
    wrong_key = _observation([0.5, 1.0], key="recorder_data.das")
    with pytest.raises(AssertionError, match=re.escape("routing keys heard: {'prisma: recorder_data.das': 2}")):
        assert_data_arrives(wrong_key, "recorder.data.*", "prisma")
    elsewhere = _observation([0.5], exchange="amq.topic")
    with pytest.raises(AssertionError, match="through 'prisma'"):
        assert_data_arrives(elsewhere, "recorder.data.*", "prisma")
    with pytest.raises(AssertionError, match=re.escape("amq.topic: recorder.data.das")):
        assert_nothing_elsewhere(elsewhere, "prisma")
    silent = _observation([])
    with pytest.raises(AssertionError, match="routing keys heard: none"):
        assert_data_arrives(silent, "recorder.data.*", "prisma")
