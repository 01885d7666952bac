"""CI and test management: steps about a finished run (`ci_run`), whether the runner reaches the target
(`reachability`), Jira Xray (`xray`), `make test` as `phases`. Of the suite: support.clauses and support.settings only.
May import: tools.common, tools.verdicts, tools.run.
"""
