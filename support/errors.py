"""The three ways a scenario can end badly, kept apart so that the report can tell them apart.

- a product defect is an AssertionError (Allure: failed), including `MalformedAnswer`;
- a broken environment is `TargetUnreachable` or `PreconditionNotMet` (Allure: broken, category "environment");
- anything else is a defect of the suite itself (Allure: broken, category "suite defect").
"""

from __future__ import annotations


class MalformedAnswer(AssertionError):
    """The target answered, but not in the contract's shape; the message names the field that was wrong."""


class TargetUnreachable(RuntimeError):
    """A part of the target does not answer at all (connection refused, DNS, TLS, timeout)."""


class PreconditionNotMet(RuntimeError):
    """The target is up but lacks what a scenario needs (e.g. no history window of the needed shape)."""
