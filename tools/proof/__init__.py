"""The proof of the checks: the mutation matrix (`mutation`, `make mutation`) with its kill decision per fault
(`verdict`), the step-level kill matrix (`kill_matrix`) and its register of exempt checks (`check_exemptions`), and
steadiness under load (`soak`, `make soak`).

May import: tools.common, tools.verdicts, tools.report, tools.run.
"""
