"""Spec maintenance, for those who write and review the feature files, without a run: the quote lint (`quote_lint`,
`make lint`), the prose lint (`prose_lint`, `make lint`: the feature files' own prose short and in business words),
the review view of changed feature files (`review`, `make review`, rendered as the living docs render them, with
what the change breaks, found by `step_check`) and what a new version of the clarifications does to the specs
(`spec_diff`, `make spec-diff`).

May import: tools.common, tools.report.
"""
