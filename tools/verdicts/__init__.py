"""The sign-off and the verdicts: the verdict per clause and the rule that decides it, in one place
(`clause_verdict`), the known-defects register (`known_defects`, checked by `make lint`), the Xray test key of each
scenario (`xray_keys`), the pages a sign-off rests on (`traceability`: clause → quote → scenarios → faults killed;
`sheet`, `signoff_html` and `signoff`: the sign-off sheet's data, its HTML and its files; `run_header`: what each
printable page says first, the clarifications judged included) and the browser that prints the sheet to PDF
(`browser`, `print_pdf`).

May import: tools.common.
"""
