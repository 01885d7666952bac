"""Clause 2.2 judged on latency series made by hand: the nearest-rank p95, the worst call, the statuses."""

from __future__ import annotations

import pytest

from support.metadata_latency import LatencySeries, Sample, check_p95_under, nearest_rank


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        (list(range(1, 21)), 95, 19),  # ceil(0.95 * 20) = 19th
        (list(range(1, 22)), 95, 20),  # ceil(19.95) = 20th of 21
        ([5.0], 95, 5.0),
        ([3, 1, 2], 50, 2),  # unsorted input
    ],
)
def test_nearest_rank(values, percent, expected) -> None:
    assert nearest_rank(values, percent) == expected


@pytest.mark.parametrize(("values", "percent"), [([], 95), ([1.0], 0), ([1.0], 101)])
def test_nearest_rank_refuses_nonsense(values, percent) -> None:
    with pytest.raises(ValueError):
        nearest_rank(values, percent)


def series(*slow: int, fast_s: float = 0.01, slow_s: float = 1.3, status: int = 200) -> LatencySeries:
    samples = [Sample(n, slow_s if n in slow else fast_s, status) for n in range(1, 21)]
    return LatencySeries("GET /live_metadata", 200, tuple(samples))


def test_one_slow_call_of_twenty_is_tolerated_and_reported_as_the_worst() -> None:
    measured = series(7)
    assert measured.p95_s == 0.01
    assert measured.worst.number == 7
    check_p95_under(measured, 1.0)


def test_two_slow_calls_of_twenty_fail_the_judgement_naming_p95_and_worst() -> None:
    with pytest.raises(AssertionError, match=r"too slow: GET /live_metadata: p95 1300.0 ms over 20 calls.*worst 1300"):
        check_p95_under(series(3, 9), 1.0)


def test_a_p95_equal_to_the_limit_is_not_under_it() -> None:
    with pytest.raises(AssertionError, match=r"p95 1000\.0 ms"):
        check_p95_under(series(fast_s=1.0), 1.0)


def test_a_quick_error_is_not_quick_metadata() -> None:
    with pytest.raises(AssertionError, match=r"should answer 200 each time; it answered call 1: 500"):
        check_p95_under(series(status=500), 1.0)
