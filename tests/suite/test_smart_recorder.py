"""Clause 3.1 judged on observations made by hand."""

from __future__ import annotations

import pytest
from deliveries import delivery

from support.smart_recorder import (
    RecorderObservation,
    check_at_least_once_a_second,
    check_data_arrives,
    check_nothing_elsewhere,
)


def observed(*deliveries: object, seconds: float = 3.0) -> RecorderObservation:
    return RecorderObservation(0.0, seconds, tuple(deliveries))  # type: ignore[arg-type]


def test_data_through_prisma_matching_the_pattern() -> None:
    check_data_arrives(observed(delivery("recorder.data.7", at=0.5)), "recorder.data.*", "prisma")
    with pytest.raises(AssertionError, match=r"'recorder.data.\*' arrived through 'prisma'.*other: recorder.data.7"):
        check_data_arrives(observed(delivery("recorder.data.7", exchange="other")), "recorder.data.*", "prisma")
    with pytest.raises(AssertionError, match=r"prisma: recorder.status"):
        check_data_arrives(observed(delivery("recorder.status")), "recorder.data.*", "prisma")


def test_at_least_once_a_second_counting_the_window_edges() -> None:
    steady = [delivery("recorder.data.1", at=t) for t in (0.5, 1.5, 2.5)]
    check_at_least_once_a_second(observed(*steady))
    with pytest.raises(AssertionError, match=r"silent for 2.00 s"):
        check_at_least_once_a_second(observed(*steady[:2], seconds=3.5))  # the end of the window counts


def test_nothing_of_the_recorder_elsewhere() -> None:
    check_nothing_elsewhere(observed(delivery("recorder.data.1"), delivery("other.key", exchange="x")), "prisma")
    with pytest.raises(AssertionError, match=r"'x: recorder.data.1': 1"):
        check_nothing_elsewhere(observed(delivery("recorder.data.1", exchange="x")), "prisma")
