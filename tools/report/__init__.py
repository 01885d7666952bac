"""The report and its pages: the Allure report built and fixed up (`build`, `report_page`, `timeline_lanes`) and the
pages beside it (`living_docs`, `clarifications_page`, `sla_trends`); the sign-off pages it carries come from
tools.verdicts.

May import: tools.common, tools.verdicts.
"""
