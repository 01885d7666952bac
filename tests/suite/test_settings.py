"""The settings: a value the suite cannot take is one line (the variable, what is wrong, what is accepted; never a
secret); a deployment by the team's name is their environments YAML read as settings, passwords from the environment
only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.settings import SettingsError, Target, load_settings, read_deployment

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


FILE_PASSWORD = "In-The-File-9z!"

TEAM_YAML = f"""
environments:
  staging:
    name: "Staging Environment"
    focus_server:
      base_url: "https://10.0.0.5/focus-server/"
      ssl: true
      verify_ssl: false
    rabbitmq:
      host: "10.0.0.6"
      port: 5672
      ssl_port: 5671
      management_port: 15672
      username: "prisma"
      password: "{FILE_PASSWORD}"
      vhost: "/"
    grpc:
      timeout_seconds: 500
    constraints:
      windows:
        max_concurrent: 30
    acceptance:
      history_from: 2025-10-01T00:00:00Z
      history_to: "2025-10-31T00:00:00Z"
      task_ready_s: 60
  kefar_saba:
    focus_server:
      base_url: "https://10.1.0.5/focus-server"
"""


@pytest.fixture
def team_file(tmp_path: Path) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(TEAM_YAML, encoding="utf-8")
    return path


def test_the_team_shape_becomes_focus_settings_without_the_password(team_file: Path) -> None:
    variables, warnings = read_deployment("staging", team_file)
    assert variables == {
        "FOCUS_BASE_URL": "https://10.0.0.5/focus-server",
        "FOCUS_VERIFY_TLS": "false",
        "FOCUS_AMQP_URL": "amqp://prisma@10.0.0.6:5672/%2F",
        "FOCUS_RABBITMQ_API_URL": "http://10.0.0.6:15672",
        "FOCUS_RABBITMQ_API_USER": "prisma",
        "FOCUS_HISTORY_FROM": "2025-10-01T00:00:00+00:00",
        "FOCUS_HISTORY_TO": "2025-10-31T00:00:00Z",
        "FOCUS_TASK_READY_S": "60",
    }
    assert warnings == [
        f"{team_file}: environments.staging.rabbitmq.password is ignored: passwords come from the environment only "
        "(FOCUS_AMQP_PASSWORD, FOCUS_RABBITMQ_API_PASSWORD)"
    ]
    assert FILE_PASSWORD not in repr(variables)


def test_focus_env_names_the_deployment_and_the_environment_overrides_it(
    team_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOCUS_ENV", "staging")
    monkeypatch.setenv("FOCUS_ENVIRONMENTS_FILE", str(team_file))
    monkeypatch.setenv("FOCUS_TASK_READY_S", "90")  # a FOCUS_* variable wins over the file
    monkeypatch.setenv("FOCUS_AMQP_PASSWORD", "from/the#env?")
    settings = load_settings()
    assert settings.target is Target.EXTERNAL
    assert settings.base_url == "https://10.0.0.5/focus-server"
    assert settings.verify_tls is False
    assert settings.timeouts.task_ready_s == 90.0
    # The password from the environment goes into the URL, percent-encoded, and to the management API as it is.
    assert settings.amqp_url.get_secret_value() == "amqp://prisma:from%2Fthe%23env%3F@10.0.0.6:5672/%2F"
    assert settings.rabbitmq_api_password is not None
    assert settings.rabbitmq_api_password.get_secret_value() == "from/the#env?"
    assert FILE_PASSWORD not in repr(settings) + str(settings.public_view())


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("production", TEAM_YAML, "no environment 'production' (it has: kefar_saba, staging)"),
        ("staging", "environments: [1, 2]", "no `environments:` mapping"),
        ("staging", "environments: {staging: {rabbitmq: 5}}", "environments.staging.rabbitmq: a mapping"),
        ("staging", "environments: {staging: {", "not a readable YAML file"),
    ],
)
def test_a_deployment_that_cannot_be_read_is_one_line(tmp_path: Path, name: str, text: str, said: str) -> None:
    path = tmp_path / "environments.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=re.escape(said)) as caught:
        read_deployment(name, path)
    assert "\n" not in str(caught.value)


def test_a_missing_file_or_name_through_the_settings_is_a_settings_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOCUS_ENV", "staging")
    monkeypatch.setenv("FOCUS_ENVIRONMENTS_FILE", str(tmp_path / "absent.yaml"))
    with pytest.raises(SettingsError, match=r"absent\.yaml: no such file"):
        load_settings()
