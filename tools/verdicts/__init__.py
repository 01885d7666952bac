"""The sign-off and the verdicts: the verdict per clause in one place (`clause_verdict`), the pages a sign-off rests
on (`traceability`: clause → quote → scenarios → faults killed; `signoff`: the printable sheet; `run_header`: what
each printable page says first) and the browser that prints the sheet to PDF (`browser`).

May import: tools.common.
"""
