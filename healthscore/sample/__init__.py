"""Seeded sample portfolios for the demo, the docs and the benchmarks."""

from healthscore.sample.portfolio import generate_customers

__all__ = ["generate_customers"]
