"""The report and its pages: the Allure report built and fixed up (`build`, `report_page`, `timeline_lanes`), from the
copy of the results it shows (`results_view`: skip reasons out of the error box, the clause's quote, Xray and
known-defect links), and the pages beside it (`living_docs`, `clarifications_page`, `sla_trends`); the sign-off
pages it carries come from tools.verdicts.

May import: tools.common, tools.verdicts.
"""
