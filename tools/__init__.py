"""The harness around the suite, in rooms by what each part serves, each in layers over the ones below it:

common    what every room reads (layout, the feature files' catalogue, a run's results, the target, the page frame)
verdicts  the verdict per clause and the sign-off: traceability, the sign-off sheet and the browser that prints it
report    the Allure report and the pages beside it
specs     spec maintenance without a run: quote lint, review view, spec diff
run       running a profile: the nightly runner, its behave processes, progress, exit code, history windows
proof     the proof of the checks: mutation matrix, kill matrix, soak
ci        CI and test management: the workflows' steps, job summary, Xray, `make test`'s phases

Each package's docstring says which others it may import; tests/tools/test_import_rules.py holds them to it.
"""
