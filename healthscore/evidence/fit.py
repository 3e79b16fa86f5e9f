"""Per-signal scoring rules and non-negative weights fitted to an outcome.

The fitted score stays a weighted average of 0–100 signal scores, with the weight file's
missing-data rules, so every score it gives can still be explained signal by signal:

- each signal's *direction* is the sign of its rank correlation with the outcome in the
  training runs (data, not intuition);
- its *bounds* are the 1st and 99th percentiles of its training values (a `linear` rule);
- a skewed count (non-negative, skew above 1) is scored on a log scale instead, written as
  ten `bands` evenly spaced in log(1 + value), when that separates the outcome better;
- the weights come from a logistic regression of the outcome on the signal scores, with the
  weights constrained to be ≥ 0 (SciPy `minimize`, L-BFGS-B with bounds) and L1/L2 penalties:
  P(event) = sigmoid(b − Σ wᵢ·scoreᵢ/100). A missing score is filled with the signal's training
  mean, which is what redistributing its weight does on average.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import skew, spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from healthscore.engine.normalise import score_values
from healthscore.errors import DataError, Problem
from healthscore.weights.model import Band, ScoreRule

LOG_BANDS = 10
LOG_GAIN = 0.002  # a log scale must lower the one-signal log loss by this share to be used


@dataclass
class SignalFit:
    name: str
    rule: ScoreRule
    direction: str       # "higher is better" / "higher is worse"
    transform: str       # "linear" / "log"
    bounds: tuple[float, float]
    auc: float           # one-signal training AUC of the rule's score (risk = 100 − score)
    loss: float          # log loss of a one-signal logistic fit on the rule's score
    weight: float = 0.0


def _auc(y: np.ndarray, scored: np.ndarray) -> float:
    have = ~np.isnan(scored)
    if have.sum() < 2 or y[have].min() == y[have].max():
        return 0.5
    return float(roc_auc_score(y[have], 100.0 - scored[have]))


def fit_rule(name: str, x: np.ndarray, y: np.ndarray, file: str | None = None) -> SignalFit:
    """Direction, bounds and transform of one signal from its training values."""
    have = ~np.isnan(x)
    values = x[have]
    lo, hi = (_round(v) for v in np.percentile(values, [1, 99])) if values.size else \
        (np.nan, np.nan)
    if values.size == 0 or lo == hi:
        shown = "no values" if values.size == 0 else f"98% of the values are {lo:g}"
        raise DataError(Problem(
            f"signal `{name}` has no variance in the training runs ({shown}), so nothing can "
            "be fitted to it; remove it from the weight file or give runs where it varies",
            file=file, key=f"signals.{name}"))
    rho = spearmanr(values, y[have]).statistic
    worse = bool(np.nan_to_num(rho) > 0)  # more of it goes with the outcome
    direction = "higher is worse" if worse else "higher is better"
    linear = ScoreRule(linear=(float(hi), float(lo)) if worse else (float(lo), float(hi)))
    best = SignalFit(name, linear, direction, "linear", (lo, hi), *_quality(y, x, linear))
    if lo >= 0 and values.size > 2 and skew(values) > 1:
        # AUC cannot tell a log scale from a linear one (it only ranks): the log loss of a
        # one-signal fit can, since the score enters the weighted average linearly
        logged = _log_rule(lo, hi, worse)
        auc, loss = _quality(y, x, logged)
        if loss < best.loss * (1 - LOG_GAIN):
            best = SignalFit(name, logged, direction, "log", (lo, hi), auc, loss)
    return best


def _round(value: float) -> float:
    """Four significant digits: a bound a person can read and type."""
    return float(f"{value:.4g}")


def _quality(y: np.ndarray, x: np.ndarray, rule: ScoreRule) -> tuple[float, float]:
    """(AUC, log loss of a one-feature logistic fit) of the rule's scores; missing → mean."""
    scored = score_values_np(x, rule)
    filled = np.where(np.isnan(scored), np.nanmean(scored), scored).reshape(-1, 1) / 100
    model = LogisticRegression(C=1e6, max_iter=1000).fit(filled, y)
    return _auc(y, scored), float(log_loss(y, model.predict_proba(filled)[:, 1]))


def _log_rule(lo: float, hi: float, worse: bool) -> ScoreRule:
    """Ten steps evenly spaced in log(1 + value) between the bounds."""
    edges = np.expm1(np.linspace(np.log1p(lo), np.log1p(hi), LOG_BANDS + 1))[1:-1]
    edges = np.unique(np.round(edges, 6))
    steps = np.linspace(0, 100, edges.size + 1)
    scores = steps[::-1] if worse else steps
    bands = [Band(below=float(e), score=round(float(s), 1)) for e, s in zip(edges, scores[:-1],
                                                                              strict=True)]
    return ScoreRule(bands=[*bands, Band(score=round(float(scores[-1]), 1))])


def score_values_np(x: np.ndarray, rule: ScoreRule) -> np.ndarray:
    """The engine's own scoring of raw values under a rule (what the written file will do)."""
    return score_values(pd.Series(x, dtype="float64"), rule, None)


def design(scores: dict[str, np.ndarray], means: dict[str, float] | None = None
           ) -> tuple[np.ndarray, dict[str, float]]:
    """Signal scores as a 0–1 matrix; a missing score becomes the (training) mean."""
    means = means or {n: float(np.nanmean(v)) for n, v in scores.items()}
    cols = [np.where(np.isnan(v), means[n], v) / 100.0 for n, v in scores.items()]
    return np.column_stack(cols), means


def fit_weights(X: np.ndarray, y: np.ndarray, l1: float = 0.0, l2: float = 1e-3
                ) -> tuple[np.ndarray, float]:
    """Non-negative weights w and intercept b of P(y) = sigmoid(b − X·w), minimising the mean
    log loss + l1·Σw + l2·Σw² (w ≥ 0 makes the L1 term linear, so the fit stays smooth)."""
    n, k = X.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:k], theta[k]
        z = b - X @ w
        p = 1.0 / (1.0 + np.exp(-z))
        ll = np.mean(np.logaddexp(0.0, z) - y * z)
        resid = (p - y) / n
        grad = np.concatenate([-(X.T @ resid) + l1 + 2 * l2 * w, [resid.sum()]])
        return ll + l1 * w.sum() + l2 * (w @ w), grad

    start = np.concatenate([np.full(k, 0.1), [np.log(y.mean() / (1 - y.mean()))]])
    result = minimize(loss, start, jac=True, method="L-BFGS-B",
                      bounds=[(0.0, None)] * k + [(None, None)])
    return result.x[:k], float(result.x[k])
