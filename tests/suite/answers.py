"""A made-up answer of `POST /configure`, one job on one stream, for the tests that judge what a job answered."""

from __future__ import annotations

JOB_ANSWER = {
    "status": "",
    "job_id": "7-1",
    "stream_url": "http://127.0.0.1",
    "stream_port": 5001,
    "stream_amount": 1,
    "channel_to_stream_index": {"1": 0},
    "channel_amount": 1,
    "frequencies_list": [0.0],
    "frequencies_amount": 1,
    "lines_dt": 0.05,
    "view_type": 0,
}
