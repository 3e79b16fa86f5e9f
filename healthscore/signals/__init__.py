"""Signals from raw exports: declared sources, per-signal metrics, computed as of a date.

`compute_signals(weights, as_of)` is the stage's public function; `SourceSpec` and
`MetricSpec` are the weight-file syntax (`sources:` and a signal's `compute:`). See
docs/signals.md.

The computation (and DuckDB) is imported on first use: the weight-file model imports
`healthscore.spec.sources`, and scoring a ready table should not pay for an engine it does not
use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from healthscore.spec.sources import MetricSpec, SourceSpec

if TYPE_CHECKING:
    from healthscore.signals.compute import SignalTable, compute_signals, compute_table
    from healthscore.signals.wording import describe

_LAZY = {"SignalTable": "compute", "compute_signals": "compute", "compute_table": "compute",
         "describe": "wording"}

__all__ = ["MetricSpec", "SignalTable", "SourceSpec", "compute_signals", "compute_table",
           "describe"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"healthscore.signals.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'healthscore.signals' has no attribute {name!r}")
