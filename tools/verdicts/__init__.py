"""The verdict per clause and its rule (`clause_verdict`), the register (`known_defects`), the `run_header`,
the `traceability` page, the sign-off sheet (`signoff`) and the `browser` that prints it to PDF.

May import: tools.common.
"""
