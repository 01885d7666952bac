"""Contract: REST job API and the gRPC stream (layout, pacing, the cut at the test-only stream limit)."""

from __future__ import annotations

import re

import grpc
import numpy as np
import pytest
from conftest import TEST_STREAM_LIMIT_S
from stand_wire import StandHandle, data, gaps_ms, job_body, live_task_body, read_stream, utc

from stand.timing import StandTiming

TOLERANCE_S = 1.0


def test_configure_answers_200_with_every_field(stand: StandHandle) -> None:
    answer = stand.post("/configure", job_body(channels={"min": 11, "max": 60}))
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {
        "status", "job_id", "stream_url", "stream_port", "stream_amount", "channel_to_stream_index",
        "channel_amount", "frequencies_list", "frequencies_amount", "lines_dt", "view_type",
    }  # fmt: skip
    assert re.fullmatch(r"\d+-\d+", body["job_id"])
    assert body["stream_url"] == "http://127.0.0.1" and int(body["stream_port"]) > 0
    assert sorted(map(int, body["channel_to_stream_index"])) == list(range(11, 61))
    assert body["channel_amount"] == 50 and body["frequencies_amount"] == len(body["frequencies_list"])
    assert body["lines_dt"] == pytest.approx(10 / 200) and body["view_type"] == "0"
    assert stand.get(f"/metadata/{body['job_id']}").json() == body


def test_channels_ack_and_openapi(stand: StandHandle) -> None:
    assert stand.get("/channels").json() == {"lowest_channel": 1, "highest_channel": 2337}
    ack = stand.get("/ack")
    assert (ack.status_code, ack.json()) == (200, {})
    paths = stand.get("/openapi.json").json()["paths"]
    for route in [
        "/focus-server/config/{task_id}", "/focus-server/waterfall/{task_id}/{row_count}",
        "/focus-server/metadata/{run_id}", "/focus-server/live_metadata", "/focus-server/sensors",
        "/focus-server/configure", "/focus-server/channels", "/focus-server/recordings_in_time_range",
        "/focus-server/ack",
    ]:  # fmt: skip
        assert route in paths


def test_recordings_in_time_range_are_whole_overlapping_and_sorted(stand: StandHandle) -> None:
    window = {"start_time": utc("2025-10-09 10:02:00"), "end_time": utc("2025-10-09 10:12:00")}
    assert stand.post("/recordings_in_time_range", window).json() == [
        [utc("2025-10-09 10:00:00"), utc("2025-10-09 10:05:00")],
        [utc("2025-10-09 10:10:00"), utc("2025-10-09 10:15:00")],
    ]
    empty = {"start_time": utc("2025-01-01 00:00:00"), "end_time": utc("2025-01-01 01:00:00")}
    assert stand.post("/recordings_in_time_range", empty).json() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [({"view_type": "9"}, "view_type"), ({"channels": {"min": 0, "max": 5}}, "min"), ({"displayInfo": {}}, "height")],
)
def test_malformed_configure_is_422_naming_the_field(stand: StandHandle, change: dict, field: str) -> None:
    answer = stand.post("/configure", job_body(**change))
    assert answer.status_code == 422
    assert any(field in map(str, e["loc"]) for e in answer.json()["detail"]), answer.text


def test_a_start_time_without_end_time_is_422_on_both_apis(stand: StandHandle) -> None:
    job, task = job_body(start_time=utc("2025-10-08 09:00:00")), live_task_body(start_time="251008090000")
    for path, body in [("/configure", job), ("/config/start_only_task", task)]:
        del body["end_time"]  # missing, not null
        answer = stand.post(path, body)
        assert answer.status_code == 422 and "end_time" in answer.text, path


def test_unknown_job_id_is_404_invalid_job_id(stand: StandHandle) -> None:
    answer = stand.get("/metadata/99-999999")
    assert (answer.status_code, answer.json()) == (404, {"error": "Invalid job_id"})


