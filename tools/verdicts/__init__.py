"""The verdict per clause and its rule (`clause_verdict`), the known-defects register, the run header, the traceability
page, the sign-off sheet and the browser that prints it to PDF.

May import: tools.common.
"""
