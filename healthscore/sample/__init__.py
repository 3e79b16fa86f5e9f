"""Seeded sample portfolios for the demo, the docs and the benchmarks."""

from healthscore.sample.portfolio import generate_customers
from healthscore.sample.raw import generate_raw, generate_raw_frames

__all__ = ["generate_customers", "generate_raw", "generate_raw_frames"]
