"""The report: Allure's (`build`, `report_page`), from a copy of the results (`results_view`, `timeline_lanes`,
`metrics`: the SLA figures), and the pages beside it (`living_docs`, `clarifications_page`; tools.verdicts: sign-off).

May import: tools.common, tools.verdicts.
"""
