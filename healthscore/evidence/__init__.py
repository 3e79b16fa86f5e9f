"""Evidence for the weights: what-if diffs, backtests against outcomes, fitted weights.

Pipeline: runs at past as-of dates (`runs`) + an outcomes table (`outcomes`) → labelled rows
(`labels`, no look-ahead) → figures (`metrics`, scikit-learn) → `backtest`; `fit` and `tune`
turn the same rows into a new weight file; `diff` compares two weight files on one table;
`report` writes JSON and HTML.
"""

from healthscore.evidence.backtest import Backtest, backtest
from healthscore.evidence.diff import Diff, compare
from healthscore.evidence.outcomes import read_outcomes
from healthscore.evidence.runs import backfill_runs, from_store, score_history
from healthscore.evidence.tune import Tuned, tune

__all__ = ["Backtest", "Diff", "Tuned", "backfill_runs", "backtest", "compare", "from_store",
           "read_outcomes", "score_history", "tune"]
