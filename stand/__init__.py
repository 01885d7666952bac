"""The embedded Focus Server stand: a separate program that plays the Focus Server and its surroundings.

It implements the target contract (docs/target-contract.md) exactly (broker topology, REST task and job APIs, gRPC
streams, recordings) and can break one clause at a time with `--fault NAME`. The suite never imports it.
"""
