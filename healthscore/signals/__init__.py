"""Signals from raw exports: declared sources, per-signal metrics, computed as of a date.

`compute_signals(weights, as_of)` is the stage's public function; `SourceSpec` and
`MetricSpec` are the weight-file syntax (`sources:` and a signal's `compute:`). See
docs/signals.md.
"""

from healthscore.signals.compute import SignalTable, compute_signals, compute_table
from healthscore.signals.describe import describe
from healthscore.signals.spec import MetricSpec, SourceSpec

__all__ = ["MetricSpec", "SignalTable", "SourceSpec", "compute_signals", "compute_table",
           "describe"]
