"""The embedded Focus Server stand: a separate program that plays the Focus Server and its surroundings by the
target contract (docs/target-contract.md), and breaks one clause at a time with `--fault NAME`. The suite never
imports it."""
