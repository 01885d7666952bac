"""The CI workflows hold no logic of their own: each `run:` step is a make target, a `python -m tools.…` command that
exists here (on the QA team's Windows runner `py -m tools.…`, beside the package install) or the sign-off sheet's
`gh release`, so that a person can run the same step in a checkout. The nightly is two jobs: the run on the team's
Windows runner with Python and the run's own requirements alone, and the report on Linux, from the run's results."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
import yaml

from tools.common.layout import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PYTHONS = {"python", "python3", ".venv/bin/python", "py"}
# Each deployment's sheet under its own name in its version's release: one never replaces another's.
CP_SHEETS = 'for kind in pdf html; do cp "reports/signoff.$kind" "reports/signoff-$ACCEPTANCE_TARGET.$kind"; done'
SHEETS = '"reports/signoff-$ACCEPTANCE_TARGET.pdf" "reports/signoff-$ACCEPTANCE_TARGET.html"'
UPLOAD_SHEETS = f'gh release upload "$tag" {SHEETS} --clobber'
# Besides the tools: the Windows runner's venv with the run's requirements alone, the sign-off sheet's release.
OTHER_STEPS = {
    "py -3 -m venv .venv",
    "py -m pip install --disable-pip-version-check --quiet -r requirements.txt",
    "tag=$(.venv/bin/python -m tools.ci.ci_run release-tag)",
    CP_SHEETS,
    UPLOAD_SHEETS,
}
TEAM_LABELS, TEAM_ENVS = '["self-hosted","windows","panda_automation"]', """'["staging","kefar_saba"]'"""


def _workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())


RUN_LINES = [
    (path.name, line.strip())
    for path in WORKFLOWS
    for job in _workflow(path.name)["jobs"].values()
    for step in job["steps"]
    for line in str(step.get("run", "")).splitlines()
    if line.strip()
]


@pytest.mark.parametrize(("workflow", "line"), RUN_LINES)
def test_each_run_step_is_a_make_target_or_a_tools_command(workflow: str, line: str) -> None:
    # Inputs reach a step by environment variables only: an expression in the script is neither runnable by hand
    # nor safe (script injection).
    assert "${{" not in line, f"{workflow}: expression inside a run step: {line}"
    if line in OTHER_STEPS or (line.startswith('gh release create "$tag" ') and line.endswith(" || true")):
        return
    words = shlex.split(line)
    if words[0] == "make":
        targets = [word for word in words[1:] if "=" not in word and not word.startswith("-")]
        assert targets, f"{workflow}: `make` without a target: {line}"
        unknown = set(targets) - set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", (ROOT / "Makefile").read_text(), re.M))
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


def _job(name: str, job: str = "checks") -> dict:
    return _workflow(name)["jobs"][job]


def _step(job: dict, command: str) -> dict:
    (step,) = [
        s for s in job["steps"] if command in str(s.get("run", "")) or s.get("uses", "").split("@")[0] == command
    ]
    return step


NIGHTLY = "acceptance-nightly.yml"


def test_the_nightly_runs_on_the_teams_windows_runner_with_python_alone() -> None:
    run = _job(NIGHTLY, "run")
    assert run["runs-on"] == f"${{{{ fromJSON(vars.ACCEPTANCE_RUNNER_LABELS || '{TEAM_LABELS}') }}}}"
    assert run["defaults"]["run"]["shell"] == "powershell"
    lines = [line.strip() for step in run["steps"] for line in str(step.get("run", "")).splitlines() if line.strip()]
    assert lines and all(line.startswith("py ") for line in lines), lines  # the `py` launcher, nothing else
    assert not any(word in line.split() for line in lines for word in ("make", "bash", "sh", "apt-get", "npm"))
    assert any(line.endswith(" -r requirements.txt") for line in lines) and "requirements-dev" not in str(run)
    assert not any("shell" in step for step in run["steps"])  # no step leaves PowerShell
    # The reachability of the deployment, the run (results only, the deployment by its name), whatever came the upload.
    steps = run["steps"]
    reach, runs = _step(run, "tools.ci.reachability"), _step(run, "tools.run.nightly")
    assert steps.index(reach) < steps.index(runs)
    assert "--env $env:ACCEPTANCE_TARGET" in runs["run"] and "--results-only" in runs["run"]
    assert "--env $env:ACCEPTANCE_TARGET" in reach["run"]
    upload = _step(run, "actions/upload-artifact")
    assert steps.index(upload) > steps.index(runs) and upload["if"] == "${{ always() }}"
    assert upload["with"]["path"].split() == ["reports/allure-results/", "reports/junit/", "reports/logs/"]
    assert 0 < int(runs["timeout-minutes"]) < int(run["timeout-minutes"])


def _then_the_reporting_steps(job: dict, later: list[dict], minutes: int = 0) -> None:
    """Each runs whatever happened, fits in what the job has left, and none but the last turns the job's status."""
    assert all(s.get("if") == "${{ always() }}" for s in later), [s.get("name") for s in later]
    assert all(s.get("continue-on-error") is True for s in later[:-1]), [s.get("name") for s in later[:-1]]
    assert later[-1]["run"].endswith("tools.ci.ci_run outcome") and "continue-on-error" not in later[-1]
    assert sum(int(s.get("timeout-minutes", 0)) for s in later) + minutes <= int(job["timeout-minutes"])


