"""The harness around the suite: nightly runner, report, traceability, living docs, mutation matrix."""
