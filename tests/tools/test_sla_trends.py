"""SLA figures collected from a run's attachments (no measuring again), and the timeline's lanes made distinct."""

from __future__ import annotations

import json
from pathlib import Path

from tools.report import sla_trends
from tools.report.timeline_lanes import distinct_lanes, lane_id


def _result(folder: Path, name: str, spec: str, case: str, attachments: dict[str, tuple[str, str]]) -> None:
    attached = []
    for attachment, (suffix, body) in attachments.items():
        source = f"{case}-{len(attached)}-attachment.{suffix}"
        (folder / source).write_text(body)
        attached.append({"name": attachment, "source": source})
    result = {
        "name": name,
        "status": "passed",
        "labels": [{"name": "spec", "value": spec}, {"name": "tag", "value": f"case-{case}"}],
        "steps": [{"name": "a step", "attachments": attached}],
    }
    (folder / f"{case}-result.json").write_text(json.dumps(result))


def test_the_figures_come_from_the_attachments(tmp_path: Path) -> None:
    timeline = {"ending": "ended by the server", "end_status": "DEADLINE_EXCEEDED", "ended_s": 180.4}
    timeline |= {"stream_limit_s": 180.0, "tolerance_s": 3.0}
    _result(tmp_path, "limit", "2.1", "grpc-limit-reached", {"gRPC stream timeline": ("json", json.dumps(timeline))})
    told = "POST /configure answered 400 in 0.090 s (limit for 'at once': under 2 s)"
    _result(tmp_path, "empty", "4.1", "no-recordings-job-fails-fast", {"time to answer": ("txt", told)})
    kept = [
        {"arrived_utc": f"2026-12-02T09:36:{second:02d}.000+00:00", "routing_key": "recorder.data.das"}
        for second in (0, 1, 2, 4)
    ]
    probe = json.dumps({"deliveries_received": 4, "deliveries_kept": kept})
    _result(tmp_path, "rec", "3.1", "recorder-data-on-prisma", {"AMQP probe": ("json", probe)})
    figures = {f.key: f for f in sla_trends.collect(tmp_path)}
    end = figures["grpc-limit-reached: end"]
    assert (end.value, end.threshold, end.low) == (180.4, 183.0, 177.0)
    assert round(end.margin(), 3) == 2.6
    assert figures["no-recordings-job-fails-fast: time to answer"].value == 0.09
    assert figures["recorder-data-on-prisma: rate"].value == 0.75  # 3 intervals over 4 s
    silence = figures["recorder-data-on-prisma: silence"]
    assert silence.value == 2.0 and silence.margin() < 0  # over 1.25 s: a red point


def test_a_figure_moving_toward_its_threshold_is_flagged_while_passing() -> None:
    def run(value: float) -> dict:
        figure = sla_trends.Figure("k", "GET /x: p95", "ms", value, 1000.0, True, "2.2")
        return {"run_started": str(value), "figures": [figure.__dict__]}

    assert not sla_trends.series([run(100), run(120), run(130)])[0].drifting  # margin 870 vs 890: 2 %
    assert sla_trends.series([run(100), run(120), run(500)])[0].drifting  # margin 500 vs 890: 44 %
    assert not sla_trends.series([run(100), run(120), run(1500)])[0].drifting  # failing: red, not "drifting"


def test_colliding_processes_get_lanes_of_their_own(tmp_path: Path) -> None:
    assert lane_id("vm", "main 6215") == lane_id("vm", "slow 6206")
    for n, thread in enumerate(["main 6215", "main 6215", "slow 6206"]):
        labels = [{"name": "host", "value": "vm"}, {"name": "thread", "value": thread}]
        (tmp_path / f"{n}-result.json").write_text(json.dumps({"start": n, "labels": labels}))
    assert distinct_lanes(tmp_path) == {("vm", "slow 6206"): "slow 6206·2"}  # the busiest keeps its name
    threads = {
        label["value"]
        for path in tmp_path.glob("*-result.json")
        for label in json.loads(path.read_text())["labels"]
        if label["name"] == "thread"
    }
    assert len({lane_id("vm", thread) for thread in threads}) == 2
