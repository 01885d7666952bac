"""Fixtures of the harness tests."""

from __future__ import annotations

import pytest
from tools_testkit import ResultWriter, write_result


@pytest.fixture(name="write_result")
def write_result_fixture() -> ResultWriter:
    return write_result
