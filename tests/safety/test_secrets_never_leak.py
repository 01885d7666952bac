"""Secrets (passwords in URLs, the management API's, the Xray secret) never reach a run's output or a file it writes
(Allure results and attachments, JUnit): the whole quick run (the AMQP password holds `/`, `#`, `?`, `@`; the REST
URL carries credentials), and a run whose passwords are written raw into unparseable URLs. Every file is searched
for each password in every form (safety_parts.scan), and the search itself is shown to find one.
"""

from __future__ import annotations

import base64
from pathlib import Path

import safety_parts as parts
from httpfake import closed_port
from safety_parts import FIGURES, REST_PASSWORD, REST_USER, Production, Run, Watcher, forms, scan


def test_no_password_in_any_form_in_any_file_of_a_whole_run(
    whole_run: tuple[Run, Watcher], production: Production
) -> None:
    run, _ = whole_run
    attachments = list((run.base / "allure-results").glob("*-attachment*"))
    FIGURES["files searched for secrets (whole run)"] = sum(1 for p in run.base.rglob("*") if p.is_file())
    assert len(attachments) > 50, run.stdout[-3000:]  # evidence was attached: exchanges, listings, deliveries
    # The URL is there, masked: the search below finding nothing is not for want of it.
    assert any(f"{REST_USER}:***@" in path.read_text(errors="replace") for path in attachments)
    assert scan(run.base, forms("focus", production.broker.password) | forms(REST_USER, REST_PASSWORD)) == {}


def test_a_password_written_as_it_is_into_the_url_is_written_nowhere(tmp_path: Path) -> None:
    """Passwords with `/`, `#` and `?` written into FOCUS_AMQP_URL and FOCUS_BASE_URL as they are (so the URLs do
    not parse), one in FOCUS_RABBITMQ_API_PASSWORD, the Xray secret: the run stops at its first check, and none is
    in its output or its folder."""
    amqp, rest, api, xray = "Odd/Pw#1?z", "Rest/Pw#3?", "Api/Pw#2?y", "xray-Secret-77"
    port = closed_port()
    focus = {
        "FOCUS_BASE_URL": f"http://reporter:{rest}@127.0.0.1:{port}/focus-server",
        "FOCUS_AMQP_URL": f"amqp://focus:{amqp}@127.0.0.1:{port}/%2F",
        "FOCUS_RABBITMQ_API_URL": f"http://127.0.0.1:{port}",
        "FOCUS_RABBITMQ_API_PASSWORD": api,
        "XRAY_CLIENT_SECRET": xray,
    }
    run = parts.run_behave(parts.target_env(focus), tmp_path, "features")
    assert run.lines("stderr") == [
        f"Target unreachable: Focus Server REST at http://reporter:***@127.0.0.1:{port}/focus-server (not a valid URL)"
    ]
    assert len(run.results()) == 1
    secrets = forms("focus", amqp) | forms("reporter", rest) | forms("focus", api) | {xray}
    assert scan(tmp_path, secrets) == {}


def test_the_search_finds_a_password_hidden_in_base64(tmp_path: Path) -> None:
    """The search itself is sharp: a password inside base64 inside base64 is found, and where."""
    inner = base64.b64encode(b'{"url": "amqp://focus:S3cr%21t@host/"}').decode()
    page = base64.b64encode(f'<script>d("data/x.json","{inner}")</script>'.encode()).decode()
    (tmp_path / "index.html").write_text(f'<html><script>d("page.html","{page}")</script></html>')
    (tmp_path / "clean.txt").write_text("amqp://focus:***@host/")
    (tmp_path / "header.txt").write_text("Authorization: Basic " + base64.b64encode(b"focus:S3cr!t").decode())
    assert scan(tmp_path, forms("focus", "S3cr!t")) == {
        str(tmp_path / "index.html"): ["S3cr%21t (base64-encoded) (base64-encoded)"],
        str(tmp_path / "header.txt"): [base64.b64encode(b"focus:S3cr!t").decode()],
    }
