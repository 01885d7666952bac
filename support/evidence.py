"""Evidence for the Allure report: secrets are masked here, in one place, for every text that reaches it.

Attachments go through the `attach_*` functions; everything else of a scenario's result (its name, status message
and trace, and each step's title, `allure.step` ones included) goes through `mask_result`, which the Allure
formatter applies to every result just before it is written.
"""

from __future__ import annotations

import json
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


def _dump(data: Any) -> str:
    if isinstance(data, BaseModel):
        return data.model_dump_json(indent=2)
    if isinstance(data, list) and data and isinstance(data[0], BaseModel):
        return json.dumps([item.model_dump(mode="json") for item in data], indent=2)
    return json.dumps(data, indent=2, default=str)


def attach_json(name: str, data: Any) -> None:
    allure.attach(mask(_dump(data)), name=mask(name), attachment_type=allure.attachment_type.JSON)


def attach_text(name: str, text: str) -> None:
    allure.attach(mask(text), name=mask(name), attachment_type=allure.attachment_type.TEXT)


def attach_markdown(name: str, text: str) -> None:
    """Markdown (a table, say): the report renders it, where plain text would show its pipes."""
    allure.attach(mask(text), name=name, attachment_type="text/markdown", extension="md")


def attach_csv(name: str, text: str) -> None:
    allure.attach(mask(text), name=mask(name), attachment_type=allure.attachment_type.CSV)


def attach_png(name: str, png: bytes) -> None:
    allure.attach(png, name=mask(name), attachment_type=allure.attachment_type.PNG)
