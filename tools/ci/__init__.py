"""CI and test management: the workflows' steps about a run (`ci_run`), the report, sign-off sheet and Xray file built
from a run's results on another machine (`publish`), whether the runner reaches the target at all (`reachability`),
the job summary (`ci_summary`), Jira Xray (`xray`), what a finished run was, read back for them (`run_facts`), and
`make test` as phases (`phases`).

May import: tools.common, tools.verdicts, tools.run.
"""
