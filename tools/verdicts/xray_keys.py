"""Which Xray test (a Jira issue, PZ-1234) each scenario is: its own `@PZ-1234` tag, else its `@case-<slug>` in
docs/xray-keys.yaml. The Xray import (tools/ci/xray_build.py) sends results under these keys; the report links each
scenario to its test (an Allure `tms` link), both from here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from tools.common.layout import ROOT

DEFAULT_KEYS = ROOT / "docs" / "xray-keys.yaml"
KEY_TAG = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")  # a Jira issue key as a scenario tag: @PZ-1234


def read_keys(path: Path = DEFAULT_KEYS) -> dict[str, str]:
    """`case slug → test key` from the mapping file; a slug whose key is empty is left out (not mapped yet)."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(case): str(key).strip() for case, key in data.items() if key and str(key).strip()}


def xray_key(tags: Sequence[str], case: str | None, keys: dict[str, str]) -> str | None:
    """The scenario's own `@PZ-1234` tag, else its case's key in the mapping file."""
    tagged = next((tag for tag in tags if KEY_TAG.match(tag)), None)
    return tagged or (keys.get(case) if case else None)


def listed_cases(path: Path = DEFAULT_KEYS) -> list[str]:
    """Every case the mapping file lists, keyed or not."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return [str(case) for case in (data or {})]
