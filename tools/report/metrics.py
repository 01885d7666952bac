"""The run's SLA figures (support/evidence.py's "metrics" attachments) as Allure 3.18's own: performance results
(`sla-perf.json`), `performance` config (its Metrics section: title, unit, better, a group per clause, the trend) and
quality-gate rules at the limits, a rule that trips a finding in the report, never a failed build (generate.mjs).
Each title says what Allure does not: the limit and the margin as a share of it ("limit < 1000 ms, margin 99%").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from support.clauses import BY_ID

PERF_FILE = "sla-perf.json"


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    value: float
    unit: str
    limit: float | None
    low: float | None
    better: str  # "lower" or "higher"
    clause: str
    start: int
    stop: int

    def margin(self) -> float | None:
        """How far from failing, as a share of the limit (negative: failing); None without a limit."""
        if not self.limit:
            return None
        high = (self.limit - self.value if self.better == "lower" else self.value - self.limit) / self.limit
        return high if self.low is None else min(high, (self.value - self.low) / self.limit)


def _attachments(item: dict) -> list[dict]:
    return [*item.get("attachments", []), *(a for step in item.get("steps") or [] for a in _attachments(step))]


def collect(results: Path) -> list[Figure]:
    """Every figure the run's scenarios attached (support/evidence.py's "metrics"), in clause order."""
    figures = []
    for result in (json.loads(path.read_text(encoding="utf-8")) for path in sorted(results.glob("*-result.json"))):
        clause = next((x["value"] for x in result.get("labels", []) if x.get("name") == "spec"), "")
        times = {"start": result.get("start") or 0, "stop": result.get("stop") or result.get("start") or 0}
        for attached in (a for a in _attachments(result) if a.get("name") == "metrics"):
            for raw in json.loads((results / attached["source"]).read_text(encoding="utf-8")):
                said = {k: raw.get(k) for k in ("title", "value", "unit", "limit", "low")} | times
                said |= {"better": raw.get("better") or "lower", "clause": clause}
                # Allure's key: the clause first (its Metrics section lists the figures by key), then the suite's.
                figures.append(Figure(f"{clause} {raw['key']}", **said))
    return sorted(figures, key=lambda f: f.key)


def _title(f: Figure) -> str:
    """The figure's title, the scenario's case before it, its limit and margin after it."""
    said = f"{f.key.split(': ')[0]}: {f.title}"
    if f.limit is None:
        return said
    limit = f"{f.low:g} … {f.limit:g}" if f.low is not None else f"{'<' if f.better == 'lower' else '≥'} {f.limit:g}"
    return f"{said} (limit {limit} {f.unit}, margin {f.margin():.0%})"


def allure_config(figures: list[Figure]) -> dict:
    """The `performance` and `qualityGate` parts of the Allure config (allurerc.mjs reads them from a file)."""
    metrics = {
        f.key: {"title": _title(f), "unit": f.unit, "better": f.better}
        | ({"group": f.clause} if f.clause in BY_ID else {})
        for f in figures
    }
    # The app shows a group's title with its dots as spaces ("2 2"): the clause's heading alone, its id in each title.
    groups = {f.clause: {"title": BY_ID[f.clause].title} for f in figures if f.clause in BY_ID}
    rules = []
    for f in {f.key: f for f in figures}.values():
        if f.limit is not None:
            rule = "metricMax" if f.better == "lower" else "metricMin"
            rules.append({"id": f.key, rule: {"key": f.key, "value": f.limit, "unit": f.unit}})
        if f.low is not None:
            rules.append({"id": f"{f.key} (low)", "metricMin": {"key": f.key, "value": f.low, "unit": f.unit}})
    return {"performance": {"metrics": metrics, "groups": groups}, "qualityGate": {"rules": rules}}


def write(results: Path, staged: Path) -> Path | None:
    """The figures as Allure's performance results in the staged copy; returns the config file, if any figure."""
    figures = collect(results)
    if not figures:
        return None
    perf = [
        {"id": f"sla-{n}", "key": f.key, "value": f.value, "start": f.start, "stop": f.stop}
        for n, f in enumerate(figures)
    ]
    (staged / PERF_FILE).write_text(json.dumps(perf), encoding="utf-8")
    config = staged.parent / ".allure-sla.json"
    config.write_text(json.dumps(allure_config(figures), ensure_ascii=False), encoding="utf-8")
    return config
