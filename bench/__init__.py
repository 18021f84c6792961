"""Benchmarks: `python -m bench NAME [--quick]`; never part of the test run."""
