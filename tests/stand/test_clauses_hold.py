"""The per-clause checks that judge the fault switches all pass on a fault-free stand."""

from __future__ import annotations

from clause_checks import describe, evaluate
from stand_wire import StandHandle


def test_every_clause_holds_on_the_fault_free_stand(stand: StandHandle) -> None:
    results = evaluate(stand)
    assert all(why is None for why in results.values()), describe(results)
