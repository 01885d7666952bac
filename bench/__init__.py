"""Benchmarks of the stand (`make bench-stream`)."""
