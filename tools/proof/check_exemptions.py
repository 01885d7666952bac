"""The one register of checks that `make mutation` lets stay never red, each with the written reason why.

A check is a Then step definition, named by its pattern exactly as in steps/ (see tools/proof/kill_matrix.py). An entry
here is shown in reports/mutation/matrix.md beside the check; an entry naming no check of the suite fails the
matrix (a stale exemption would hide a new check of the same name).
"""

from __future__ import annotations

EXEMPT: dict[str, str] = {}
