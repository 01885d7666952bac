"""The waits a deployment paces by itself are settings, read from the environment in one place and reported."""

from __future__ import annotations

import pytest

from support.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_env")

WAITS = {
    "FOCUS_TASK_READY_S": ("task_ready_s", 30.0),
    "FOCUS_MANAGEMENT_LAG_S": ("management_lag_s", 20.0),
    "FOCUS_KEEPALIVE_S": ("keepalive_s", 20.0),
    "FOCUS_QUEUE_GONE_S": ("queue_gone_s", 20.0),
}


def test_defaults_fit_the_stand_and_a_default_rabbitmq() -> None:
    settings = Settings()
    assert {name: getattr(settings, name) for name, _ in WAITS.values()} == dict(WAITS.values())


def test_each_wait_is_read_from_the_environment_and_shown_in_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    for number, variable in enumerate(WAITS, start=1):
        monkeypatch.setenv(variable, str(100 + number))
    settings = Settings()
    assert [getattr(settings, name) for name, _ in WAITS.values()] == [101.0, 102.0, 103.0, 104.0]
    assert settings.public_view()["waits_s"] == "task_ready 101, management_lag 102, keepalive 103, queue_gone 104"
