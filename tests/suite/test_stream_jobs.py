"""The shared set-up of the stream jobs (clauses 1.2 and 2.1): where a history window is found."""

from __future__ import annotations

from support import stream_jobs


def test_the_window_lies_in_the_shortest_stretch_that_holds_it() -> None:
    stretches = [(0, 3600), (4000, 4300), (4600, 4900)]
    assert stream_jobs.window_in_one_stretch(stretches, 6) == (4000, 4006)
    assert stream_jobs.window_in_one_stretch(stretches, 240) == (4000, 4240)
    assert stream_jobs.window_in_one_stretch(stretches, 301) == (0, 301)
    assert stream_jobs.window_in_one_stretch(stretches, 3601) is None
