"""SLA trends: each run's measured figures kept run after run, and shown against their thresholds.

Allure's trends count passes; a figure creeping toward its limit passes until the night it does not. Each run
keeps the figures its scenarios measured and attached (nothing is measured again here):

- 2.2: p95 and worst call per route ("latency samples <route>" CSV, the limit from "latency summary");
- 2.1: when each stream ended, against the stream limit (and its tolerance) ("gRPC stream timeline");
- 4.1: the time to the 400 for a window without recordings ("time to answer");
- 3.1: the Smart Recorder's message rate and its longest silence, from the deliveries its probe received.

They are appended to `reports/history/sla-<target>-<profile>.jsonl` (beside Allure's history; a rebuilt report
replaces its run's entry) and drawn on `sla-trends.html` beside the report: the last 30 runs of each figure, one SVG
chart each with its threshold line. A figure still passing whose margin to its threshold shrank by more than
DRIFT_SHARE against the median of the earlier runs is flagged.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from support.clauses import BY_ID
from tools.common.html_page import REPORT_LINKS, esc, page
from tools.verdicts.clause_verdict import run_properties

RUNS_SHOWN = 30
# A figure is flagged when its margin to the threshold shrank by more than this share of its usual margin.
DRIFT_SHARE = 0.25
PAGE_NAME = "sla-trends.html"


@dataclass(frozen=True)
class Figure:
    key: str  # stable across runs: the scenario's case (and outline values) and what is measured
    label: str
    unit: str
    value: float
    threshold: float
    upper: bool  # True: the value must stay under the threshold; False: above it
    clause: str
    low: float | None = None  # a lower bound too (a stream must not end before the limit's tolerance)
    scenario: str = ""  # the scenario that measured it, as its title reads (a run older than this field: none)

    @property
    def title(self) -> str:
        """The chart's heading, in the words of the feature files: the scenario's title, else what is measured."""
        return self.scenario or self.label

    def margin(self) -> float:
        """How far the value is from failing (negative: failing)."""
        above = self.threshold - self.value if self.upper else self.value - self.threshold
        return min(above, self.value - self.low) if self.low is not None else above


# -- collecting the figures from a run's results -----------------------------------------------------------------


def _walk(steps: list[dict]) -> list[dict]:
    found = []
    for step in steps:
        found.extend(step.get("attachments", []))
        found.extend(_walk(step.get("steps", [])))
    return found


def _attachments(result: dict) -> dict[str, str]:
    """name → the file's source name, of every attachment of the result and its steps."""
    return {a["name"]: a["source"] for a in [*result.get("attachments", []), *_walk(result.get("steps", []))]}


def _labels(result: dict, name: str) -> list[str]:
    return [label["value"] for label in result.get("labels", []) if label.get("name") == name]


def _case(result: dict) -> str:
    case = next((tag[5:] for tag in _labels(result, "tag") if tag.startswith("case-")), result.get("name", "?"))
    values = [str(p.get("value")) for p in result.get("parameters", []) or []]
    return f"{case} ({', '.join(values)})" if values else case


def _title(result: dict) -> str:
    """The scenario's title, an outline row's values after it: "A history stream … at the limit (history)"."""
    values = [str(p.get("value")) for p in result.get("parameters", []) or []]
    name = str(result.get("name", "")).strip()
    return f"{name} ({', '.join(values)})" if values and name else name


def _read(results: Path, source: str) -> str:
    try:
        return (results / source).read_text(encoding="utf-8")
    except OSError:
        return ""


