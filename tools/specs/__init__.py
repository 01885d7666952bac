"""Spec maintenance, without a run: the quote and prose lints (`quote_lint`, `prose_lint`: make lint), the review of
changed feature files (`review`: make review), what a new clarifications does to the specs (`spec_diff`).

May import: tools.common, tools.report.
"""
