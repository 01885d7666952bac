"""The one timeout context: every wait a named field with its reason, overridable per deployment, listed in force."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.settings import SettingsError, load_settings
from support.timeouts import NAMES, Timeouts

pytestmark = pytest.mark.usefixtures("clean_env")


def test_every_wait_has_its_reason_and_a_default_above_zero() -> None:
    for name, field in Timeouts.model_fields.items():
        assert name.endswith("_s") and field.description and len(field.description) > 15, name
        assert field.default > 0, name


def test_each_wait_is_read_from_its_own_variable_and_listed_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    for number, name in enumerate(NAMES, start=1):
        monkeypatch.setenv(f"FOCUS_{name.upper()}", str(100 + number))
    settings = load_settings()
    assert list(settings.timeouts.in_force().values()) == [100.0 + n for n in range(1, len(NAMES) + 1)]
    shown = settings.public_view()["timeouts_s"]
    assert all(f"{name.removesuffix('_s')} {100 + n}" in shown for n, name in enumerate(NAMES, start=1))
    # The shares of the stream limit are listed as they are at the limit under test.
    monkeypatch.setenv("FOCUS_STREAM_LIMIT_S", "20")
    assert "deadline_margin 10, listen 3, job_slot_wait 60" in load_settings().public_view()["timeouts_s"]


def test_a_slow_staging_raises_a_wait_in_its_deployment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    file = tmp_path / "environments.yaml"
    file.write_text(
        "environments:\n  staging:\n    focus_server: {base_url: 'https://h/focus-server'}\n"
        "    acceptance: {queue_shows_s: 45, grpc_ready_s: 90}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FOCUS_ENV", "staging")
    monkeypatch.setenv("FOCUS_ENVIRONMENTS_FILE", str(file))
    monkeypatch.setenv("FOCUS_GRPC_READY_S", "60")  # the environment wins over the file
    waits = load_settings().timeouts
    assert (waits.queue_shows_s, waits.grpc_ready_s, waits.task_ready_s) == (45.0, 60.0, 30.0)


def test_a_bad_wait_is_one_line_naming_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOCUS_QUEUE_SHOWS_S", "-1")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == (
        "FOCUS_QUEUE_SHOWS_S='-1': input should be greater than 0; accepted: a number of seconds above 0, "
        "the wait for a fresh task's or job's results queue to show in the management API"
    )
