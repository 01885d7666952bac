"""Fixtures of the suite's unit tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from stand.control import SharedBroker, read_env_file
from support.settings import Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FOCUS_* or TARGET variable of the shell leaks into a test's Settings."""
    for key in list(os.environ):
        if key.startswith("FOCUS_") or key == "TARGET":
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A real private broker (`python -m stand broker-up`, no Focus Server), for the clients that speak to one; started
    once per session and only when a test asks for it."""
    with SharedBroker.up(tmp_path_factory.mktemp("broker") / "broker.env") as started:
        env = read_env_file(started.env_file)
        yield Settings(
            amqp_url=SecretStr(env["STAND_SHARED_AMQP_URL"]),
            rabbitmq_api_url=env["STAND_SHARED_RABBITMQ_API_URL"],
            rabbitmq_api_user=env["STAND_SHARED_RABBITMQ_API_USER"],
            rabbitmq_api_password=SecretStr(env["STAND_SHARED_RABBITMQ_API_PASSWORD"]),
        )
