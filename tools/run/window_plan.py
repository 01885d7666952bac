"""`make windows`: per clause, the history window(s) the suite would use in the target's catalogue, or exactly what
the catalogue lacks, before any run (seconds, not minutes).

    python -m tools.run.window_plan [--target stand|external] [--api both|task|job] [--catalogue NAME|FILE]

Reads the catalogue as the suite does (`POST /recordings_in_time_range` over FOCUS_HISTORY_FROM .. FOCUS_HISTORY_TO,
the suite's own client) and applies the same finder (support/windows.py, sizes from FOCUS_STREAM_LIMIT_S). With
`--target stand` it starts the embedded stand playing `--catalogue` and stops it after. Exit 0 when every clause
has its window(s), 4 when a clause could not be judged on this catalogue (as a run's "not verified").
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from support.clauses import CLAUSES
from support.focus_api import FocusServer
from support.recordings import Catalogue, searchable_past
from support.settings import Settings, SettingsError, Target, get_settings, load_settings
from support.shape import resolve
from support.timeline import Span
from support.windows import HISTORY_CLAUSES, Lack, Sizes, plan, uninterrupted_window
from tools.run.outcome import Exit

if TYPE_CHECKING:  # the embedded stand is Linux only: imported when one is started, never for a deployment
    from stand.control import Stand

NO_RECORDING = "needs no recording"


def history_21(recordings: list[Span], search: Span, sizes: Sizes) -> list[str]:
    """Clause 2.1's history windows: uninterrupted recorded time of a share of the limit, in the shortest stretch."""
    lines = []
    for label, seconds in (
        ("ends OK long before the limit", sizes.short_history_s),
        ("ends OK a little before the limit", sizes.near_limit_history_s),
        ("outlasts the limit", sizes.outlasting_history_s),
    ):
        found = uninterrupted_window(recordings, search, seconds)
        if found is None:
            lines.append(
                f"  2.1  job   {label}: not verifiable: no {seconds} s of uninterrupted recording {search.label()}"
            )
        else:
            lines.append(f"  2.1  job   {label}: {found.label()} ({seconds} s of uninterrupted recording)")
    return lines


def report(settings: Settings, apis: Sequence[str]) -> tuple[list[str], int]:
    """The lines to print and how many clause/API pairs cannot be judged."""
    focus = FocusServer(settings)
    catalogue = Catalogue.of(focus, settings)
    recordings = catalogue.recordings(catalogue.search)
    search, sizes = searchable_past(catalogue.search), Sizes(settings.stream_limit_s)
    lines = [
        f"catalogue: {len(recordings)} recording(s) between {catalogue.search.label()}; stream limit "
        f"{settings.stream_limit_s:g} s: a job window holds at most {sizes.budget_s} s of recorded data, a side is "
        f"{sizes.side_s} s"
    ]
    lacking = 0
    for clause in CLAUSES:
        if clause.id == "2.1":
            said = history_21(recordings, search, sizes) if "job" in apis else [f"  2.1  (no job API) {NO_RECORDING}"]
            lacking += sum("not verifiable" in line for line in said)
            lines += said
            continue
        if clause.id not in HISTORY_CLAUSES:
            lines.append(f"  {clause.id:<4} {NO_RECORDING}")
            continue
        for api in apis:
            found = plan(clause.id, api, recordings, search, sizes)
            lacking += isinstance(found, Lack)
            lines.append(f"  {clause.id:<4} {api:<5} {found.describe()}")
    return lines, lacking


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The history windows each clause would use, before any run.")
    parser.add_argument("--target", type=Target, choices=list(Target), default=Target.STAND)
    parser.add_argument("--api", choices=["both", "task", "job"], default="both", help="the stand's shape")
    parser.add_argument("--catalogue", default="default", help="the stand's catalogue: default, contract, continuous")
    args = parser.parse_args(argv)
    try:  # a setting the suite cannot take: one line, before a stand starts
        load_settings()
    except SettingsError as error:
        print(f"bad setting: {error}")
        return int(Exit.BROKEN_ENVIRONMENT)
    stand: Stand | None = None
    try:
        if args.target is Target.STAND:
            from stand.control import STAND_DIR, Stand, StandFailed, target_env

            try:
                stand = Stand.up(
                    STAND_DIR / f"windows-{os.getpid()}.env",
                    extra_args=["--api", args.api, "--catalogue", args.catalogue],
                )
            except StandFailed as error:
                print(f"the embedded stand did not start: {str(error).splitlines()[0]}")
                return int(Exit.BROKEN_ENVIRONMENT)
            os.environ.update(target_env(os.environ, stand))
        get_settings.cache_clear()
        settings = get_settings()
        if not settings.base_url:
            print("TARGET=external needs FOCUS_BASE_URL and the other FOCUS_* variables (see README.md)")
            return int(Exit.BROKEN_ENVIRONMENT)
        try:
            shape, _ = resolve(settings.api, FocusServer(settings))
            apis = ["task", "job"] if shape.value == "both" else [shape.value]
            lines, lacking = report(settings, apis)
        except Exception as error:  # a down target is one clear line
            print(f"the target's catalogue could not be read: {type(error).__name__}: {str(error)[:300]}")
            return int(Exit.BROKEN_ENVIRONMENT)
        print(f"target API: {', '.join(apis)}")
        for line in lines:
            print(line)
        if lacking:
            print(f"{lacking} clause window(s) not verifiable on this catalogue: those clauses would be 'not verified'")
            return int(Exit.NOT_VERIFIED)
        print("every clause has its window(s) in this catalogue")
        return 0
    finally:
        if stand is not None:
            stand.down()


if __name__ == "__main__":
    sys.exit(main())
