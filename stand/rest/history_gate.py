"""Clauses 4.1 and 4.6 in one place: what a history window without (full) coverage answers, over either API.

Fault switches here: no-fail-fast, not-found-404, slow-fail-fast (4.1), strict-gaps (4.3-4.6).
"""

from __future__ import annotations

import math
import time

from fastapi.responses import JSONResponse

from stand.catalogue import Catalogue
from stand.faults import ActiveFault
from stand.rest.common import error
from stand.timing import StandTiming

NO_RECORDINGS = "No recordings found in the requested time range"
NOT_FOUND_TODAY = "No recording found in given time range"  # what the real server answers today (404)
STRICT_GAPS = "Recordings do not cover the whole requested time range"
SLOW_FAIL_FAST_S = StandTiming.slow_fail_fast_s


class HistoryGate:
    def __init__(self, catalogue: Catalogue, fault: ActiveFault) -> None:
        self.catalogue = catalogue
        self.fault = fault

    def refuse(self, start: float, end: float) -> JSONResponse | None:
        """An error answer for the window, or None when it may run."""
        if not self.catalogue.overlapping(start, end):
            if self.fault.on("no-fail-fast"):
                return None
            if self.fault.on("not-found-404"):
                return error(404, NOT_FOUND_TODAY)
            if self.fault.on("slow-fail-fast"):
                time.sleep(SLOW_FAIL_FAST_S)
            return error(400, NO_RECORDINGS)
        if self.fault.on("strict-gaps"):
            covered = sum(b - a for a, b in self.catalogue.segments(start, end, self.fault))
            if covered < math.ceil(end) - math.ceil(start):
                return error(400, STRICT_GAPS)
        return None