def test_the_report_is_built_on_linux_from_the_runs_results_whatever_its_outcome() -> None:
    run, report = _job(NIGHTLY, "run"), _job(NIGHTLY, "report")
    assert report["runs-on"] == "ubuntu-latest" and report["needs"] == "run" and report["if"] == "${{ always() }}"
    assert report["strategy"]["matrix"] == run["strategy"]["matrix"]  # one report per deployment run
    download = _step(report, "actions/download-artifact")
    assert download["with"]["name"] == _step(run, "actions/upload-artifact")["with"]["name"]
    assert download["with"]["path"] == "reports/"
    assert _step(report, "make setup")["run"] == "make setup TARGET=external"  # Node, a browser; no broker
    steps, publish = report["steps"], _step(report, "tools.ci.ci_run publish")
    _then_the_reporting_steps(report, steps[steps.index(publish) :])
    restore, save = _step(report, "actions/cache/restore"), _step(report, "actions/cache/save")
    assert restore["with"]["path"] == save["with"]["path"] == "reports/history"
    assert "ACCEPTANCE_TARGET" in restore["with"]["key"] and restore["with"]["key"] == save["with"]["key"]
    assert steps.index(restore) < steps.index(publish) < steps.index(save)  # the trends go into the report
    for target, other in (("staging", "staging-eu"), ("stand", "standby")):  # one target's key no prefix of another's
        mine = restore["with"]["restore-keys"].replace("${{ env.ACCEPTANCE_TARGET }}", target)
        assert not restore["with"]["key"].replace("${{ env.ACCEPTANCE_TARGET }}", other).startswith(mine)
    assert _step(report, "actions/upload-artifact")["with"]["path"] == "reports/ci/artifacts/"
    # The sign-off sheet outlives the artifacts: one release per product version, its assets a re-run's.
    lines = _step(report, "gh release")["run"].splitlines()
    assert lines[0] == "tag=$(.venv/bin/python -m tools.ci.ci_run release-tag)"  # no version recorded: no release
    assert lines[1].startswith('gh release create "$tag" ') and lines[1].endswith(" || true")  # made once per version
    assert lines[2:] == [CP_SHEETS, UPLOAD_SHEETS]
    assert report["permissions"]["contents"] == "write"
    assert steps.index(publish) < steps.index(_step(report, "gh release"))


def test_the_deployments_are_the_teams_names_and_a_schedule_runs_several() -> None:
    dispatch = _workflow(NIGHTLY)[True]["workflow_dispatch"]["inputs"]  # PyYAML reads the key `on` as True
    # A choice, not free text: a typo cannot make a new deployment.
    assert dispatch["target"]["type"] == "choice" and dispatch["target"]["options"] == ["staging", "kefar_saba"]
    run = _job(NIGHTLY, "run")
    assert run["strategy"]["fail-fast"] is False
    targets = run["strategy"]["matrix"]["target"]
    assert "inputs.target" in targets and "vars.ACCEPTANCE_NIGHTLY_ENVS" in targets and TEAM_ENVS in targets
    assert run["environment"] == "${{ matrix.target }}"  # each deployment's passwords: its own environment's
    assert run["concurrency"]["group"] == "acceptance-${{ matrix.target }}"
    assert run["env"]["ACCEPTANCE_TARGET"] == "${{ matrix.target }}"


def test_the_pull_requests_run_step_times_out_before_the_job_so_the_reporting_steps_run() -> None:
    job = _job("acceptance-pr.yml")
    run = _step(job, "tools.run.nightly")
    assert "--target stand" in run["run"]  # the pull requests keep the stand, on Linux
    assert 0 < int(run["timeout-minutes"]) < int(job["timeout-minutes"])
    _then_the_reporting_steps(job, job["steps"][job["steps"].index(run) + 1 :], int(run["timeout-minutes"]))
    assert job["runs-on"] == "${{ vars.ACCEPTANCE_PR_RUNNER || 'ubuntu-latest' }}"
    assert "ACCEPTANCE_PR_RUNNER" not in _job(NIGHTLY, "run")["runs-on"]  # a PR's code runs on it only if named


@pytest.mark.parametrize(("name", "job"), [(NIGHTLY, "report"), ("acceptance-pr.yml", "checks")])
def test_artifacts_are_named_per_attempt_and_red_scenarios_annotated(name: str, job: str) -> None:
    steps = _job(name, job)["steps"]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert "${{ github.run_id }}-${{ github.run_attempt }}" in upload["with"]["name"]
    (junit,) = [s for s in steps if s.get("uses", "").startswith("mikepenz/action-junit-report@")]
    assert re.fullmatch(r"mikepenz/action-junit-report@[0-9a-f]{40}", junit["uses"])  # pinned to a commit
    assert junit["with"]["report_paths"] == "reports/junit/**/*.xml"
    assert "checks: write" in (ROOT / ".github" / "workflows" / name).read_text()


def test_secrets_reach_only_the_steps_that_need_them() -> None:
    jobs = _workflow(NIGHTLY)["jobs"]
    steps = [(name, step) for name, job in jobs.items() for step in job["steps"]]
    secrets = {
        s["name"]: {k for k, v in s.get("env", {}).items() if "secrets." in v} for _, s in steps if "secrets." in str(s)
    }
    assert secrets == {
        "Acceptance run": {"FOCUS_AMQP_PASSWORD", "FOCUS_RABBITMQ_API_PASSWORD"},  # the deployment's, in its step alone
        "Upload to Xray": {"XRAY_CLIENT_ID", "XRAY_CLIENT_SECRET"},
        "Keep the sign-off sheet": {"GH_TOKEN"},  # the workflow's own token
    }
    assert [s["name"] for _, s in steps if any(k.startswith("FOCUS_") for k in s.get("env", {}))] == ["Acceptance run"]
    assert not any("secrets." in str(job.get("env")) for job in jobs.values())  # a job's env reaches every step
    assert "secrets." not in (ROOT / ".github" / "workflows" / "acceptance-pr.yml").read_text()
