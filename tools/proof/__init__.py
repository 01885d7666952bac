"""The proof of the checks: the mutation matrix (`mutation`), the step-level `kill_matrix` and its exempt checks
(`check_exemptions`), steadiness under load (`soak`).
May import: tools.common, tools.verdicts, tools.report, tools.run.
"""
