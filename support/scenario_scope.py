"""What a scenario opens lives until the scenario ends, through behave's own cleanup (`context.add_cleanup`).

`hold` enters a context manager as a behave fixture (`behave.fixture.use_fixture`): it is exited when the scenario's
layer of the context is popped, after `after_scenario` has attached the evidence, last opened first closed.
`file_cleanup_error` keeps a cleanup that raises filed as before, by the type it raised: behave marks the scenario
`cleanup_error` but stores nothing on it, so the Allure formatter would not know what went wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from behave.fixture import fixture, use_fixture
from behave.runner import Context

T = TypeVar("T")


@fixture
def _held(context: Context, manager: AbstractContextManager[T]) -> Iterator[T]:
    with manager as value:
        yield value


def hold(context: Context, manager: AbstractContextManager[T]) -> T:
    """Enter `manager` now; exit it when the scenario ends (behave's fixture cleanup)."""
    return use_fixture(_held, context, manager)


def file_cleanup_error(context: Context, cleanup: Callable[..., Any], error: Exception) -> None:
    """behave's `on_cleanup_error`: the error goes on the scenario as a hook's would, one line on the output."""
    scenario = getattr(context, "scenario", None)
    if scenario is not None and getattr(scenario, "exception", None) is None:
        scenario.store_exception_context(error)
        scenario.error_message = f"CLEANUP-ERROR in {getattr(cleanup, '__qualname__', cleanup)!s}: {error!r}"
    print(f"CLEANUP-ERROR in {getattr(cleanup, '__qualname__', cleanup)!s}: {type(error).__name__}: {error}")
