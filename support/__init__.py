"""The suite's "how": clients, models, settings, waits, windows, the register, evidence; it never imports the stand."""
