"""Secrets come from the environment only and never reach a file of the run: a whole quick run with its report
(`python -m tools.run.nightly`), against the stand whose broker took its password from STAND_BROKER_PASSWORD, and with
a REST base URL that carries credentials of its own. Every file under the run's reports folder (Allure results and
attachments, environment.properties, JUnit, logs, the traceability and other pages, both reports, the history) and
the runner's own output are searched for each password in every form: as it is, percent-encoded, inside an
`Authorization: Basic` value, and inside base64 blobs (the single-file report embeds everything that way).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from safety_parts import StandHandle
from safety_runs import run_nightly, target_env
from safety_scan import count_files, forms, scan

from support.evidence import mask_files
from support.settings import Settings

REST_USER, REST_PASSWORD = "reporter", "Rest-Pw-5f3a!q"


def test_no_password_in_any_form_in_any_file_of_a_run(stand: StandHandle, tmp_path: Path, figures: dict) -> None:
    focus = dict(stand.focus)
    assert stand.password in focus["FOCUS_RABBITMQ_API_PASSWORD"]  # the stand's broker took it from the environment
    focus["FOCUS_BASE_URL"] = focus["FOCUS_BASE_URL"].replace("http://", f"http://{REST_USER}:{REST_PASSWORD}@", 1)
    base = tmp_path / "reports"

    run = run_nightly(target_env(focus), base, "--parallel", "3")
    figures["secrets run (nightly quick + report)"] = f"{run.seconds:.0f} s, exit {run.returncode}"

    assert (base / "allure-report" / "index.html").is_file(), run.stdout[-3000:]
    assert (base / "allure-report-single" / "index.html").is_file()
    assert (base / "allure-report" / "traceability.html").is_file()
    properties = (base / "allure-results" / "environment.properties").read_text()
    # The settings are there, masked: the scan below finding nothing is not for want of the URLs.
    assert "amqp_url=amqp://focus:***@127.0.0.1:" in properties
    assert f"base_url=http://{REST_USER}:***@127.0.0.1:" in properties
    attachments = list((base / "allure-results").glob("*-attachment.*"))
    assert len(attachments) > 50  # evidence was attached: HTTP exchanges, management API listings, deliveries
    assert any(f"{REST_USER}:***@" in path.read_text(errors="replace") for path in attachments)  # masked, not absent

    secrets = forms("focus", stand.password) | forms(REST_USER, REST_PASSWORD)
    (tmp_path / "runner-output.txt").write_text(run.stdout + run.stderr)
    leaks = scan([base, tmp_path / "runner-output.txt"], secrets)
    figures["files searched for secrets"] = count_files([base])
    assert leaks == {}


def test_the_search_finds_a_password_hidden_in_base64(tmp_path: Path) -> None:
    """The search itself is sharp: a password inside base64 inside base64 is found, and where."""
    inner = base64.b64encode(b'{"url": "amqp://focus:S3cr%21t@host/"}').decode()
    page = base64.b64encode(f'<script>d("data/x.json","{inner}")</script>'.encode()).decode()
    (tmp_path / "index.html").write_text(f'<html><script>d("page.html","{page}")</script></html>')
    (tmp_path / "clean.txt").write_text("amqp://focus:***@host/")
    assert scan([tmp_path], forms("focus", "S3cr!t")) == {
        str(tmp_path / "index.html"): ["S3cr%21t (base64-encoded) (base64-encoded)"]
    }


def test_credentials_come_from_the_environment_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No default and no file: a `.env` beside the run is not read; what the environment gives is kept secret
    (never in a repr), and the management API gets the URL's password decoded (`p%40ss` is `p@ss`)."""
    for key in [key for key in os.environ if key.startswith("FOCUS_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("FOCUS_AMQP_URL=amqp://focus:from-a-file@127.0.0.1/\n")
    assert Settings().amqp_url.get_secret_value() == ""
    assert Settings().secrets() == []

    monkeypatch.setenv("FOCUS_AMQP_URL", "amqp://focus:p%40ss@127.0.0.1:5672/%2F")
    settings = Settings()
    assert settings.rabbitmq_api_user == "focus"
    assert settings.rabbitmq_api_password is not None
    assert settings.rabbitmq_api_password.get_secret_value() == "p@ss"
    assert "p@ss" not in repr(settings) and "p%40ss" not in repr(settings)
    assert {"p@ss", "p%40ss", base64.b64encode(b"focus:p@ss").decode()} <= set(settings.secrets())
    assert settings.public_view()["amqp_url"] == "amqp://focus:***@127.0.0.1:5672/%2F"


ODD = "p/a#s?w@rd"  # characters that end urlsplit's netloc early: such a URL does not parse


def test_a_password_that_breaks_the_url_is_still_found_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Masking goes by the password's value, not by parsing: a password with `/`, `#` or `?` written as it is into
    FOCUS_AMQP_URL is masked in the URL shown and found in every form it may take."""
    for key in [key for key in os.environ if key.startswith("FOCUS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("FOCUS_AMQP_URL", f"amqp://focus:{ODD}@broker:5672/%2F")
    monkeypatch.setenv("FOCUS_RABBITMQ_API_PASSWORD", "Api/Pw#2?")
    monkeypatch.setenv("XRAY_CLIENT_SECRET", "xray-Secret-77")
    settings = Settings()
    found = set(settings.secrets())
    assert {ODD, "p%2Fa%23s%3Fw%40rd", "Api/Pw#2?", "Api%2FPw%232%3F", "xray-Secret-77"} <= found
    assert base64.b64encode(f"focus:{ODD}".encode()).decode() in found
    assert settings.public_view()["amqp_url"] == "amqp://focus:***@broker:5672/%2F"
    assert ODD not in str(settings.public_view())


def test_mask_files_replaces_each_secret_in_every_text_file(tmp_path: Path) -> None:
    """What behave writes itself (its JUnit) and the processes' output are masked after the run, by value."""
    junit = tmp_path / "junit" / "job-1" / "TESTS-x.xml"
    junit.parent.mkdir(parents=True)
    junit.write_text(f"<testcase><system-out>amqp://focus:{ODD}@broker/</system-out></testcase>", encoding="utf-8")
    picture = tmp_path / "a.png"
    picture.write_bytes(b"\x89PNG" + ODD.encode())
    clean = tmp_path / "clean.log"
    clean.write_text("nothing here", encoding="utf-8")
    assert mask_files(tmp_path, [ODD]) == [junit]
    assert junit.read_text(encoding="utf-8") == "<testcase><system-out>amqp://focus:***@broker/</system-out></testcase>"
    assert picture.read_bytes().endswith(ODD.encode())  # a picture's bytes are left whole


def test_a_password_written_as_it_is_into_the_url_is_written_nowhere(tmp_path: Path) -> None:
    """A password with `/`, `#` and `?` written into FOCUS_AMQP_URL as it is (so the URL does not parse), and one in
    FOCUS_RABBITMQ_API_PASSWORD: the run stops at its first check, and neither is in its output or its folder."""
    amqp_password, api_password = "Odd/Pw#1?z", "Api/Pw#2?y"
    env = {key: value for key, value in os.environ.items() if not key.startswith("FOCUS_")}
    env |= {
        "TARGET": "external",
        "FOCUS_BASE_URL": "http://127.0.0.1:9/focus-server",
        "FOCUS_AMQP_URL": f"amqp://focus:{amqp_password}@127.0.0.1:9/%2F",
        "FOCUS_RABBITMQ_API_URL": "http://127.0.0.1:9",
        "FOCUS_RABBITMQ_API_PASSWORD": api_password,
    }
    base = tmp_path / "reports"
    run = run_nightly(env, base)
    assert run.returncode == 2, run.stdout[-2000:]
    (tmp_path / "runner-output.txt").write_text(run.stdout + run.stderr, encoding="utf-8")
    secrets = forms("focus", amqp_password) | forms("focus", api_password)
    assert scan([base, tmp_path / "runner-output.txt"], secrets) == {}
