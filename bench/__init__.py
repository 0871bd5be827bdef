"""Benchmark of the sensors pipeline (issue 3, point 10); see bench/README.md."""
