"""Running a profile (`make acceptance`, `make windows`): the nightly runner (`nightly`, its phases; its command
line `run_options`), the plan of behave processes (`job_plan`), the one place that starts them (`behave_runs`,
`behave_launcher`) and the formatter they report through (`scenario_events`), the terminal's progress (`progress`)
and what it says at the start and the end (`summary`), the results of scenarios that never ran (`not_run`), the exit
code (`outcome`), the gRPC code a checkout run with Python alone generates first (`grpc_code`), the embedded stand's
fault switches and environment (`stand_cli`) and the history windows a target's catalogue offers (`window_plan`).

May import: tools.common, tools.verdicts, tools.report.
"""
