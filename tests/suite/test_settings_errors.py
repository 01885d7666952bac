"""A setting the suite cannot take is one line: the variable, what is wrong with its value, what is accepted."""

from __future__ import annotations

import pytest

from support.settings import SettingsError, load_settings

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.mark.parametrize(
    ("variables", "line"),
    [
        (
            {"FOCUS_STREAM_LIMIT_S": "abc"},
            "FOCUS_STREAM_LIMIT_S='abc': input should be a valid number, unable to parse string as a number; "
            "accepted: a number of seconds above 0 (default 180)",
        ),
        (
            {"FOCUS_STREAM_LIMIT_S": "-5"},
            "FOCUS_STREAM_LIMIT_S='-5': input should be greater than 0; accepted: a number of seconds above 0 "
            "(default 180)",
        ),
        (
            {"FOCUS_VERIFY_TLS": "maybe"},
            "FOCUS_VERIFY_TLS='maybe': input should be a valid boolean, unable to interpret input; "
            "accepted: true or false (also 1/0, yes/no, on/off)",
        ),
        (
            {"FOCUS_BASE_URL": "focus.example/focus-server"},
            "FOCUS_BASE_URL='focus.example/focus-server': no http or https scheme; "
            "accepted: the Focus Server's REST base with its scheme, e.g. https://host/focus-server",
        ),
        (
            {"FOCUS_HISTORY_FROM": "2025-11-01T00:00:00Z", "FOCUS_HISTORY_TO": "2025-10-01T00:00:00Z"},
            "FOCUS_HISTORY_FROM (2025-11-01T00:00:00+00:00) is not before FOCUS_HISTORY_TO "
            "(2025-10-01T00:00:00+00:00); accepted: a search window whose start comes before its end",
        ),
        ({"FOCUS_TASK_READY_S": "0"}, "FOCUS_TASK_READY_S='0': input should be greater than 0; accepted: a number"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], line: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(line)
    assert "\n" not in str(caught.value)


def test_a_secret_setting_is_never_repeated_in_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOCUS_AMQP_URL", "broker:S3cret@host")  # no scheme, and a password
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "S3cret" not in str(caught.value)
    assert str(caught.value).startswith("FOCUS_AMQP_URL=(not shown: a secret): no amqp or amqps scheme")


@pytest.mark.parametrize("value", ["true", "false", "1", "0", "yes", "no", "on", "off"])
def test_booleans_as_documented(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("FOCUS_VERIFY_TLS", value)
    assert load_settings().verify_tls is (value in ("true", "1", "yes", "on"))