def _latency(results: Path, case: str, clause: str, attached: dict[str, str]) -> list[Figure]:
    figures = []
    for name, source in attached.items():
        if not name.startswith("latency samples "):
            continue
        route = name[len("latency samples ") :]
        samples = [float(row["elapsed_ms"]) for row in csv.DictReader(io.StringIO(_read(results, source)))]
        summary = _read(results, attached.get(f"latency summary {route}", ""))
        limit = re.search(r"\|\s*limit\s*\|\s*<\s*([\d.]+)\s*ms", summary)
        if not samples or not limit:
            continue
        ranked = sorted(samples)
        p95 = ranked[max(0, -(-95 * len(ranked) // 100) - 1)]  # nearest rank, as support/metadata_latency.py judges
        threshold = float(limit[1])
        calls = len(ranked)
        figures.append(
            Figure(f"{case}: p95", f"{route}: 95th percentile of {calls} calls", "ms", p95, threshold, True, clause)
        )
        figures.append(
            Figure(f"{case}: max", f"{route}: slowest of {calls} calls", "ms", ranked[-1], threshold, True, clause)
        )
    return figures


def _stream_end(results: Path, case: str, clause: str, attached: dict[str, str]) -> list[Figure]:
    source = attached.get("gRPC stream timeline")
    if source is None or clause != "2.1":
        return []
    try:
        timeline = json.loads(_read(results, source))
        ended, limit = float(timeline["ended_s"]), float(timeline["stream_limit_s"])
    except (ValueError, KeyError, TypeError):
        return []
    if timeline.get("ending") != "ended by the server":
        return []
    tolerance = float(timeline.get("tolerance_s") or 0)
    if timeline.get("end_status") == "OK":  # ended with its data, before the limit
        return [Figure(f"{case}: end", "when the stream ended, normally", "s", ended, limit, True, clause)]
    low = limit - tolerance
    said = "when the server ended the stream, at the limit"
    return [Figure(f"{case}: end", said, "s", ended, limit + tolerance, True, clause, low)]


def _time_to_400(results: Path, case: str, clause: str, attached: dict[str, str]) -> list[Figure]:
    text = _read(results, attached.get("time to answer", "")) if "time to answer" in attached else ""
    found = re.search(r"answered (\d+) in ([\d.]+) s \(limit for 'at once': under ([\d.]+) s\)", text)
    if not found:
        return []
    label = f"time to the refusal ({found[1]})"
    return [Figure(f"{case}: time to answer", label, "s", float(found[2]), float(found[3]), True, clause)]


# The contract: the Smart Recorder's data at least once a second (support/smart_recorder.py, with its allowance).
RECORDER_RATE_MIN = 1.0
RECORDER_SILENCE_MAX = 1.25  # s


def _recorder(results: Path, case: str, clause: str, attached: dict[str, str]) -> list[Figure]:
    # The scenario that judges "at least once a second" (recorder-data-on-prisma); the others listen for other ends.
    if clause != "3.1" or not case.startswith("recorder-data") or "AMQP probe" not in attached:
        return []
    try:
        probe = json.loads(_read(results, attached["AMQP probe"]))
    except ValueError:
        return []
    arrivals = sorted(
        _epoch(d["arrived_utc"])
        for d in probe.get("deliveries_kept", [])
        if isinstance(d, dict) and str(d.get("routing_key", "")).startswith("recorder.data.") and "arrived_utc" in d
    )
    if len(arrivals) < 2:
        return []
    span = arrivals[-1] - arrivals[0]
    rate = (len(arrivals) - 1) / span if span > 0 else 0.0
    silence = max(later - earlier for earlier, later in itertools.pairwise(arrivals))
    return [
        Figure(f"{case}: rate", "Smart Recorder messages a second", "msg/s", rate, RECORDER_RATE_MIN, False, clause),
        Figure(
            f"{case}: silence", "Smart Recorder's longest silence", "s", silence, RECORDER_SILENCE_MAX, True, clause
        ),
    ]


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


_COLLECTORS = (_latency, _stream_end, _time_to_400, _recorder)


def collect(results: Path) -> list[Figure]:
    """The SLA figures the run's scenarios attached, one per measured figure."""
    figures: list[Figure] = []
    for path in sorted(results.glob("*-result.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if result.get("status") == "skipped":
            continue
        clause = next(iter(_labels(result, "spec")), "")
        attached = _attachments(result)
        case = _case(result)
        for collector in _COLLECTORS:
            figures.extend(replace(f, scenario=_title(result)) for f in collector(results, case, clause, attached))
    return sorted(figures, key=lambda f: (f.clause, f.key))


# -- the history -------------------------------------------------------------------------------------------------


def history_file(history: Path, profile: str, target: str) -> Path:
    return history / f"sla-{target}-{profile}.jsonl"


def record(results: Path, history: Path, profile: str, target: str) -> list[dict[str, Any]]:
    """Append this run's figures to the history (replacing an entry of the same run) and return its last runs."""
    props = run_properties(results)
    entry = {
        "run_id": props.get("run_id", "unknown"),
        "run_started": props.get("run_started", "unknown"),
        "figures": [asdict(f) for f in collect(results)],
    }
    path = history_file(history, profile, target)
    runs = load(path)
    if entry["figures"]:
        runs = [run for run in runs if run.get("run_id") != entry["run_id"]] + [entry]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(run) + "\n" for run in runs), encoding="utf-8")
    return runs[-RUNS_SHOWN:]


def load(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    runs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            runs.append(json.loads(line))
        except ValueError:
            continue
    return runs


# -- the page ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    figure: Figure  # the latest one
    points: list[tuple[str, Figure]]  # (run started, figure), oldest first

    @property
    def drifting(self) -> bool:
        """Still passing, but its margin shrank by more than DRIFT_SHARE of the earlier runs' median margin."""
        earlier = [f.margin() for _, f in self.points[:-1]]
        latest = self.figure.margin()
        if not earlier or latest < 0:
            return False
        usual = statistics.median(earlier)
        return usual > 0 and (usual - latest) / usual > DRIFT_SHARE


def series(runs: list[dict[str, Any]]) -> list[Series]:
    by_key: dict[str, list[tuple[str, Figure]]] = {}
    for run in runs[-RUNS_SHOWN:]:
        for raw in run.get("figures", []):
            try:
                figure = Figure(**raw)
            except TypeError:
                continue
            by_key.setdefault(figure.key, []).append((run.get("run_started", "?"), figure))
    found = [Series(points[-1][1], points) for points in by_key.values()]
    return sorted(found, key=lambda s: (s.figure.clause, s.figure.key))


def nice_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Round values (1, 2 or 5 times a power of ten apart) covering low … high, at most `most` of them."""
    span = (high - low) or abs(high) or 1.0
    raw = span / max(1, most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = [first + n * step for n in range(math.ceil((high - first) / step) + 1)]
    return [round(t, 10) for t in ticks]


def _tick_text(value: float, unit: str) -> str:
    return f"{value:,.10g} {unit}"


def time_axis(points: Sequence[tuple[str, Figure]]) -> tuple[str, str]:
    """(left label, right label) of the time axis: the oldest and the newest run, or "the last run" for one."""
    first, last = points[0][0], points[-1][0]
    if len(points) == 1:
        return "", f"the last run: {last}"
    return f"oldest: {first}", f"newest: {last} ({len(points)} runs)"


def svg_chart(line: Series, width: int = 560, height: int = 170) -> str:
    """The figure over the runs (oldest left), with its threshold as a dashed red line (and a lower bound if any),
    on round ticks in its unit."""
    values = [f.value for _, f in line.points]
    marks = [line.figure.threshold, *([line.figure.low] if line.figure.low is not None else [])]
    ticks = nice_ticks(min([*values, *marks]), max([*values, *marks]))
    if min(values + marks) >= 0:
        ticks = [t for t in ticks if t >= 0] or [0.0]
    bottom, top = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1
    left, right, pad_top, pad_bottom = 70, 12, 10, 26
    plot_w, plot_h = width - left - right, height - pad_top - pad_bottom
    unit = line.figure.unit

    def x(index: int) -> float:
        return left + (plot_w * index / max(1, len(values) - 1) if len(values) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return pad_top + plot_h * (1 - (value - bottom) / (top - bottom))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-label="{esc(line.figure.title)}: {esc(line.figure.label)}" class="trend">',
        f'<rect x="{left}" y="{pad_top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#e5e7eb"/>',
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#f0f0f0"/>'
            f'<text class="tick" x="{left - 4}" y="{y(tick) + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#6b7280">{esc(_tick_text(tick, unit))}</text>'
        )
    for mark, name in zip(marks, ("threshold", "lower bound"), strict=False):
        parts.append(
            f'<line class="threshold" x1="{left}" x2="{left + plot_w}" y1="{y(mark):.1f}" y2="{y(mark):.1f}" '
            f'stroke="#dc2626" stroke-dasharray="6 4"/><text x="{left + plot_w - 2}" y="{y(mark) - 3:.1f}" '
            f'font-size="10" text-anchor="end" fill="#dc2626">{name} {mark:g} {esc(unit)}</text>'
        )
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<path d="{path}" fill="none" stroke="#7c3aed" stroke-width="1.5"/>')
    for i, (started, figure) in enumerate(line.points):
        colour = "#dc2626" if figure.margin() < 0 else "#7c3aed"
        parts.append(
            f'<circle class="point" cx="{x(i):.1f}" cy="{y(figure.value):.1f}" r="3.5" fill="{colour}">'
            f"<title>{esc(started)}: {figure.value:.4g} {esc(unit)}</title></circle>"
        )
    oldest, newest = time_axis(line.points)
    parts.append(
        f'<text class="axis-start" x="{left}" y="{height - 8}" font-size="10" fill="#6b7280">{esc(oldest)}</text>'
        f'<text class="axis-end" x="{left + plot_w}" y="{height - 8}" font-size="10" text-anchor="end" '
        f'fill="#6b7280">{esc(newest)}</text></svg>'
    )
    return "".join(parts)


def html(runs: list[dict[str, Any]], profile: str, target: str) -> str:
    lines = series(runs)
    body = [
        "<h1>SLA trends: the measured figures, run after run</h1>",
        f"<p>{esc(_runs_shown(len(runs)))} of the {esc(profile)} profile on {esc(target)} (at most {RUNS_SHOWN}"
        f"{', oldest left' if len(runs) > 1 else ''}). Each chart is one figure a scenario measured and attached, "
        "with its threshold as a dashed red line; a red point failed. A figure still passing whose margin to its "
        f"threshold shrank by more than {DRIFT_SHARE:.0%} against the median of the earlier runs is flagged "
        "<b>moving toward its threshold</b>. Allure's own trends count passes; these show the margin.</p>",
    ]
    if not lines:
        body.append("<p class='muted'>No measured figure yet: the SLA scenarios (2.1, 2.2, 3.1, 4.1) did not run.</p>")
    flagged = [s for s in lines if s.drifting]
    if flagged:
        body.append(
            '<p class="banner invalid" id="drifting">Moving toward the threshold: '
            + "; ".join(f"{esc(s.figure.title)}: {esc(s.figure.label)}" for s in flagged)
            + "</p>"
        )
    clause = None
    for line in lines:
        if line.figure.clause != clause:
            if clause is not None:
                body.append("</div>")
            clause = line.figure.clause
            title = BY_ID[clause].title if clause in BY_ID else ""
            body.append(f'<h2>{esc(clause)} {esc(title)}</h2><div class="trend-grid">')
        figure = line.figure
        flag = ' <span class="status failed">moving toward its threshold</span>' if line.drifting else ""
        bound = f"{figure.low:g} … {figure.threshold:g}" if figure.low is not None else f"{figure.threshold:g}"
        relation = "under" if figure.upper else "at least"
        body.append(
            f'<div class="scenario trend-figure" data-key="{esc(figure.key)}"><b class="title">{esc(figure.title)}</b>'
            f'{flag}<br><span class="measure">{esc(figure.label)}</span><br>'
            f'<span class="muted">latest {figure.value:.4g} {esc(figure.unit)}, {relation} {bound} '
            f"{esc(figure.unit)}; margin {figure.margin():.4g} {esc(figure.unit)}</span><br>{svg_chart(line)}</div>"
        )
    if clause is not None:
        body.append("</div>")
    return page("SLA trends", _GRID + "\n".join(body), REPORT_LINKS)


def _runs_shown(count: int) -> str:
    """ "The last run", "The last 12 runs"."""
    shown = min(count, RUNS_SHOWN)
    return "The last run" if shown == 1 else f"The last {shown} runs"


_GRID = """<style>
.trend-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(34rem, 1fr)); gap: 0 1rem; }
.trend-figure { margin: .5rem 0; } svg.trend { max-width: 100%; height: auto; }</style>"""


def write(results: Path, history: Path, pages: Path, profile: str, target: str) -> Path:
    """Record this run's figures in the history and write the trends page among the pages beside the report."""
    runs = record(results, history, profile, target) if results.is_dir() else []
    pages.mkdir(parents=True, exist_ok=True)
    out = pages / PAGE_NAME
    out.write_text(html(runs, profile, target), encoding="utf-8")
    return out
