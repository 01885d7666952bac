"""The pictures of the report, drawn as a reviewer needs them: the latency chart's legend clear of its points, a
waterfall's dashed window edges inside the picture (as its caption says), each of a clause's windows named."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from support import pictures
from support.pictures import WINDOW_NOTE, latency_png, view_of, waterfall_figure
from support.windows import HistoryWindow, Shape, Span

T0 = 1_760_918_340_000


def test_the_latency_legend_covers_none_of_the_points(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = []
    monkeypatch.setattr(pictures, "_png", lambda figure: drawn.append(figure) or b"")
    # Calls slowing down toward the end: the last ones reach the middle of the plot, where a legend inside it sat.
    latency_png("GET /channels", [0.01 * 1.25**n for n in range(20)], 0.5, 1.0)
    figure = drawn[0]
    FigureCanvasAgg(figure).draw()
    axes = figure.axes[0]
    legend = axes.get_legend().get_window_extent()
    for x, y in axes.transData.transform(axes.collections[-1].get_offsets()):  # the scatter: a point per call
        assert not legend.contains(x, y), (x, y, legend)
    assert legend.y0 >= axes.get_window_extent().y1 - 1  # above the plot, beside the title


def test_the_dashed_window_edges_are_inside_the_picture() -> None:
    window = Span(T0, T0 + 120_000)
    view = view_of([], window)
    assert view.start_ms < window.start_ms and window.end_ms < view.end_ms
    figure = waterfall_figure([], window, [Span(T0 + 60_000, T0 + 600_000)], [], "Window 1 of 2: its start. a window")
    dashed = [line for axes in figure.axes for line in axes.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 4  # both edges, on both panels
    lower, upper = figure.axes[1].get_xlim()
    assert all(lower < line.get_xdata()[0] < upper for line in dashed)
    assert WINDOW_NOTE in figure.axes[1].get_xlabel()
    assert figure._suptitle.get_text().startswith("Window 1 of 2: its start.")


def test_each_window_of_a_clause_names_its_attachments() -> None:
    recording = (Span(T0 + 60_000, T0 + 3_600_000),)
    one = HistoryWindow(Shape.MIDDLE_ONLY, Span(T0, T0 + 120_000), recording)
    first = HistoryWindow(Shape.END_ONLY, Span(T0, T0 + 120_000), recording, "window 1 of 2: its start")
    assert one.named("stream received") == "stream received"
    assert first.named("stream received") == "stream received, window 1 of 2: its start"
