"""The nightly runner on the fixture suite: plans, concurrent behave processes, exit codes, what it clears and keeps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tools_testkit import FIXTURE_FEATURES

from support.clauses import CLAUSES
from tools.common.catalogue import scenarios
from tools.common.layout import ROOT, RunLayout
from tools.common.results import read_results
from tools.run import nightly
from tools.run.behave_runs import plan
from tools.run.outcome import Exit


@pytest.fixture
def external_target(monkeypatch: pytest.MonkeyPatch):
    """The fixture suite needs no target; the runner only needs an external base URL to run against."""
    monkeypatch.setenv("TARGET", "external")
    monkeypatch.setenv("FOCUS_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("FIXTURE_BREAK", raising=False)
    monkeypatch.delenv("FIXTURE_BEFORE_ALL", raising=False)
    monkeypatch.setenv("FOCUS_PROFILE", "quick")  # noted: the nightly profile sets it, the test leaves it as it was
    return monkeypatch


def _events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _run(base: Path, profile: str = "quick", *extra: str) -> int:
    args = ["--profile", profile, "--target", "external", "--features", str(FIXTURE_FEATURES), "--base", str(base)]
    return nightly.main([*args, *extra])


def test_nightly_gives_each_slow_scenario_its_own_process_and_quick_leaves_them_out() -> None:
    jobs = plan(True, FIXTURE_FEATURES, ROOT)
    assert [(job.name, job.slow) for job in jobs] == [("slow-stream-limit", True), ("main-1", False)]
    assert jobs[0].selection == ("tests/tools/fixtures/features/fixture.feature:13",)
    assert len(jobs[1].scenarios) == 12 and jobs[1].selection[0].startswith("tests/tools/fixtures/features/")
    quick = plan(False, FIXTURE_FEATURES, ROOT)
    assert [job.name for job in quick] == ["main-1"] and not any(s.slow for s in quick[0].scenarios)


def test_quick_deals_its_scenarios_over_processes_in_file_order() -> None:
    found = [s for s in scenarios(FIXTURE_FEATURES, ROOT) if not s.slow]
    jobs = plan(False, FIXTURE_FEATURES, ROOT, parallel=3)
    assert [job.name for job in jobs] == ["main-1", "main-2", "main-3"]
    assert [len(job.scenarios) for job in jobs] == [4, 4, 4] and jobs[1].scenarios == tuple(found[1::3])
    assert len(plan(False, FIXTURE_FEATURES, ROOT, parallel=30)) == 12  # never a process with nothing to run


LISTENING_FEATURE = """\
Feature: listening
  @spec-3.1 @case-recorder @listening
  Scenario: the recorder is listened to
    Then clause "3.1" holds

  @spec-2.1 @case-limit @slow
  Scenario: a stream to the limit
    Then clause "2.1" holds

  @spec-1.1 @case-exchange
  Scenario: the exchange
    Then clause "1.1" holds
"""


def test_nightly_listens_a_minute_beside_the_slow_ones_and_quick_listens_briefly(tmp_path: Path) -> None:
    (tmp_path / "listening.feature").write_text(LISTENING_FEATURE)
    nightly_jobs = plan(True, tmp_path, ROOT)
    assert [(job.name, job.slow) for job in nightly_jobs] == [
        ("listen-recorder", True),
        ("slow-limit", True),
        ("main-1", False),
    ]
    assert [s.case for s in nightly_jobs[-1].scenarios] == ["exchange"]  # the listening one runs alone
    quick_jobs = plan(False, tmp_path, ROOT)
    assert [(job.name, [s.case for s in job.scenarios]) for job in quick_jobs] == [("main-1", ["recorder", "exchange"])]


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("FIXTURE_BREAK", "", Exit.GREEN),
        ("FIXTURE_BREAK", "4.1:failed", Exit.PRODUCT_DEFECT),
        ("FIXTURE_BREAK", "4.1:failed,2.2:environment", Exit.BROKEN_ENVIRONMENT),
        ("FIXTURE_BREAK", "2.3:precondition", Exit.BROKEN_ENVIRONMENT),
        ("FIXTURE_BREAK", "4.1:failed,2.2:environment,3.1:suite", Exit.SUITE_DEFECT),
        ("FIXTURE_BEFORE_ALL", "environment", Exit.BROKEN_ENVIRONMENT),
        ("FIXTURE_BEFORE_ALL", "suite", Exit.SUITE_DEFECT),
    ],
)
def test_the_exit_code_tells_the_kinds_apart(
    tmp_path: Path, external_target: pytest.MonkeyPatch, variable: str, value: str, expected: Exit
) -> None:
    external_target.setenv(variable, value)
    assert _run(tmp_path, "quick", "--no-report") == expected


def test_nightly_runs_the_slow_scenario_beside_the_rest(tmp_path: Path, external_target: pytest.MonkeyPatch) -> None:
    layout = RunLayout(tmp_path)
    stale = layout.results / "stale-result.json"
    kept = layout.history / "history-external-nightly.jsonl"
    for path in (stale, kept):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    assert _run(tmp_path, "nightly", "--no-report") == Exit.GREEN
    assert not stale.exists()  # the results of an earlier run are gone …
    assert kept.read_text() == "{}"  # … its history is not
    results = read_results(layout.results)
    assert len(results) == 13
    assert {r.spec for r in results} == {clause.id for clause in CLAUSES}
    # behave (reading behave.ini) and the catalogue name outline rows alike, without " -- @1.1"
    assert {r.name.strip() for r in results} == {s.name for s in scenarios(FIXTURE_FEATURES, ROOT)}
    assert not [r.name for r in results if " -- @" in r.name]
    slow = _events(layout.logs / "slow-stream-limit.events.jsonl")
    main = _events(layout.logs / "main-1.events.jsonl")
    assert [e["event"] for e in slow] == ["start", "end"]
    assert len(main) == 24
    # Side by side: the rest did not wait for the slow scenario to end.
    assert main[0]["t"] < slow[-1]["t"]
    assert (layout.junit / "main-1" / "TESTS-fixture.xml").is_file()


def test_an_external_target_needs_its_base_url(tmp_path: Path, external_target: pytest.MonkeyPatch) -> None:
    external_target.delenv("FOCUS_BASE_URL")
    assert _run(tmp_path, "quick", "--no-report") == Exit.BROKEN_ENVIRONMENT


def test_env_names_a_deployment_of_the_environments_yaml_for_every_behave_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support import settings as deployments
    from support.settings import Target

    for name in (deployments.NAME_VARIABLE, deployments.FILE_VARIABLE):  # noted, so that the test leaves neither set
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("FOCUS_CA_BUNDLE", "")  # GitHub's unset secret or variable: as if not set
    monkeypatch.delenv("FOCUS_PROFILE", raising=False)  # the nightly profile's listening window, unless set
    monkeypatch.chdir(tmp_path)
    parser = nightly.command_line()
    options = nightly.options_of(parser.parse_args(["--env", "kefar_saba", "--environments", "team.yaml"]), parser)
    assert (options.target, options.target_name) == (Target.EXTERNAL, "kefar_saba")
    assert os.environ[deployments.NAME_VARIABLE] == "kefar_saba"
    assert os.environ[deployments.FILE_VARIABLE] == str(tmp_path / "team.yaml")  # absolute: behave runs elsewhere
    assert "FOCUS_CA_BUNDLE" not in os.environ and os.environ["FOCUS_PROFILE"] == "nightly"
    with pytest.raises(SystemExit):
        nightly.options_of(parser.parse_args(["--env", "staging", "--target", "stand"]), parser)
