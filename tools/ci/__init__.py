"""CI and test management: the workflows' steps about a run (`ci_run`), the job summary (`ci_summary`), Jira Xray
(`xray`), what a finished run was, read back for both (`run_facts`), and `make test` as phases (`phases`).

May import: tools.common, tools.verdicts, tools.run.
"""
