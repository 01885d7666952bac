"""The waterfall pictures of support/pictures.py: valid PNGs, whatever came, a grid that shows the holes, and a gRPC
stream drawn as a waterfall."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from support.grpc_stream import Frame
from support.models import Row, SensorIntensity
from support.pictures import _intensity_grid, rows_of_frame, waterfall_png
from support.windows import Gap, Span

T0 = 1_760_004_000_000  # 2025-10-09 10:00:00 UTC
WINDOW = Span(T0, T0 + 900_000)
RECORDINGS = [Span(T0, T0 + 300_000), Span(T0 + 600_000, T0 + 900_000)]


def row(second: int, values: dict[int, list[float]]) -> Row:
    ms = T0 + second * 1000
    sensors = [SensorIntensity(id=sensor, intensity=intensity) for sensor, intensity in values.items()]
    return Row(canvasId="t", sensors=sensors, startTimestamp=ms, endTimestamp=ms + 1000)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(png)).size


def test_a_waterfall_with_a_hole_is_a_png() -> None:
    rows = [row(s, {0: [1.0, 3.0], 1: [2.0]}) for s in [*range(0, 300), *range(600, 900)]]
    png = waterfall_png(rows, WINDOW, RECORDINGS, [Gap(T0 + 299_000, T0 + 600_000)], "a hole\n600 rows")
    assert png_size(png) == (1100, 550)


def test_the_grid_averages_each_sensor_and_leaves_holes_blank() -> None:
    rows = [row(0, {0: [1.0, 3.0], 2: [4.0]}), row(0, {0: [4.0]}), row(3, {2: [5.0]})]
    grid = _intensity_grid(rows, Span(T0, T0 + 5000), [0, 2])
    assert grid.shape == (2, 5)
    assert grid[0, 0] == 3.0  # rows of one bin: the mean of (mean 2.0, 4.0)
    assert grid[1, 0] == 4.0 and grid[1, 3] == 5.0
    assert np.isnan(grid[0, 1:]).all() and np.isnan(grid[1, [1, 2, 4]]).all()


def test_a_grpc_frame_is_drawn_as_waterfall_rows_one_mean_intensity_per_channel() -> None:
    data = np.arange(2 * 3 * 4, dtype="<f4").reshape(2, 3, 4)  # rows × channels 5..7 × bins
    frame = Frame(5, 7, (1_000, 1_100), (0, 1), data, 23.0, 0.0)
    rows = rows_of_frame("job-1", frame)
    assert [(row.canvasId, row.startTimestamp, row.endTimestamp) for row in rows] == [
        ("job-1", 1_000, 1_000),
        ("job-1", 1_100, 1_100),
    ]
    assert [(s.id, s.intensity) for s in rows[1].sensors] == [(5, [13.5]), (6, [17.5]), (7, [21.5])]


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("pictures", [True, False])
def test_a_picture_is_drawn_only_when_the_run_wants_pictures(pictures: bool, monkeypatch) -> None:
    """FOCUS_PICTURES=false (the mutation matrix) leaves the drawing out, and with it matplotlib's import."""
    from support import pictures as drawing
    from support.evidence import Shown, attach

    drawn: list[dict] = []
    monkeypatch.setattr(drawing, "latency_png", lambda **given: drawn.append(given) or b"\x89PNG")
    attach(Shown("a picture", "latency", {"route": "GET /x"}), pictures=pictures)
    assert drawn == [{"route": "GET /x"}] * pictures
