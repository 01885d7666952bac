"""CI and test management: the workflows' steps about a run (`ci_run`), the job summary (`ci_summary`), Jira Xray
(`xray`, the command line, over `xray_build`, the Test Execution file, and `xray_upload`, its upload and the sign-off
sheet attached to it), the sign-off sheet kept in a release per product version (`signoff_release`), what a finished
run was, read back for both (`run_facts`), and `make test` as phases (`phases`).

May import: tools.common, tools.verdicts, tools.run.
"""
