"""Running a profile: the runner (`nightly`), its behave processes (`behave_runs`), the terminal's `progress`, the
results of scenarios that never ran (`not_run`) and the exit code (`outcome`).
May import: tools.common, tools.verdicts, tools.report.
"""
