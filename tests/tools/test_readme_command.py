"""README's acceptance command keeps the run's exit code: tried through that very command (the first line of the
README's "Two commands"), on the fixture suite, for a product defect (1), a broken environment (2) and a clause not
verified (4). make could not carry them: it exits 2 for any failing recipe."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from tools_testkit import FIXTURE_FEATURES

from tools.common.layout import ROOT


def readme_acceptance_command() -> list[str]:
    """The README's first command (the nightly acceptance), as a newcomer types it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands.*?```sh\n(.*?)```", readme, re.S)
    assert block, "README.md has no 'Two commands' block"
    first = block.group(1).splitlines()[0]
    return first.split("#", 1)[0].split()


def test_the_readme_names_the_command_that_keeps_the_code() -> None:
    assert readme_acceptance_command() == ["./acceptance"]


@pytest.mark.parametrize(
    ("breaks", "code"),
    [("2.2:failed", 1), ("3.1:environment", 2), ("2.3:skipped", 4), ("", 0)],
)
def test_the_readme_command_exits_with_the_runs_own_code(tmp_path: Path, breaks: str, code: int) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FOCUS_")}
    env |= {"TARGET": "external", "FOCUS_BASE_URL": "http://127.0.0.1:9", "FIXTURE_BREAK": breaks}
    command = [*readme_acceptance_command(), "--profile", "quick", "--target", "external"]
    command += ["--features", str(FIXTURE_FEATURES), "--base", str(tmp_path / "reports"), "--no-report"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == code, done.stdout[-2000:] + done.stderr[-2000:]
