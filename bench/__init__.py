"""Gatepost benchmarks: `python -m bench` (see docs/performance.md)."""
