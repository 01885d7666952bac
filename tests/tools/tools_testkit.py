"""Helpers of the harness tests (a unique module name: pytest puts every test folder on sys.path)."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from support.errors import outcome_labels
from tools.report.build import ALLURE_BIN

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_FEATURES = FIXTURES / "features"
CHROMIUM = Path("/usr/bin/chromium")

# `make setup` installs both (apt chromium, npm ci); these skip only where they are truly absent.
needs_allure = pytest.mark.skipif(not ALLURE_BIN.exists(), reason="node_modules/.bin/allure absent: run make setup")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() or shutil.which("node") is None, reason="chromium absent: apt-get install -y chromium"
)

ResultWriter = Callable[..., Path]


def write_result(
    folder: Path,
    name: str,
    spec: str | None,
    status: str,
    message: str = "",
    case: str | None = None,
    error: type[BaseException] | None = None,
    labels: list[dict] | None = None,
) -> Path:
    """One allure-behave style result file, as the project's formatter writes it (labels `spec` and tags, for a red
    result the labels of what it raised: `error`, by default an AssertionError when failed, a RuntimeError when
    broken; `labels`: more of them, e.g. `offered`)."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = [{"name": "tag", "value": f"case-{case or name.lower().replace(' ', '-')}"}, *(labels or [])]
    if spec is not None:
        labels += [{"name": "spec", "value": spec}, {"name": "tag", "value": f"spec-{spec}"}]
    if status in ("failed", "broken"):
        raised = error or (AssertionError if status == "failed" else RuntimeError)
        labels += [{"name": label, "value": value} for label, value in outcome_labels(raised)]
    data = {
        "name": name,
        "status": status,
        "statusDetails": {"message": message} if message else {},
        "labels": labels,
        "start": 1000,
        "stop": 2500,
        "historyId": uuid.uuid4().hex,
    }
    path = folder / f"{uuid.uuid4()}-result.json"
    path.write_text(json.dumps(data))
    return path


class Attacher:
    """allure.attach, as the formatter's lifecycle does it: a file in the results and a reference to it (patch
    `allure.attach` with it; `attached` lists the references, for a result's `attachments`)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.attached = folder, []

    def __call__(self, body, name=None, attachment_type=None, extension=None) -> None:
        kind = attachment_type if isinstance(attachment_type, str) else attachment_type.mime_type
        suffix = extension or (attachment_type.extension if not isinstance(attachment_type, str) else "txt")
        source = f"{uuid.uuid4()}-attachment.{suffix}"
        (self.folder / source).write_bytes(body if isinstance(body, bytes) else body.encode())
        self.attached.append({"name": name, "source": source, "type": kind})


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium driven by Playwright, for a module (a test module takes it as `browser = chromium`)."""
    if not CHROMIUM.exists():
        pytest.skip("chromium absent: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def write_run_metadata(results: Path, environment: dict[str, str], profile: str, target: str) -> None:
    """environment.properties (with the clarifications judged) and executor.json, as the runner writes them."""
    from tools.verdicts.run_header import SpecVersion

    results.mkdir(parents=True, exist_ok=True)
    shown = environment | SpecVersion.of().properties()
    (results / "environment.properties").write_text("".join(f"{k}={v}\n" for k, v in shown.items()), encoding="utf-8")
    executor = {"name": "make acceptance", "type": "local", "buildName": f"{profile} on {target}"}
    (results / "executor.json").write_text(json.dumps(executor | {"reportName": "Focus Server acceptance"}))
