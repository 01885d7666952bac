"""What every room of the harness reads: where a run puts its files and the suite's commit (`layout`), what the
feature files hold (`catalogue`), what a run left (`results`), the frame of every page beside the report
(`html_page`), a clause's quote as HTML (`quote_html`), and plain text for a console that lacks the run's marks
(`console`).

May import: nothing of tools.
"""
