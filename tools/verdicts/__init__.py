"""The verdicts and the sign-off: the verdict per clause and its rule, in one place (`clause_verdict`), the
known-defects register (`known_defects`, checked by `make lint`), the run header each printable page starts with
(`run_header`), the traceability page (`traceability`), the sign-off sheet (`signoff`) and the browser that prints
it to PDF (`browser`).

May import: tools.common.
"""
