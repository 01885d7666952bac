"""Which APIs a target offers, from canned answers: FastAPI's "Not Found" means no route; an unknown id does not."""

from __future__ import annotations

import pytest
from httpfake import fake_http

from support.focus_api import FocusServer
from support.settings import Settings
from support.shape import (
    Api,
    ApiTags,
    NoApiOffered,
    TargetShape,
    api_of_tags,
    detect,
    not_offered_reason,
    resolve,
)

pytestmark = pytest.mark.usefixtures("clean_env")

PREFIX = "/focus-server"
NOT_FOUND = {"detail": "Not Found"}  # FastAPI: no such route
CHANNELS = {"lowest_channel": 1, "highest_channel": 100}
SENSORS = {"sensors": [0, 1, 2]}


def _focus(url: str) -> FocusServer:
    return FocusServer(Settings(base_url=url, http_timeout_s=5))


def test_a_job_only_target_is_told_by_fastapis_not_found_on_the_task_routes() -> None:
    with fake_http(PREFIX) as fake:
        fake.answer("GET", "/sensors", 404, NOT_FOUND)
        fake.answer("GET", "/channels", 200, CHANNELS)
        assert detect(_focus(fake.url)) is TargetShape.JOB


def test_a_404_about_an_unknown_id_is_not_a_missing_route() -> None:
    # Both answer 404, but with an error about the thing asked for: the routes are there.
    with fake_http(PREFIX) as fake:
        fake.answer("GET", "/sensors", 404, {"error": "Unknown task_id x"})
        fake.answer("GET", "/channels", 404, {"error": "Invalid job_id"})
        assert detect(_focus(fake.url)) is TargetShape.BOTH


def test_a_task_only_target_and_a_target_with_both() -> None:
    with fake_http(PREFIX) as fake:
        fake.answer("GET", "/sensors", 200, SENSORS)
        fake.answer("GET", "/channels", 404, NOT_FOUND)
        assert detect(_focus(fake.url)) is TargetShape.TASK
    with fake_http(PREFIX) as fake:
        fake.answer("GET", "/sensors", 200, SENSORS)
        fake.answer("GET", "/channels", 200, CHANNELS)
        assert detect(_focus(fake.url)) is TargetShape.BOTH


def test_a_garbled_answer_still_means_the_route_is_there() -> None:
    with fake_http(PREFIX) as fake:
        fake.answer("GET", "/sensors", 200, {"nonsense": True})
        fake.answer("GET", "/channels", 404, NOT_FOUND)
        assert detect(_focus(fake.url)) is TargetShape.TASK


def test_no_api_at_all_says_so() -> None:
    with fake_http(PREFIX) as fake:
        fake.answer("GET", "/sensors", 404, NOT_FOUND)
        fake.answer("GET", "/channels", 404, NOT_FOUND)
        with pytest.raises(NoApiOffered):
            detect(_focus(fake.url))


def test_focus_api_set_outright_asks_nothing() -> None:
    with fake_http(PREFIX) as fake:
        shape, how = resolve("task", _focus(fake.url))
        assert (shape, how) == (TargetShape.TASK, "set by FOCUS_API")
        assert fake.seen == []


def test_the_setting_defaults_to_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().api == "auto"
    monkeypatch.setenv("FOCUS_API", "job")
    assert Settings().api == "job"


def test_tags_and_reasons() -> None:
    assert api_of_tags(["spec-4.2", "api-job", "slow"]) is Api.JOB
    assert api_of_tags(["spec-1.1"]) is None
    assert TargetShape.JOB.offers(Api.JOB) and not TargetShape.JOB.offers(Api.TASK)
    assert TargetShape.BOTH.offers(Api.TASK) and TargetShape.BOTH.offers(Api.JOB)
    assert not_offered_reason(Api.TASK) == "the target offers no task API"
    assert TargetShape.JOB.describe() == "job API only"


@pytest.mark.parametrize(
    ("shape", "tags", "reason"),
    [
        (TargetShape.JOB, ["spec-2.2", "case-x", "api-task"], "the target offers no task API"),
        (TargetShape.TASK, ["api-job", "slow"], "the target offers no job API"),
        (TargetShape.JOB, ["api-job"], None),
        (TargetShape.BOTH, ["api-task"], None),
        (TargetShape.BOTH, ["api-job"], None),
        (TargetShape.TASK, ["spec-1.1"], None),  # needs neither: runs everywhere
        (TargetShape.TASK, ["api-grpc"], None),  # not an API tag of ours: ignored, as before
    ],
)
def test_the_api_tags_are_behaves_active_tags_and_a_skip_says_why(
    shape: TargetShape, tags: list[str], reason: str | None
) -> None:
    matcher = ApiTags(shape)
    assert matcher.skip_reason_of(tags) == reason
    assert matcher.should_skip_with_tags(tags) is (reason is not None)  # behave's own protocol agrees
