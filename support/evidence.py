"""Evidence for the Allure report: secrets are masked here, in one place, for every text that reaches it.

Attachments go through the `attach_*` functions; everything else of a scenario's result (its name, status message
and trace, and each step's title, `allure.step` ones included) goes through `mask_result`, which the Allure
formatter applies to every result just before it is written. What other writers leave in a run's folder (behave's
own JUnit, the behave processes' output, logs) is masked after the run by `mask_files`, before anything reads it.
Masking goes by each secret's value (`Settings.secrets`), never by parsing a URL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import allure
from allure_commons.model2 import Attachment, Parameter, StatusDetails, TestResult, TestStepResult
from pydantic import BaseModel

from support.settings import get_settings


def mask(text: str) -> str:
    """Replace every secret of the settings in `text` by ***."""
    for secret in get_settings().secrets():
        text = text.replace(secret, "***")
    return text


# Files whose bytes are no text: a secret's bytes inside them are chance, and replacing them would corrupt the file.
BINARY_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".pdf", ".woff", ".woff2", ".ico", ".gz", ".zip"})


def mask_files(folder: Path, secrets: Sequence[str] | None = None) -> list[Path]:
    """Replace every secret by *** in every text file below `folder`, in place; the files it changed.

    For what the run's own writers do not mask: behave's JUnit files, the behave processes' output, logs.
    """
    values = [s.encode() for s in (get_settings().secrets() if secrets is None else secrets) if s]
    changed: list[Path] = []
    if not values or not folder.is_dir():
        return changed
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink() or path.suffix.lower() in BINARY_SUFFIXES:
            continue
        data = original = path.read_bytes()
        for value in values:
            data = data.replace(value, b"***")
        if data != original:
            path.write_bytes(data)
            changed.append(path)
    return changed


def mask_result(result: TestResult) -> None:
    """Mask, in place, every text of a scenario's result and of its steps (at any depth)."""
    secrets = get_settings().secrets()
    if secrets:
        _mask_item(result, secrets)


def _masked(text: str | None, secrets: list[str]) -> str | None:
    if not text:
        return text
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _mask_item(item: TestResult | TestStepResult, secrets: list[str]) -> None:
    for name in ("name", "fullName", "description", "descriptionHtml"):
        if isinstance(getattr(item, name, None), str):
            setattr(item, name, _masked(getattr(item, name), secrets))
    details: StatusDetails | None = item.statusDetails
    if details is not None:
        details.message = _masked(details.message, secrets)
        details.trace = _masked(details.trace, secrets)
    parameters: list[Parameter] = item.parameters or []
    for parameter in parameters:
        parameter.value = _masked(parameter.value, secrets)
    attachments: list[Attachment] = item.attachments or []
    for attachment in attachments:
        attachment.name = _masked(attachment.name, secrets)
    for step in item.steps or []:
        _mask_item(step, secrets)


# The most of one HTTP body kept as evidence (characters of its compact JSON, or of its text).
BODY_LIMIT = 4000
# The most of one attachment: a bigger one (the management API listings of a long scenario) is cut, with a marker.
ATTACHMENT_LIMIT = 100_000


def cut_text(text: str, limit: int) -> str:
    """`text` up to `limit` characters, and a visible marker saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} … cut, {len(text) - limit:,} more characters"


def _cut_lists(data: Any, keep: int) -> Any:
    """`data` with every list longer than `keep` items cut to `keep` and a marker item saying what was cut."""
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
    """JSON-like `data` small enough to read: as it is when its compact JSON fits `limit`; else with its long lists
    cut (a marker item says how much); else, as a last resort, its text cut with a marker."""
    compact = json.dumps(data, default=str)
    if len(compact) <= limit:
        return data
    keep = 64
    while keep >= 1:
        cut = _cut_lists(data, keep)
        if len(json.dumps(cut, default=str)) <= limit:
            return cut
        keep //= 2
    return cut_text(compact, limit)


def body_evidence(text: str, limit: int = BODY_LIMIT) -> Any:
    """An HTTP body as evidence: JSON as JSON (the report shows it pretty, not as one escaped string), cut to
    `limit` with a marker; any other text cut with a marker."""
    try:
        data = json.loads(text)
    except ValueError:
        return cut_text(text, limit)
    return shrink(data, limit)


def _dump(data: Any) -> str:
    if isinstance(data, BaseModel):
        return data.model_dump_json(indent=2)
    if isinstance(data, list) and data and isinstance(data[0], BaseModel):
        return json.dumps([item.model_dump(mode="json") for item in data], indent=2, ensure_ascii=False)
    return json.dumps(data, indent=2, default=str, ensure_ascii=False)


def attach_json(name: str, data: Any) -> None:
    """`data` as pretty JSON; one too big to read in the report has its long lists cut, with a marker."""
    dumped = _dump(data)
    if len(dumped) > ATTACHMENT_LIMIT:
        plain = json.loads(dumped)
        dumped = json.dumps(shrink(plain, ATTACHMENT_LIMIT * 2 // 3), indent=2, default=str, ensure_ascii=False)
        if len(dumped) > ATTACHMENT_LIMIT:
            allure.attach(mask(cut_text(dumped, ATTACHMENT_LIMIT)), name=mask(name), attachment_type="text/plain")
            return
    allure.attach(mask(dumped), name=mask(name), attachment_type=allure.attachment_type.JSON)


def attach_text(name: str, text: str) -> None:
    allure.attach(mask(text), name=mask(name), attachment_type=allure.attachment_type.TEXT)


def attach_markdown(name: str, text: str) -> None:
    """Markdown (a table, say): the report renders it, where plain text would show its pipes."""
    allure.attach(mask(text), name=name, attachment_type="text/markdown", extension="md")


def attach_csv(name: str, text: str) -> None:
    allure.attach(mask(text), name=mask(name), attachment_type=allure.attachment_type.CSV)


def attach_png(name: str, draw: Callable[[], bytes]) -> None:
    """A picture, drawn only when the run wants pictures (FOCUS_PICTURES): drawing is what costs."""
    if get_settings().pictures:
        allure.attach(draw(), name=mask(name), attachment_type=allure.attachment_type.PNG)


def report_figure(text: str) -> None:
    """A measured figure as a step of its own in the Allure result, so that it reads without opening attachments.

    Its title is masked with the rest of the result (`mask_result`), like every step's."""
    with allure.step(text):
        pass
