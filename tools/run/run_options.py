"""What `python -m tools.run.nightly` is asked for: its command line, read into `RunOptions`.

`--env NAME` names a deployment of the team's environments YAML in this process's environment (support/settings.py
reads it there, under the environment's own FOCUS_*; the behave processes inherit it), and a FOCUS_* variable set
to "" counts as not set (GitHub gives an unset secret or variable so).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

from support import deployments
from support.settings import Target
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, RunLayout
from tools.run.job_plan import Profile


@dataclass(frozen=True)
class RunOptions:
    """What the command line asked for."""

    profile: Profile = Profile.NIGHTLY
    target: Target = Target.STAND
    layout: RunLayout = DEFAULT_LAYOUT
    features: Path = FEATURES
    parallel: int | None = None
    report: bool = True  # False: the results alone (--results-only)
    api: str = "both"  # the embedded stand's REST shape
    catalogue: str = "default"  # the recordings the embedded stand plays
    target_name: str = ""  # what the CI and Xray call the target: the deployment's name (--env), or "stand"

    @property
    def own_suite(self) -> bool:
        """The project's suite (features/): the runner checks its target on its behalf (preflight, shape). Another
        one (the harness tests' fixture suite) brings hooks of its own and needs no target."""
        return self.features == FEATURES or FEATURES in self.features.parents


def name_deployment(name: str, environments: Path | None) -> None:
    """`--env NAME`: the deployment of that name in the team's environments YAML is the target (support/settings.py
    reads it, under the environment's own FOCUS_*); the file's path made absolute for the behave processes."""
    os.environ[deployments.NAME_VARIABLE] = name
    os.environ[deployments.FILE_VARIABLE] = str((environments or deployments.environments_file()).resolve())


def drop_empty_settings(environ: MutableMapping[str, str]) -> None:
    """A FOCUS_* variable set to "" is one not set: GitHub gives an unset secret or variable so."""
    for key in [key for key, value in environ.items() if key.startswith("FOCUS_") and not value]:
        del environ[key]


def command_line() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the acceptance suite and write the report.")
    parser.add_argument("--profile", type=Profile, choices=list(Profile), default=Profile.NIGHTLY)
    parser.add_argument(
        "--target", type=Target, choices=list(Target), help="stand (the default) or external (the default with --env)"
    )
    parser.add_argument("--env", metavar="NAME", help="a deployment by its name in the environments YAML (external)")
    parser.add_argument(
        "--environments",
        type=Path,
        metavar="FILE",
        help=f"the environments YAML (default: ${deployments.FILE_VARIABLE}, else {deployments.DEFAULT_FILE})",
    )
    parser.add_argument("--features", type=Path, default=FEATURES, help="the feature files (default: features/)")
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base, help="where results and report go")
    parser.add_argument(
        "--parallel", type=int, help="processes for the scenarios that are not @slow (default: quick 6, nightly 1)"
    )
    parser.add_argument(
        "--results-only",
        "--no-report",
        dest="results_only",
        action="store_true",
        help="write the results alone, no report (python -m tools.ci.publish builds it later, anywhere)",
    )
    parser.add_argument(
        "--api",
        choices=["both", "task", "job"],
        default="both",
        help="the embedded stand's REST shape (default both; job = the production server's six routes)",
    )
    parser.add_argument(
        "--catalogue",
        default="default",
        help="the recordings the embedded stand plays: default, contract (the contract's table), continuous "
        "(hourly files, restarts, an outage), or a file (python -m stand up --catalogue)",
    )
    return parser


def options_of(args: argparse.Namespace, parser: argparse.ArgumentParser) -> RunOptions:
    """The run's options; `--env` names the deployment in this process's environment (its behave processes
    inherit it), and a FOCUS_* set to "" is dropped."""
    target = args.target or (Target.EXTERNAL if args.env else Target.STAND)
    if args.env and target is Target.STAND:
        parser.error("--env names a deployment: an external target (leave --target out, or say external)")
    drop_empty_settings(os.environ)
    name = args.env or (os.environ.get(deployments.NAME_VARIABLE, "") if target is Target.EXTERNAL else "")
    if name:  # by --env, or by FOCUS_ENV as given
        name_deployment(name, args.environments)
    return RunOptions(
        profile=args.profile,
        target=target,
        layout=RunLayout(args.base.resolve()),
        features=args.features.resolve(),
        parallel=args.parallel,
        report=not args.results_only,
        api=args.api,
        catalogue=args.catalogue,
        target_name=name or ("" if target is Target.EXTERNAL else target.value),
    )
