"""How a scenario ends badly, by the TYPE of what it raised, in one table (`OUTCOMES`; never by its message; a class
is filed with the first of its MRO the table names): a product defect, an `AssertionError` (`MalformedAnswer`,
`WaitTimeout`, `NoSuchExchange` ...), Allure failed, exit 1; a broken environment, `BrokenEnvironment`
(`TargetUnreachable`, `PreconditionNotMet`, the management API failing): the clause could not be judged, broken, exit
2; anything else our own defect, broken, exit 3. The Allure formatter records the labels `exception` (the MRO) and
`outcome` (the category), which tools/common/results.py and the report read."""

from __future__ import annotations

import re
from enum import Enum

import requests

EXCEPTION_LABEL = "exception"  # one label per class of the raised exception's MRO, most specific first
OUTCOME_LABEL = "outcome"  # the category the table gives that hierarchy


class Category(Enum):
    """Where a red scenario is filed: its category name (as the report shows it), Allure status and exit code."""

    PRODUCT_DEFECT = ("product defect", "failed", 1)
    BROKEN_ENVIRONMENT = ("broken environment", "broken", 2)
    SUITE_DEFECT = ("suite defect", "broken", 3)

    def __init__(self, title: str, allure_status: str, exit_code: int) -> None:
        self.title = title
        self.allure_status = allure_status
        self.exit_code = exit_code


class BrokenEnvironment(RuntimeError):
    """What the suite relies on besides the product's behaviour does not work: the clause could not be judged."""


class TargetUnreachable(BrokenEnvironment):
    """A part of the target does not answer at all (connection refused, DNS, TLS, timeout)."""


class PreconditionNotMet(BrokenEnvironment):
    """The target is up but lacks what a scenario needs; raised while setting up (Given/When), never by a check."""


class MalformedAnswer(AssertionError):
    """The target answered, but not in the contract's shape; the message names the field that was wrong."""


class SuiteDefect(RuntimeError):
    """Our own code found itself inconsistent (e.g. a check handed what its setup promised not to hand it)."""


# The one table. Order does not matter: the exception's MRO decides, most specific class first.
OUTCOMES: dict[type[BaseException], Category] = {
    BrokenEnvironment: Category.BROKEN_ENVIRONMENT,
    AssertionError: Category.PRODUCT_DEFECT,
    SuiteDefect: Category.SUITE_DEFECT,
    BaseException: Category.SUITE_DEFECT,  # anything the table does not name is ours to fix
}


def type_names(kind: type[BaseException]) -> list[str]:
    """The qualified names of the exception type's MRO, most specific first (`object` left out)."""
    return [f"{cls.__module__}.{cls.__qualname__}" for cls in kind.__mro__ if cls is not object]


def category_of(kind: type[BaseException]) -> Category:
    """The category of the first class of the type's MRO that the table names."""
    return next(OUTCOMES[cls] for cls in kind.__mro__ if cls in OUTCOMES)


def outcome_labels(kind: type[BaseException]) -> list[tuple[str, str]]:
    """The labels a result carries for an exception of this type: its hierarchy, then its category."""
    return [(EXCEPTION_LABEL, name) for name in type_names(kind)] + [(OUTCOME_LABEL, category_of(kind).title)]


def http_reason(error: requests.RequestException) -> str:
    """A short human reason for a failed HTTP call (no URL, no secret)."""
    text = str(error)
    if isinstance(error, requests.exceptions.SSLError):
        if "CERTIFICATE_VERIFY_FAILED" not in text:
            return "TLS error"
        why = re.search(r"certificate verify failed: ([^()']+)", text)
        return f"TLS certificate not trusted: {why.group(1).strip()}" if why else "TLS certificate not trusted"
    if isinstance(error, requests.exceptions.Timeout):
        return "no answer: timed out"
    if isinstance(error, requests.exceptions.ConnectionError):
        if "Name or service not known" in text or "NameResolution" in text or "nodename nor servname" in text:
            return "host name not found"
        return "connection refused" if "refused" in text.lower() else "connection failed"
    if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "not a valid URL"
    return type(error).__name__
