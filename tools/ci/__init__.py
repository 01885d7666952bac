"""CI and test management: the workflows' steps about a finished run (`ci_run`: summary, artifacts, outcome, the
sign-off release's tag), a run's report built from its results elsewhere (`publish`), whether the runner reaches the
target (`reachability`), Jira Xray (`xray`) and `make test` as phases (`phases`). Of the suite: support.clauses and
support.settings only.
May import: tools.common, tools.verdicts, tools.run.
"""
