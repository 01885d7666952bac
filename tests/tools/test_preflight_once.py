"""One preflight per run (issue 24) and a broken environment said once, at the start (issue 25): the nightly runner
asks the target before it releases its behave processes, which then skip their own; behave run alone still asks; the
API detection waits no longer than the preflight does."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from httpfake import Canned, closed_port, fake_http

import environment
import support.preflight
from support.errors import TargetUnreachable
from support.focus_api import FocusServer
from support.preflight import DONE_VARIABLE, Part, Unreachable
from support.settings import Settings, get_settings
from support.shape import detect
from support.timeouts import Timeouts
from tools.run import nightly
from tools.run.outcome import Exit


@pytest.fixture
def external(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.startswith("FOCUS_") or key in ("TARGET", DONE_VARIABLE):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TARGET", "external")
    monkeypatch.setenv("FOCUS_BASE_URL", f"http://127.0.0.1:{closed_port()}/focus-server")
    monkeypatch.setenv("FOCUS_API", "job")  # the shape said outright: no question asked of the target
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _asked(monkeypatch: pytest.MonkeyPatch, module: object, answer: Unreachable | None = None) -> list[Settings]:
    asked: list[Settings] = []

    def check(settings: Settings, *args: object) -> Unreachable | None:
        asked.append(settings)
        return answer

    monkeypatch.setattr(module, "check_target", check)
    return asked


def test_a_behave_process_of_the_runner_skips_its_preflight_and_behave_alone_does_not(
    external: pytest.MonkeyPatch,
) -> None:
    asked = _asked(external, environment)
    external.setenv(DONE_VARIABLE, "1")
    environment.before_all(SimpleNamespace())
    assert asked == []
    external.delenv(DONE_VARIABLE)
    environment.before_all(SimpleNamespace())
    assert len(asked) == 1


def test_the_runner_asks_once_says_the_line_once_and_runs_no_scenario(
    external: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    down = Unreachable(Part.AMQP, "amqp://focus:***@127.0.0.1:9/%2F", "connection refused")
    asked = _asked(external, support.preflight, down)
    started = time.monotonic()
    code = nightly.main(["--profile", "nightly", "--target", "external", "--results-only", "--base", str(tmp_path)])
    seconds = time.monotonic() - started
    said = capsys.readouterr().out
    assert code == Exit.BROKEN_ENVIRONMENT
    assert len(asked) == 1
    assert said.count(down.line) == 1 and said.splitlines()[1] == down.line, said
    assert not [p for p in (tmp_path / "logs").glob("*.events.jsonl") if p.stat().st_size]
    assert seconds < 15, f"{seconds:.1f} s"


def test_api_detection_waits_no_longer_than_the_preflight() -> None:
    with fake_http("/focus-server") as fake:
        slow = Timeouts().preflight_s + 2

        def sensors(_match: object, _body: bytes) -> Canned:
            time.sleep(slow)  # the answer comes, too late to matter
            return Canned(200, '{"sensors": [0]}')

        fake.route("GET", "/sensors", sensors)
        focus = FocusServer(Settings(base_url=fake.url, http_timeout_s=30))
        started = time.monotonic()
        with pytest.raises(TargetUnreachable):
            detect(focus)
        assert time.monotonic() - started < Timeouts().preflight_s + 1
