"""CI and test management: the workflows' steps about a run (`ci_run`), the report, sign-off sheet and Xray file built
from a run's results on another machine (`publish`), whether the runner reaches the target at all (`reachability`),
the job summary (`ci_summary`), Jira Xray (`xray`, the command line, over `xray_build`, the Test Execution file, and
`xray_upload`, its upload and the sign-off sheet attached to it), the sign-off sheet kept in a release per product
version (`signoff_release`), what a finished run was, read back for them (`run_facts`), and `make test` as phases
(`phases`).

May import: tools.common, tools.verdicts, tools.run.
"""
