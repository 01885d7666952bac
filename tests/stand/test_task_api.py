"""Contract: REST task API (routes, bodies, status codes), over HTTP against the main stand."""

from __future__ import annotations

import itertools
import time

import pytest
from polls import until
from stand_wire import StandHandle, live_task_body, unique_id

ROWS_WINDOW_S = 2.0  # between two reads of a live waterfall


def test_waterfall_200_empty_then_201_blocks_of_at_most_row_count_rows(stand: StandHandle) -> None:
    task_id = unique_id("wf")
    stand.post(f"/config/{task_id}", live_task_body(canvasInfo={"height": 200}))
    first = stand.get(f"/waterfall/{task_id}/5")
    assert first.status_code == 200 and first.content == b""  # the consumer takes a moment to start
    answer = until(lambda: _rows_answer(stand, f"/waterfall/{task_id}/5"), f"{task_id}'s first rows")
    assert answer.status_code == 201
    blocks = answer.json()
    rows = [row for block in blocks for row in block["rows"]]
    assert 1 <= len(rows) <= 5
    for block in blocks:
        assert block["current_max_amp"] >= block["current_min_amp"]
    row = rows[0]
    assert set(row) == {"canvasId", "sensors", "startTimestamp", "endTimestamp"}
    assert isinstance(row["canvasId"], str) and row["endTimestamp"] > row["startTimestamp"]
    assert [s["id"] for s in row["sensors"]] == list(range(0, 8))
    assert all(isinstance(v, float) for s in row["sensors"] for v in s["intensity"])


def _rows_answer(stand: StandHandle, path: str):
    """The answer when it carries rows (201), else None: a poll's probe."""
    answer = stand.get(path)
    return answer if answer.status_code != 200 else None


def test_live_rows_come_at_height_over_duration_per_second(stand: StandHandle) -> None:
    task_id = unique_id("rate")
    stand.post(f"/config/{task_id}", live_task_body(canvasInfo={"height": 50}, displayTimeAxisDuration=10))
    rate, spacing_ms = 50 / 10, 1000 * 10 / 50  # height / duration rows per second, 200 ms apart
    # A read takes every row due at its instant on the stand, which lies between the request's start and end: the
    # rows between two reads are bounded by the monotonic time measured between them (± the row due at either
    # instant), whatever a busy host does to the pause between them.
    path = f"/waterfall/{task_id}/1000"
    until(lambda: _rows_answer(stand, path), f"{task_id}'s first rows")  # its consumer runs
    first_began = time.monotonic()
    stand.get(path)  # every row due until now taken (200 when none came since)
    first_ended = time.monotonic()
    time.sleep(ROWS_WINDOW_S)  # rows come meanwhile (how long exactly is measured, not assumed)
    second_began = time.monotonic()
    answer = stand.get(path)
    second_ended = time.monotonic()
    assert answer.status_code == 201, answer.status_code
    rows = [r for b in answer.json() for r in b["rows"]]
    fewest = int(rate * (second_began - first_ended)) - 1
    most = int(rate * (second_ended - first_began)) + 1
    assert fewest <= len(rows) <= most, (
        f"{len(rows)} rows between reads {second_began - first_ended:.2f} to {second_ended - first_began:.2f} s "
        f"apart, at {rate:g} rows/s: expected {fewest} to {most}"
    )
    starts = [row["startTimestamp"] for row in rows]
    # As configured, to the millisecond the timestamps are floored to: every row 200 ms after the one before, no drift.
    assert all(abs(b - a - spacing_ms) <= 1 for a, b in itertools.pairwise(starts)), starts
    assert abs(starts[-1] - starts[0] - spacing_ms * (len(starts) - 1)) <= 1, starts


@pytest.mark.parametrize("row_count", [0, -1])
def test_waterfall_row_count_not_positive_is_400(stand: StandHandle, row_count: int) -> None:
    task_id = unique_id("rc")
    stand.post(f"/config/{task_id}", live_task_body())
    assert stand.get(f"/waterfall/{task_id}/{row_count}").status_code == 400


def test_unknown_task_is_404_on_waterfall_and_metadata(stand: StandHandle) -> None:
    assert stand.get("/waterfall/no_such_task/10").status_code == 404
    assert stand.get("/metadata/no_such_task").status_code == 404


def test_task_metadata_200_empty_then_201_flat_metadata(stand: StandHandle) -> None:
    task_id = unique_id("meta")
    stand.post(f"/config/{task_id}", live_task_body())
    early = stand.get(f"/metadata/{task_id}")
    assert early.status_code == 200 and early.content == b""
    later = until(lambda: _rows_answer(stand, f"/metadata/{task_id}"), f"{task_id}'s metadata")
    assert later.status_code == 201
    assert later.json() == stand.get("/live_metadata").json()


def test_live_metadata_and_sensors(stand: StandHandle) -> None:
    meta = stand.get("/live_metadata").json()
    assert set(meta) == {
        "prr", "dx", "number_of_channels", "num_samples_per_trace", "dtype", "sw_version",
        "fiber_description", "fiber_start_meters", "fiber_length_meters",
    }  # fmt: skip
    sensors = stand.get("/sensors").json()["sensors"]
    assert sensors == list(range(meta["number_of_channels"]))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"canvasInfo": {"height": 0}}, "height"),
        ({"displayTimeAxisDuration": -1}, "displayTimeAxisDuration"),
        ({"nfftSelection": "many"}, "nfftSelection"),
        ({"sensors": {"min": 5, "max": 2}}, "max"),
        ({"frequencyRange": {"min": 10, "max": 10}}, "max"),
        ({"start_time": "251301000000", "end_time": "251301010000"}, "start_time"),
        ({"start_time": "251009100000", "end_time": None}, "end_time"),
        ({"sensors": None}, "sensors"),
    ],
)
def test_malformed_config_is_422_naming_the_field(stand: StandHandle, change: dict, field: str) -> None:
    answer = stand.post(f"/config/{unique_id('bad')}", live_task_body(**change))
    assert answer.status_code == 422
    assert any(field in map(str, error["loc"]) for error in answer.json()["detail"]), answer.text


def test_missing_body_field_is_422(stand: StandHandle) -> None:
    body = live_task_body()
    del body["canvasInfo"]
    answer = stand.post(f"/config/{unique_id('miss')}", body)
    assert answer.status_code == 422 and "canvasInfo" in answer.text
