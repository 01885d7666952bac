"""Evidence for the Allure report, in one place: what a scenario read becomes attachments after each step, masked.
`Evidence` (on the world) keeps every REST exchange (`http`), the readings of a step (`keep`, each saying what of it
to show, `Shown`) and the SLA figures (`metric`); `attach_kept` attaches a step's readings, `close` the exchanges and
figures. Every text of a result is masked by each secret (`use_secrets`, `mask_result`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import allure
from allure_commons.model2 import TestResult, TestStepResult
from pydantic import BaseModel

BODY_LIMIT = 4000  # the most of one HTTP body kept as evidence (characters of its compact JSON, or of its text)
ATTACHMENT_LIMIT = 100_000  # the most of one attachment: a bigger one is cut, with a marker
_secrets: list[str] = []


def use_secrets(secrets: Sequence[str]) -> None:
    """The secrets every text is masked by, in this process (the target's, once known)."""
    _secrets[:] = sorted((s for s in secrets if s), key=len, reverse=True)


def mask(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text


def mask_result(item: TestResult | TestStepResult) -> None:
    """Mask, in place, every text of a scenario's result and of its steps (at any depth)."""
    if not _secrets:
        return
    for name in ("name", "fullName", "description", "descriptionHtml"):
        if isinstance(getattr(item, name, None), str):
            setattr(item, name, mask(getattr(item, name)))
    details = item.statusDetails
    if details is not None:
        details.message = mask(details.message) if details.message else details.message
        details.trace = mask(details.trace) if details.trace else details.trace
    for parameter in item.parameters or []:
        parameter.value = mask(parameter.value or "")
    for attachment in item.attachments or []:
        attachment.name = mask(attachment.name or "")
    for step in item.steps or []:
        mask_result(step)


def cut_text(text: str, limit: int) -> str:
    """`text` up to `limit` characters, and a visible marker saying how much was cut."""
    return text if len(text) <= limit else f"{text[:limit]} … cut, {len(text) - limit:,} more characters"


def _cut_lists(data: Any, keep: int) -> Any:
    if isinstance(data, dict):
        return {key: _cut_lists(value, keep) for key, value in data.items()}
    if isinstance(data, list):
        kept = [_cut_lists(item, keep) for item in data[:keep]]
        if len(data) > keep:
            more = sum(len(json.dumps(item, default=str)) + 1 for item in data[keep:])
            kept.append(f"… cut, {more:,} more characters ({len(data) - keep:,} more items)")
        return kept
    return data


def shrink(data: Any, limit: int) -> Any:
    """JSON-like `data` made to fit `limit`: its long lists cut (a marker says how much), else its text cut."""
    if len(json.dumps(data, default=str)) <= limit:
        return data
    for keep in (64, 32, 16, 8, 4, 2, 1):
        cut = _cut_lists(data, keep)
        if len(json.dumps(cut, default=str)) <= limit:
            return cut
    return cut_text(json.dumps(data, default=str), limit)


def body_evidence(text: str, limit: int = BODY_LIMIT) -> Any:
    """An HTTP body as evidence: JSON as JSON (shown pretty, not as one escaped string), else text, cut to `limit`."""
    try:
        return shrink(json.loads(text), limit)
    except ValueError:
        return cut_text(text, limit)


def _dump(data: Any) -> str:
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list) and data and isinstance(data[0], BaseModel):
        data = [item.model_dump(mode="json") for item in data]
    dumped = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    if len(dumped) > ATTACHMENT_LIMIT:  # long lists cut first, with a marker; the text itself as a last resort
        dumped = json.dumps(shrink(json.loads(dumped), ATTACHMENT_LIMIT * 2 // 3), indent=2, ensure_ascii=False)
    return cut_text(dumped, ATTACHMENT_LIMIT)


class Shown(NamedTuple):
    """One thing a reading shows (a reading may say it as a plain tuple): a json, csv, markdown or text attachment, a
    picture (`waterfall` or `latency`: `content` are its drawing's arguments, drawn when wanted) or a `figure` step."""

    name: str
    kind: str  # json, csv, markdown, text, waterfall, latency, figure
    content: Any = None


class Reading(Protocol):
    def shown(self) -> Sequence[tuple[str, str, Any]]: ...


_TYPES = {
    "json": (allure.attachment_type.JSON, None),
    "csv": (allure.attachment_type.CSV, None),
    "text": (allure.attachment_type.TEXT, None),
    "markdown": ("text/markdown", "md"),
}


def attach(item: Shown, pictures: bool = True) -> None:
    """Attach one shown thing to the report, masked (a picture only when `pictures`)."""
    if item.kind == "figure":
        with allure.step(mask(item.name)):
            pass
    elif item.kind in ("waterfall", "latency"):
        if pictures:  # drawn here, after the step, and only by a run that wants pictures (matplotlib imported then)
            from support.pictures import latency_png, waterfall_png

            png = (waterfall_png if item.kind == "waterfall" else latency_png)(**item.content)
            allure.attach(png, name=mask(item.name), attachment_type=allure.attachment_type.PNG)
    else:
        text = _dump(item.content) if item.kind == "json" else str(item.content)
        kind, extension = _TYPES[item.kind]
        allure.attach(mask(text), name=mask(item.name), attachment_type=kind, extension=extension)


@dataclass
class Evidence:
    """What one scenario read, attached to its report: readings after each step, exchanges and figures at its end."""

    pictures: bool = True
    scenario: str = ""  # the scenario's case and an outline row's values: what its figures are keyed by
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    _kept: list[Reading | Shown] = field(default_factory=list)

    def http(self, exchange: dict[str, Any]) -> None:
        self.exchanges.append(exchange)

    def keep(self, reading: Reading | Shown) -> None:
        """A reading (or one shown thing) to attach once the step that read it ends."""
        self._kept.append(reading)

    def show(self, name: str, kind: str, content: Any = None) -> None:
        """One thing to attach once the step ends (`Shown`)."""
        self._kept.append(Shown(name, kind, content))

    def metric(self, what: str, title: str, value: float, unit: str, limit: float | None, **more: Any) -> None:
        """An SLA figure for the report's metrics, keyed `<scenario>: <what>` (`low`: a lower bound, as a stream's
        end has)."""
        figure = {"key": f"{self.scenario}: {what}", "title": title, "value": round(value, 3), "unit": unit}
        self.metrics.append(figure | {"limit": limit, "better": "lower", "low": None} | more)

    def attach_kept(self) -> None:
        kept, self._kept = self._kept, []
        for reading in kept:
            for item in [reading] if isinstance(reading, Shown) else reading.shown():
                attach(Shown(*item), self.pictures)

    def close(self, more: dict[str, Any]) -> None:
        """The scenario's end: what its steps left, its REST exchanges, `more` (the broker's), its SLA figures."""
        self.attach_kept()
        if self.exchanges:
            attach(Shown("HTTP exchanges", "json", self.exchanges))
        for name, seen in more.items():
            attach(Shown(name, "json", seen))
        if self.metrics:
            attach(Shown("metrics", "json", self.metrics))
