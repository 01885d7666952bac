"""Malformed answers (a wrong type, a missing field, non-JSON, a list or an object where the contract has a string)
fail the scenario, a product defect and never broken, with the pydantic error naming the field, and the run goes on:
five real scenarios (2.2, the two fail-fast ones of 4.1) in one behave run against a fake REST target whose every
route answers its own kind of garbage, with the production node as its broker (the preflight passes).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from httpfake import Canned, FakeHttp, answer, serve
from safety_parts import PREFIX, Production, label, on_production, run_behave, target_env

from stand import fiber

LIVE_METADATA = fiber.live_metadata() | {"prr": "fast"}  # wrong type: a number belongs here


def _config_task(match: re.Match[str], body: bytes) -> Canned:
    if json.loads(body or b"{}").get("start_time") is None:
        return Canned(200, json.dumps({"status": "Config received successfully", "task_id": match.group(1)}))
    # A history window: the refusal comes back as a proxy's HTML error page, not JSON.
    return Canned(400, "<html><body><h1>400 Bad Request</h1></body></html>", "text/html")


def _fake() -> FakeHttp:
    fake = FakeHttp(prefix=PREFIX).answer("GET", "/ack", 200, {}).answer("GET", "/live_metadata", 200, LIVE_METADATA)
    # Wrong shape: a list where the contract has a string.
    fake.route("GET", "/metadata/([A-Za-z0-9_-]+)", answer(201, {**LIVE_METADATA, "prr": 2000.0, "dtype": ["f"]}))
    fake.answer("GET", "/sensors", 200, {"sensor_ids": list(range(64))})  # missing field `sensors`
    fake.answer("POST", "/recordings_in_time_range", 200, [])
    fake.route("POST", r"/config/([A-Za-z0-9_-]+)", _config_task)
    # Wrong shape: the error text wrapped in an object where the contract has a string.
    return fake.answer("POST", "/configure", 400, {"error": {"code": 400, "text": "No recordings found"}})


EXPECTED = {  # scenario (its @case tag) → what its failure must say, naming the field
    "live-metadata-quick": "GET /live_metadata answered 200 with a malformed body: prr: Input should be a valid number",
    "task-metadata-quick": "answered 201 with a malformed body: dtype: Input should be a valid string",
    "sensors-quick": "GET /sensors answered 200 with a malformed body: sensors: Field required",
    "no-recordings-task-fails-fast": "answered 400 with a malformed body: (body): Invalid JSON",
    "no-recordings-job-fails-fast": "POST /configure answered 400 with a malformed body: error: Input should be a "
    "valid string",
}


def test_each_malformed_answer_fails_its_scenario_naming_the_field_and_the_run_goes_on(
    production: Production, tmp_path: Path
) -> None:
    with serve(_fake()) as target:
        env = target_env(on_production(production, target.url, FOCUS_API="both"))
        selection = " or ".join(f"@case-{case}" for case in EXPECTED)
        run = run_behave(env, tmp_path, "features", f"--tags={selection}", timeout_s=180)

    results = {}
    for result in run.results():
        tags = [item["value"] for item in result["labels"] if item["name"] == "tag"]
        results[next(tag.removeprefix("case-") for tag in tags if tag.startswith("case-"))] = result
    assert sorted(results) == sorted(EXPECTED), run.stdout[-3000:]  # every one ran: the run went on
    for case, result in results.items():
        message = result["statusDetails"]["message"]
        assert result["status"] == "failed", message  # a product defect, never "broken"
        assert label(result, "outcome") == "product defect"
        assert "MalformedAnswer" in message and EXPECTED[case] in message, message
    assert run.returncode == 1  # behave's "failed", not a crash
    assert "Traceback" not in run.stderr
