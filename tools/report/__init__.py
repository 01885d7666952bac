"""The report: Allure's, built and fixed up (`build`, `report_page`), from the copy of the results it shows
(`results_view`, `timeline_lanes`) with the run's SLA figures as Allure's metrics (`metrics`), and the pages beside it
(`living_docs`, `clarifications_page`; the sign-off pages come from tools.verdicts).

May import: tools.common, tools.verdicts.
"""
