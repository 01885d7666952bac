"""What every room of the harness reads, and nothing of its own making: where a run puts its files (`layout`), what
the feature files hold (`catalogue`, read with behave's parser), what a run left (`results`, the allure-results read
back), the run's target and the suite's commit (`target_info`), the frame of every page written beside the
report (`html_page`), and plain text for a console that cannot print the run's marks (`console`).

May import: nothing of tools.
"""
