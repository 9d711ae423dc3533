"""Drills, not benchmarks: faults with real processes, and load on a running server."""