def test_live_stream_frame_layout_rate_and_cut_at_the_limit(stand: StandHandle) -> None:
    answer = stand.post("/configure", job_body(channels={"min": 5, "max": 24})).json()
    outcome = read_stream(answer, keep_frames=20)
    assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED and outcome.by_server, str(outcome)
    assert abs(outcome.seconds - TEST_STREAM_LIMIT_S) <= TOLERANCE_S
    # Rows are due by the clock, height / displayTimeAxisDuration a second from the stream's start, and they kept
    # coming until the cut: as many as the time to the last frame holds by our measure. At most one more (our call
    # starts before the stand's clock does, a frame arrives after it was sent); fewer by at most the stand's start
    # as the first frame's arrival bounds it, a frame's batch of rows and a row either side.
    rate, (first_frame_s, *_, last_frame_s) = 200 / 10, outcome.arrivals_s
    due = rate * last_frame_s
    fewest = due - rate * (first_frame_s + StandTiming.frame_interval_s) - 2
    assert fewest <= outcome.rows <= due + 1, f"{outcome.rows} rows, {due:.1f} due by the last frame ({outcome})"
    assert last_frame_s >= 0.9 * outcome.seconds, str(outcome)
    # Every frame by the contract's layout: rows = len(timestamps) = len(row_index), y * z float32 per row.
    for frame in outcome.frames:
        values = data(frame)
        assert (frame.start_channel, frame.end_channel) == (5, 24)
        assert len(frame.timestamp_in_milis) == len(frame.row_index) == frame.data_shape_x
        assert values.shape == (frame.data_shape_x, 20, 1) and np.isfinite(values).all()
        assert (values.max(), values.min()) == pytest.approx((frame.global_maximum, frame.global_minimum))
    indexes = [i for f in outcome.frames for i in f.row_index]
    assert indexes == list(range(len(indexes)))
    # The job is gone once its only stream ended.
    assert stand.get(f"/metadata/{answer['job_id']}").json() == {"error": "Invalid job_id"}


def test_history_stream_at_recording_pace_ends_ok_when_data_runs_out(stand: StandHandle) -> None:
    # 2 s before the hole and 3 s after it: 5 s of data, the 5-minute hole skipped.
    window = job_body(start_time=utc("2025-10-09 10:04:58"), end_time=utc("2025-10-09 10:10:03"))
    answer = stand.post("/configure", window).json()
    outcome = read_stream(answer)
    assert outcome.code == grpc.StatusCode.OK and outcome.by_server, str(outcome)
    assert 4.0 <= outcome.seconds <= 6.5  # recording pace, hole skipped
    seconds = sorted({t // 1000 for t in outcome.timestamps})
    assert seconds == [utc("2025-10-09 10:04:58") + i for i in (0, 1)] + [
        utc("2025-10-09 10:10:00") + i for i in (0, 1, 2)
    ]
    assert gaps_ms(outcome.timestamps, 1000) == [
        (max(t for t in outcome.timestamps if t < utc("2025-10-09 10:05:00") * 1000), utc("2025-10-09 10:10:00") * 1000)
    ]
    assert stand.get(f"/metadata/{answer['job_id']}").status_code == 404


def test_multichannel_job_spreads_channels_over_streams(stand: StandHandle) -> None:
    answer = stand.post("/configure", job_body(channels={"min": 1, "max": 2222}, displayInfo={"height": 20})).json()
    assert answer["stream_amount"] == 3 and answer["channel_amount"] == 2222
    mapping = answer["channel_to_stream_index"]
    last_stream = mapping["2222"]
    outcome = read_stream(answer, stream_id=last_stream, keep_frames=3, read_for_s=3)
    frame = outcome.frames[0]
    mine = sorted(int(c) for c, s in mapping.items() if s == last_stream)
    assert (frame.start_channel, frame.end_channel) == (mine[0], mine[-1])
    assert data(frame).shape[1] == len(mine)


def test_single_channel_frames_carry_frequency_bins(stand: StandHandle) -> None:
    answer = stand.post("/configure", job_body(view_type="1", channels={"min": 7, "max": 7})).json()
    assert answer["stream_amount"] == 1 and answer["channel_to_stream_index"] == {"7": 0}
    frame = read_stream(answer, keep_frames=2, read_for_s=3).frames[0]
    assert data(frame).shape == (frame.data_shape_x, 1, answer["frequencies_amount"])


def test_unknown_stream_id_is_refused_and_job_lives_on(stand: StandHandle) -> None:
    answer = stand.post("/configure", job_body()).json()
    outcome = read_stream(answer, stream_id=7, deadline_s=3)
    assert outcome.code == grpc.StatusCode.NOT_FOUND and outcome.by_server, str(outcome)
    assert stand.get(f"/metadata/{answer['job_id']}").status_code == 200
