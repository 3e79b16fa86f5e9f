"""How well a score predicts an outcome, with scikit-learn's metrics.

Everything is computed on `risk = 100 − score` (a lower score should mean a likelier outcome),
so an AUC above 0.5 means the score points the right way. Nothing here re-derives a metric:
ROC AUC is `roc_auc_score`, the ROC curve `roc_curve`, the calibration `calibration_curve`,
precision and recall `precision_score` / `recall_score`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score, roc_auc_score, roc_curve

from healthscore.engine.bands import band_index
from healthscore.errors import DataError, Problem

MIN_EACH_CLASS = 10  # fewer events (or non-events) than this and an AUC is mostly noise
BOOTSTRAP = 200
BAND_WIDTH = 10


def require_both_classes(y: np.ndarray, what: str = "the judged runs",
                         minimum: int = MIN_EACH_CLASS) -> None:
    """Single class or too few of either: say what was found and what is needed."""
    pos = int(y.sum())
    neg = int(y.size - pos)
    if pos == 0 or neg == 0:
        found = "every" if neg == 0 else "no"
        raise DataError(Problem(
            f"{found} row of {what} has the outcome ({y.size:,} rows, {pos} with it): a single "
            "class cannot show whether the score separates anything; give outcomes of both "
            "kinds or a different --horizon / --event", key="outcome"))
    if pos < minimum or neg < minimum:
        raise DataError(Problem(
            f"too few outcomes: {what} have {pos} rows with the outcome and {neg} without; "
            f"at least {minimum} of each are needed", key="outcome"))


@dataclass
class Auc:
    auc: float
    low: float   # 95 % bootstrap interval
    high: float

    def verdict(self) -> str:
        """informative, noise or wrong way: does the interval sit above, across or below 0.5"""
        if self.low > 0.5:
            return "informative"
        if self.high < 0.5:
            return "wrong way"
        return "noise"


def auc_with_ci(y: np.ndarray, risk: np.ndarray, rounds: int = BOOTSTRAP,
                seed: int = 0, groups: np.ndarray | None = None) -> Auc:
    """ROC AUC and a 95 % percentile bootstrap interval, seeded.

    The bootstrap resamples *customers* (`groups`: one code per row), not rows: the runs of
    one customer at successive dates are not independent, and resampling them one by one
    would make the interval too narrow. A customer drawn k times counts k times, passed to
    `roc_auc_score` as a sample weight (the same AUC as repeating the rows).
    """
    point = float(roc_auc_score(y, risk))
    codes = np.arange(y.size) if groups is None else groups
    n_groups = int(codes.max()) + 1 if codes.size else 0
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(rounds):
        weight = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups)[codes]
        chosen = weight > 0
        if 0 < y[chosen].sum() < chosen.sum() and (y[chosen] == 0).any():
            samples.append(roc_auc_score(y[chosen], risk[chosen], sample_weight=weight[chosen]))
    low, high = np.percentile(samples, [2.5, 97.5]) if samples else (np.nan, np.nan)
    return Auc(point, float(low), float(high))


@dataclass
class TierRow:
    tier: str
    customers: int
    events: int
    rate: float
    precision: float  # this tier and every lower one taken as "at risk"
    recall: float


@dataclass
class Band:
    low: float
    high: float
    customers: int
    observed: float | None
    predicted: float


@dataclass
class Evaluation:
    rows: int
    events: int
    base_rate: float
    auc: Auc
    lift_lowest_decile: float
    tiers: list[TierRow]
    bands: list[Band]
    calibration: dict[str, list[float]]   # calibration_curve: predicted, observed
    roc: dict[str, list[float]]           # roc_curve thinned for drawing: fpr, tpr
    platt: tuple[float, float]            # P(event) = sigmoid(a + b * score)

    def to_dict(self) -> dict:
        return asdict(self)


def platt(y: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """A one-feature logistic fit of the outcome on the score: a probability per score."""
    model = LogisticRegression(C=1e6, max_iter=1000).fit(score.reshape(-1, 1), y)
    return float(model.intercept_[0]), float(model.coef_[0, 0])


def probability(fit: tuple[float, float], score: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(fit[0] + fit[1] * np.asarray(score, dtype=float))))


def lowest_decile_lift(y: np.ndarray, score: np.ndarray) -> float:
    """Outcome rate among the lowest-scoring tenth (ties broken by position) over the rate
    among everyone."""
    k = max(1, int(np.ceil(y.size / 10)))
    lowest = np.argsort(score, kind="stable")[:k]
    return float(y[lowest].mean() / y.mean())


def evaluate(y: np.ndarray, score: np.ndarray, tier: np.ndarray, tier_order: list[str],
             rounds: int = BOOTSTRAP, seed: int = 0,
             groups: np.ndarray | None = None) -> Evaluation:
    """Every figure of a backtest for one score; rows without a score must be removed."""
    y = np.asarray(y, dtype=np.int8)
    score = np.asarray(score, dtype=float)
    risk = 100.0 - score
    tiers = []
    for i, name in enumerate(tier_order):
        here = tier == name
        flagged = np.isin(tier, tier_order[: i + 1])
        tiers.append(TierRow(name, int(here.sum()), int(y[here].sum()),
                             float(y[here].mean()) if here.any() else float("nan"),
                             float(precision_score(y, flagged, zero_division=0)),
                             float(recall_score(y, flagged, zero_division=0))))
    fit = platt(y, score)
    p = probability(fit, score)
    observed, predicted = calibration_curve(y, p, n_bins=10, strategy="quantile")
    fpr, tpr, _ = roc_curve(y, risk, drop_intermediate=True)
    keep = np.unique(np.linspace(0, fpr.size - 1, min(fpr.size, 200)).round().astype(int))
    return Evaluation(
        rows=int(y.size), events=int(y.sum()), base_rate=float(y.mean()),
        auc=auc_with_ci(y, risk, rounds, seed, groups),
        lift_lowest_decile=lowest_decile_lift(y, score), tiers=tiers,
        bands=score_bands(y, score, fit),
        calibration={"predicted": predicted.tolist(), "observed": observed.tolist()},
        roc={"fpr": fpr[keep].tolist(), "tpr": tpr[keep].tolist()}, platt=fit)


def score_bands(y: np.ndarray, score: np.ndarray, fit: tuple[float, float],
                width: float = BAND_WIDTH) -> list[Band]:
    """Predicted (the Platt fit at the band's middle) and observed rate per score band."""
    edges = np.arange(0, 100 + width, width)
    which = band_index(score, edges[1:-1], missing=edges.size - 2)  # as np.digitize did
    counts = np.bincount(which, minlength=edges.size - 1)
    events = np.bincount(which, weights=y, minlength=edges.size - 1)
    middle = (edges[:-1] + edges[1:]) / 2
    return [Band(float(edges[i]), float(edges[i + 1]), int(counts[i]),
                 float(events[i] / counts[i]) if counts[i] else None,
                 float(probability(fit, middle[i]))) for i in range(edges.size - 1)]


@dataclass
class SignalEvidence:
    signal: str
    label: str
    rows: int
    auc: Auc
    verdict: str = field(default="")


def signal_evidence(y: np.ndarray, scores: dict[str, np.ndarray], labels: dict[str, str],
                    rounds: int = BOOTSTRAP, seed: int = 0,
                    groups: np.ndarray | None = None) -> list[SignalEvidence]:
    """Per signal: the AUC of its own 0–100 score (rows where it has one) and a verdict."""
    out = []
    for name, values in scores.items():
        have = ~np.isnan(values)
        yy = y[have]
        if have.sum() < 2 or yy.min() == yy.max():
            continue
        if np.ptp(values[have]) == 0:  # the same score for everyone says nothing
            out.append(SignalEvidence(name, labels.get(name, name), int(have.sum()),
                                      Auc(0.5, 0.5, 0.5), "no variance"))
            continue
        auc = auc_with_ci(yy, 100.0 - values[have], rounds, seed,
                          None if groups is None else _recode(groups[have]))
        out.append(SignalEvidence(name, labels.get(name, name), int(have.sum()), auc,
                                  auc.verdict()))
    return sorted(out, key=lambda e: -e.auc.auc)


def _recode(groups: np.ndarray) -> np.ndarray:
    """Group codes 0..k-1 for the groups present."""
    return np.unique(groups, return_inverse=True)[1]
