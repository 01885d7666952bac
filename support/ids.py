"""The one id scheme for what the suite (and the tests) create on a target: `acc_<purpose>_<8 hex>`.

Unique per call, recognisable as the suite's, and telling what made it; only `[A-Za-z0-9_-]`, so that it is also a
valid task id and AMQP queue name once `_results` is appended.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

PREFIX = "acc"


def new_task_id(purpose: str = "task") -> str:
    """`acc_<purpose>_<8 hex>`: a fresh id; `purpose` says what made it (characters outside the scheme become `_`)."""
    return f"{PREFIX}_{re.sub(r'[^A-Za-z0-9_-]', '_', purpose)}_{secrets.token_hex(4)}"


def purpose_of_tags(tags: Iterable[str], default: str = "history") -> str:
    """The scenario's `@case-<slug>` without its prefix (so an id tells which scenario made it), else `default`."""
    return next((tag[len("case-") :] for tag in tags if tag.startswith("case-")), default)
