"""The real 180 s limit (clause 2.1), measured by a probe that runs in the background from the start of the session."""

from __future__ import annotations

import grpc
import pytest

LIMIT_S = 180.0
TOLERANCE_S = 3.0


@pytest.mark.slow
def test_real_limit_cuts_live_and_history_streams_at_180_s(stands: object) -> None:
    outcome = stands.slow.result(timeout=400)
    for name in ("live", "history"):
        stream = outcome[name]
        assert stream.code == grpc.StatusCode.DEADLINE_EXCEEDED, f"{name}: {stream.code}"
        assert abs(stream.seconds - LIMIT_S) <= TOLERANCE_S, f"{name}: cut after {stream.seconds:.1f} s"


@pytest.mark.slow
def test_a_job_nobody_connects_to_lives_45_s_then_goes(stands: object) -> None:
    outcome = stands.slow.result(timeout=400)
    assert outcome["unconnected_at_44s"] == 200
    assert outcome["unconnected_gone_after_s"] is not None and outcome["unconnected_gone_after_s"] < 90
