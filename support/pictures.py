"""Pictures of what a scenario read, for the report, drawn headless (matplotlib's Agg, no pyplot; imported only by a
run that draws) as PNG bytes: `waterfall_png`, the rows received over a history window (time × sensor, blank where no
row came) above the catalogue's recordings, the runs of rows and the holes seen; `latency_png`, a point per call of a
route, its limit and p95."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from support.grpc_stream import Frame
from support.models import Row, SensorIntensity
from support.times import CONTINUITY_MS
from support.windows import Gap, Span, instant_of, runs

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_COLUMNS = 1200  # time bins of the image: at least one second each, at most this many
_RECORDING, _ROWS, _HOLE = "#2e7d32", "#1565c0", "#c62828"


def _num(ms: int) -> float:
    from matplotlib import dates

    return float(dates.date2num(instant_of(ms)))


def _intensity_grid(rows: Sequence[Row], view: Span, sensors: list[int]) -> np.ndarray:
    """sensors × time bins: the mean intensity of the rows in each bin, NaN where none fell."""
    columns = max(1, min(MAX_COLUMNS, view.duration_ms // 1000 or 1))
    width = max(view.duration_ms, 1) / columns
    index = {sensor: i for i, sensor in enumerate(sensors)}
    # One entry per (row, sensor): plain Python for the means (tens of thousands of short lists), numpy for the sums.
    cells = [
        (
            index[sensor.id],
            min(columns - 1, int((row.startTimestamp - view.start_ms) / width)),
            sum(sensor.intensity) / len(sensor.intensity),
        )
        for row in rows
        for sensor in row.sensors
        if sensor.intensity
    ]
    total = np.zeros((len(sensors), columns))
    count = np.zeros((len(sensors), columns))
    if cells:
        where_sensor, where_column, values = (np.asarray(part) for part in zip(*cells, strict=True))
        np.add.at(total, (where_sensor, where_column), values)
        np.add.at(count, (where_sensor, where_column), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


EDGE_SHARE = 0.02  # the view runs past the window asked for, so that its dashed edges show
WINDOW_NOTE = "dashed lines: the window asked for"


def waterfall_png(
    rows: Sequence[Row],
    window: Span,
    recordings: Sequence[Span],
    gaps: Sequence[Gap],
    title: str,
    frames: Sequence[Frame] = (),
    canvas: str = "",
) -> bytes:
    """The waterfall received over `window` (its rows, or a stream's `frames` read as rows of `canvas`), with the
    catalogue's `recordings` and the observed `gaps` marked."""
    rows = [*rows, *(row for frame in frames for row in rows_of_frame(canvas, frame))]
    return _png(waterfall_figure(rows, window, recordings, gaps, title))


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def view_of(rows: Sequence[Row], window: Span) -> Span:
    """The window and any row outside it (a row where none belongs must show), and a margin."""
    stamps = [row.startTimestamp for row in rows]
    shown = Span(min([window.start_ms, *stamps]), max([window.end_ms, *stamps]))
    margin = max(1, int(shown.duration_ms * EDGE_SHARE))
    return Span(shown.start_ms - margin, shown.end_ms + margin)


def waterfall_figure(
    rows: Sequence[Row], window: Span, recordings: Sequence[Span], gaps: Sequence[Gap], title: str
) -> Figure:
    """Waterfall on top, catalogue and rows below, holes across."""
    view = view_of(rows, window)
    figure, top, bottom, colour_bar = _frame(title)
    _draw_waterfall(figure, top, colour_bar, rows, view)
    _draw_holes(top, bottom, gaps)
    _draw_lanes(bottom, recordings, [row.startTimestamp for row in rows], view)
    for axis in (top, bottom):
        for edge in (window.start_ms, window.end_ms):
            axis.axvline(_num(edge), color="black", ls="--", lw=1)
    _time_axis(bottom, view)
    return figure


def _frame(title: str) -> tuple[Figure, Axes, Axes, Axes]:
    """The figure, its two panels sharing the time axis, the colour bar's axes, the caption on top."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 5.5), dpi=100)
    FigureCanvasAgg(figure)
    # A fixed grid rather than constrained layout: the layout engine would double the rendering time.
    grid_spec = figure.add_gridspec(
        2,
        2,
        width_ratios=[60, 1],
        height_ratios=[4, 1.3],
        left=0.11,
        right=0.93,
        top=0.93 - 0.025 * (title.count("\n") + 1),  # room for every line of the caption
        bottom=0.12,
        hspace=0.1,
        wspace=0.03,
    )
    top = figure.add_subplot(grid_spec[0, 0])
    bottom = figure.add_subplot(grid_spec[1, 0], sharex=top)
    top.tick_params(labelbottom=False)
    figure.suptitle(title, fontsize=9)
    return figure, top, bottom, figure.add_subplot(grid_spec[0, 1])


def _draw_waterfall(figure: Figure, top: Axes, colour_bar: Axes, rows: Sequence[Row], view: Span) -> None:
    from matplotlib.colors import Normalize
    from matplotlib.ticker import MaxNLocator

    sensors = sorted({sensor.id for row in rows for sensor in row.sensors})
    top.set_facecolor("#eeeeee")
    top.set_ylabel("sensor")
    if not sensors:
        top.text(0.5, 0.5, "no rows received", transform=top.transAxes, ha="center", va="center", fontsize=14)
        top.set_yticks([])
        colour_bar.set_visible(False)
        return
    grid = _intensity_grid(rows, view, sensors)
    image = top.imshow(
        np.ma.masked_invalid(grid),
        aspect="auto",
        origin="lower",
        interpolation="nearest",
        cmap="viridis",  # masked (no row) bins stay transparent over the grey background
        # A colour scale from the 2nd to the 98th percentile: a few loud events must not flatten the rest.
        norm=Normalize(*np.nanpercentile(grid, [2, 98])) if np.isfinite(grid).any() else None,
        extent=(_num(view.start_ms), _num(view.end_ms), sensors[0] - 0.5, sensors[-1] + 0.5),
    )
    figure.colorbar(image, cax=colour_bar, label="intensity (mean of a row's values)")
    top.yaxis.set_major_locator(MaxNLocator(integer=True))


def _draw_holes(top: Axes, bottom: Axes, gaps: Sequence[Gap]) -> None:
    for gap in gaps:
        for axis in (top, bottom):
            axis.axvspan(_num(gap.start_ms), _num(gap.end_ms), color=_HOLE, alpha=0.18, hatch="//", lw=0)
        top.annotate(
            f"hole {gap.duration_ms / 1000:.1f} s",
            xy=(_num(gap.start_ms + gap.duration_ms // 2), 1.0),
            xycoords=("data", "axes fraction"),
            ha="center",
            va="bottom",
            color=_HOLE,
            fontsize=8,
        )


def _draw_lanes(bottom: Axes, recordings: Sequence[Span], stamps: Sequence[int], view: Span) -> None:
    """The catalogue's recordings and the runs of rows received, as two lanes."""
    lanes = {"catalogue": 1.0, "rows received": 0.0}
    for recording in recordings:
        shown = recording.clip(view)
        if shown is not None:
            bottom.broken_barh(
                [(_num(shown.start_ms), _num(shown.end_ms) - _num(shown.start_ms))], (0.7, 0.6), color=_RECORDING
            )
    for run in runs(stamps, CONTINUITY_MS):
        width = max(_num(run.end_ms) - _num(run.start_ms), 1e-6)
        bottom.broken_barh([(_num(run.start_ms), width)], (-0.3, 0.6), color=_ROWS)
    bottom.set_yticks(list(lanes.values()), list(lanes))
    bottom.set_ylim(-0.6, 1.6)


def _time_axis(bottom: Axes, view: Span) -> None:
    from matplotlib import dates

    bottom.set_xlim(_num(view.start_ms), _num(view.end_ms))
    bottom.xaxis.set_major_locator(dates.AutoDateLocator(minticks=4, maxticks=9))
    bottom.xaxis.set_major_formatter(dates.DateFormatter("%H:%M:%S"))
    bottom.set_xlabel(f"time (UTC) from {instant_of(view.start_ms):%Y-%m-%d %H:%M:%S}; {WINDOW_NOTE}")


def rows_of_frame(canvas_id: str, frame: Frame) -> list[Row]:
    """A gRPC frame's rows as waterfall rows (one intensity per channel, the mean over its bins)."""
    means = frame.data.mean(axis=2)
    channels = range(frame.start_channel, frame.end_channel + 1)
    return [
        Row.model_construct(
            canvasId=canvas_id,
            sensors=[
                SensorIntensity.model_construct(id=c, intensity=[float(v)]) for c, v in zip(channels, row, strict=True)
            ],
            startTimestamp=stamp,
            endTimestamp=stamp,
        )
        for stamp, row in zip(frame.timestamps_ms, means, strict=True)
    ]


def latency_png(route: str, elapsed_s: Sequence[float], p95_s: float, limit_s: float) -> bytes:
    """A point per call (red at or over the limit), the limit and p95 as lines, on a log axis."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    ms, limit_ms = [value * 1000 for value in elapsed_s], limit_s * 1000
    figure = Figure(figsize=(6, 2.8), dpi=90)
    axes = figure.subplots()
    colours = ["tab:red" if value >= limit_ms else "tab:blue" for value in ms]
    calls = range(1, len(ms) + 1)
    axes.set_yscale("log")
    floor = max(min(ms) / 1.6, 0.01)
    axes.set_ylim(floor, max(limit_ms, max(ms)) * 1.8)
    axes.vlines(calls, floor, ms, colors=colours, linewidth=2)
    axes.scatter(calls, ms, c=colours, s=14, zorder=3)
    axes.axhline(limit_ms, color="tab:red", linestyle="--", label=f"limit {limit_ms:.0f} ms")
    axes.axhline(p95_s * 1000, color="tab:orange", linestyle=":", label=f"p95 {p95_s * 1000:.1f} ms")
    axes.set_xlabel("call")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("ms (log scale)")
    axes.set_title(route, fontsize=10, loc="left")
    axes.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False, borderaxespad=0.2)
    figure.tight_layout()
    return _png(figure)
