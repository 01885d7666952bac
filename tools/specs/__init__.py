"""Spec maintenance, without a run: the quote and prose lints (`make lint`), the review of changed feature files
(`make review`) and what a new version of the clarifications does to the specs (`make spec-diff`).

May import: tools.common, tools.report.
"""
