"""Running a profile (`./acceptance`, `make acceptance`, `make windows`): the nightly runner, its phases and command
line (`nightly`), the plan of behave processes and the one place that starts them (`behave_runs`), the terminal's
progress (`progress`), the results of scenarios that never ran (`not_run`) and the exit code (`outcome`).

May import: tools.common, tools.verdicts, tools.report.
"""
