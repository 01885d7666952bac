"""The suite's "how": service clients, models, settings, waiting, timelines, clause register, evidence.

Nothing here knows which scenario called it, and nothing here imports the stand: the wire is the only coupling.
"""
