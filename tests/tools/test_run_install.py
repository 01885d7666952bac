"""The run's own requirements.txt is enough for the run, and brings nothing of the development kit (issue 34).

A fresh virtual environment made from requirements.txt alone, as README's Windows section makes it: every module
of the run path imports there, the runner's `--help` answers, and no test, lint or stand package is installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The run path: the suite and what `python -m tools.run.nightly` imports; the stand and the report builder stay out.
RUN_PATH = ("environment.py", "steps", "support", "tools/run", "tools/common")
DEVELOPMENT_KIT = ("playwright", "ruff", "schemathesis", "hypothesis", "fastapi", "uvicorn", "pytest", "pypdf")
UV = Path(sys.executable).parent / "uv"


def _modules() -> list[str]:
    found = []
    for entry in RUN_PATH:
        paths = [ROOT / entry] if entry.endswith(".py") else sorted((ROOT / entry).rglob("*.py"))
        for path in paths:
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


@pytest.fixture(scope="module")
def run_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("run-venv") / "venv"
    subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(python), "-r", "requirements.txt"], check=True, cwd=ROOT
    )
    return python


def test_the_run_path_imports_from_the_run_requirements_alone(run_python: Path) -> None:
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = subprocess.run([str(run_python), "-c", script, *_modules()], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_runner_answers_help_there(run_python: Path) -> None:
    done = subprocess.run(
        [str(run_python), "-m", "tools.run.nightly", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and "usage" in done.stdout, done.stderr[-2000:]


def test_no_package_of_the_development_kit_comes_with_it(run_python: Path) -> None:
    listed = subprocess.run([str(UV), "pip", "list", "--python", str(run_python)], capture_output=True, text=True)
    installed = {line.split()[0].lower() for line in listed.stdout.splitlines()[2:] if line.strip()}
    assert installed.isdisjoint(DEVELOPMENT_KIT), sorted(installed & set(DEVELOPMENT_KIT))
