"""Evidence for the Allure report: every attachment goes through here, so secrets are masked in one place."""

from __future__ import annotations

import json
from typing import Any

import allure
from pydantic import BaseModel

from support.settings import get_settings


def mask(text: str) -> str:
    """Replace every secret of the settings in `text` by ***."""
    for secret in get_settings().secrets():
        text = text.replace(secret, "***")
    return text


def _dump(data: Any) -> str:
    if isinstance(data, BaseModel):
        return data.model_dump_json(indent=2)
    if isinstance(data, list) and data and isinstance(data[0], BaseModel):
        return json.dumps([item.model_dump(mode="json") for item in data], indent=2)
    return json.dumps(data, indent=2, default=str)


def attach_json(name: str, data: Any) -> None:
    allure.attach(mask(_dump(data)), name=name, attachment_type=allure.attachment_type.JSON)


def attach_text(name: str, text: str) -> None:
    allure.attach(mask(text), name=name, attachment_type=allure.attachment_type.TEXT)


def attach_markdown(name: str, text: str) -> None:
    """Markdown (a table, say): the report renders it, where plain text would show its pipes."""
    allure.attach(mask(text), name=name, attachment_type="text/markdown", extension="md")


def attach_csv(name: str, text: str) -> None:
    allure.attach(mask(text), name=name, attachment_type=allure.attachment_type.CSV)


def attach_png(name: str, png: bytes) -> None:
    allure.attach(png, name=name, attachment_type=allure.attachment_type.PNG)
