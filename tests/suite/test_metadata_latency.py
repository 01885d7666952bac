"""Clause 2.2: the latency judgement (nearest-rank p95, the worst call, the evidence) and its set-up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from support import metadata_latency, waiters
from support.errors import PreconditionNotMet
from support.focus_api import Answer
from support.metadata_latency import LatencySeries, Sample, judge_p95_under, measure, nearest_rank
from support.settings import Settings


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        (list(range(1, 21)), 95, 19),  # ceil(0.95 * 20) = 19th
        (list(range(1, 101)), 95, 95),
        (list(range(1, 22)), 95, 20),  # ceil(19.95) = 20th of 21
        ([5.0], 95, 5.0),
        ([3, 1, 2], 50, 2),  # unsorted input
        ([3, 1, 2], 100, 3),
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
    return LatencySeries("GET /live_metadata", 200, samples)


def test_one_slow_call_of_twenty_is_tolerated_and_reported_as_the_worst() -> None:
    measured = series(7)
    assert measured.p95_s == 0.01
    assert measured.worst.number == 7
    judge_p95_under(measured, 1.0)


def test_two_slow_calls_of_twenty_fail_the_judgement_naming_p95_and_worst() -> None:
    with pytest.raises(AssertionError, match=r"too slow: GET /live_metadata: p95 1300.0 ms over 20 calls.*worst 1300"):
        judge_p95_under(series(3, 9), 1.0)


def test_a_p95_equal_to_the_limit_is_not_under_it() -> None:
    with pytest.raises(AssertionError):
        judge_p95_under(series(fast_s=1.0), 1.0)


def test_a_quick_error_is_not_quick_metadata() -> None:
    with pytest.raises(AssertionError, match="should answer 200 each time; it answered call 1: 500"):
        judge_p95_under(series(status=500), 1.0)


@dataclass
class FakeAnswer:
    status: int


def test_measure_times_each_call_in_order() -> None:
    statuses = iter([200] * 19 + [201])
    measured = measure("GET /sensors", lambda: FakeAnswer(next(statuses)), 20, expected_status=200)
    assert [s.number for s in measured.samples] == list(range(1, 21))
    assert all(s.elapsed_s >= 0 for s in measured.samples)
    assert [s.number for s in measured.unexpected] == [20]


def test_fewer_than_twenty_calls_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 20 calls"):
        measure("GET /sensors", lambda: FakeAnswer(200), 19, expected_status=200)


def test_the_evidence_table_summary_and_chart(monkeypatch) -> None:
    attached: dict[str, object] = {}
    monkeypatch.setattr(metadata_latency, "attach_csv", lambda name, text: attached.__setitem__("csv", text))
    monkeypatch.setattr(metadata_latency, "attach_markdown", lambda name, text: attached.__setitem__("md", text))
    monkeypatch.setattr(metadata_latency, "attach_png", lambda name, draw: attached.__setitem__("png", draw()))
    judge_p95_under(series(4), 1.0)
    csv_lines = str(attached["csv"]).splitlines()
    assert csv_lines[0] == "call,elapsed_ms,status" and csv_lines[4] == "4,1300.00,200" and len(csv_lines) == 21
    assert "| p95 (nearest rank) | 10.0 ms |" in str(attached["md"])
    assert "| worst | 1300.0 ms (call 4) |" in str(attached["md"])
    assert "| verdict | met |" in str(attached["md"])
    assert bytes(attached["png"]).startswith(b"\x89PNG")


def test_the_measured_step_fails_with_the_judgement(monkeypatch) -> None:
    """No green tick beside a missed limit: the step showing the figures ends as the judgement does."""
    ended: list[tuple[str, str]] = []

    @contextmanager
    def step(title: str) -> Iterator[None]:
        try:
            yield
        except BaseException as error:
            ended.append((title, type(error).__name__))
            raise
        ended.append((title, "passed"))

    for name in ("attach_csv", "attach_markdown", "attach_png"):
        monkeypatch.setattr(metadata_latency, name, lambda *args: None)
    monkeypatch.setattr(metadata_latency.allure, "step", step)
    with pytest.raises(AssertionError, match="too slow"):
        judge_p95_under(series(3, 9), 1.0)
    judge_p95_under(series(3), 1.0)
    assert [(title.split(":")[0], how) for title, how in ended] == [
        ("measured", "AssertionError"),
        ("measured", "passed"),
    ]


class _AcceptsButNeverRuns:
    """A target that accepts the task's configuration, then never answers its metadata with 201."""

    def config_task(self, task_id: str, config: object) -> Answer:
        return Answer(f"POST /config/{task_id}", 200, 0.01, '{"status": "Config received successfully"}', None)

    def task_metadata(self, task_id: str) -> Answer:
        return Answer(f"GET /metadata/{task_id}", 404, 0.01, '{"detail": "unknown"}', None)


def test_a_set_up_task_that_never_runs_is_a_precondition_not_met(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set-up of 2.2, like a refused configure: with no running task there is no latency to judge."""
    monkeypatch.setenv("FOCUS_TASK_READY_S", "0.3")
    monkeypatch.setattr(waiters, "get_settings", Settings)  # read afresh, as the run reads it once
    with pytest.raises(PreconditionNotMet, match=r"was accepted but never ran: waited 0\.3 s for GET /metadata/"):
        metadata_latency.configure_ready_task(_AcceptsButNeverRuns())  # type: ignore[arg-type]
