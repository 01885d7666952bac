"""Spec maintenance, for those who write and review the feature files, without a run: the quote lint (`quote_lint`,
`make lint`), the prose lint (`prose_lint`, `make lint`: the features' own prose short and in business words), the
review view of changed feature files and what they break (`review`, `make review`) and what a new version of the
clarifications does to the specs (`spec_diff`, `make spec-diff`).

May import: tools.common, tools.report.
"""
