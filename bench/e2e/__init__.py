"""End-to-end benchmarks: Remove → stored through a real worker, and the batch command against a plain loop."""
