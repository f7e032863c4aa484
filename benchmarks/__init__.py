"""Reproducible benchmarks; `make bench` runs them all (benchmarks/run_all.py)."""
