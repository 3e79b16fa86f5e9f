"""`tune`: fit a weight file to the outcomes, on earlier runs, judged on later ones.

The fit (`fit`) is made on the as-of dates before `validate_from` (by default the first two
thirds of the dates that can be judged) and judged only on the later ones, by scoring them
with the written weight file through the same engine as every run: the figures in its header
are what the file does, not what the regression thought. Next to it, an unconstrained
logistic regression (scikit-learn) on the same signal scores and the same period shows what
the explainable form costs. The result is a NEW file: an existing file is never replaced.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from healthscore.engine import frame as scored_frame
from healthscore.errors import DataError, Problem
from healthscore.evidence.backtest import Backtest, judge
from healthscore.evidence.fit import SignalFit, design, fit_rule, fit_weights, score_values_np
from healthscore.evidence.labels import Labelled, label
from healthscore.evidence.metrics import MIN_EACH_CLASS, require_both_classes
from healthscore.weights.load import load_weights
from healthscore.weights.model import WeightFile

PanelSource = Callable[[WeightFile], pd.DataFrame]
KEPT = ("id_column", "missing", "neutral", "min_coverage", "tiers", "insufficient", "priority",
        "drivers", "rollup")


@dataclass
class Tuned:
    path: Path
    weights: WeightFile
    fits: list[SignalFit]
    dropped: list[str]
    train_dates: list[str]
    validate_dates: list[str]
    train_rows: int
    train_events: int
    before: Backtest            # the given weights, on the validation dates
    after: Backtest             # the written file, on the validation dates
    unconstrained_auc: float    # logistic regression without constraints, same period
    l1: float = 0.0
    l2: float = 1e-3
    header: list[str] = field(default_factory=list)


def _split(judged: Labelled, validate_from: date | None) -> tuple[list, list]:
    dates = sorted(judged.rows["as_of"].unique())
    if len(dates) < 2:
        raise DataError(Problem(
            f"tune fits on earlier runs and checks on later ones: it needs runs at 2 or more "
            f"as-of dates that can be judged; found {len(dates)}", key="--as-of"))
    if validate_from is None:
        cut = dates[int(np.ceil(len(dates) * 2 / 3)) - 1] + pd.Timedelta(days=1)
    else:
        cut = pd.Timestamp(validate_from)
    train = [d for d in dates if d < cut]
    test = [d for d in dates if d >= cut]
    if not train or not test:
        raise DataError(Problem(
            f"--validate-from {cut:%Y-%m-%d} leaves no runs to "
            f"{'fit on' if not train else 'validate on'} (judged as-of dates: "
            f"{dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d})", key="--validate-from"))
    return train, test


def _subset(judged: Labelled, dates: list) -> Labelled:
    rows = judged.rows[judged.rows["as_of"].isin(dates)].reset_index(drop=True)
    return Labelled(rows, judged.horizon, judged.event, judged.observed_until, judged.gone, [])


def _raw(rows: pd.DataFrame, name: str) -> np.ndarray | None:
    """The signal's raw values where the run used them (stale or future values blanked, as the
    engine did); None when they are not numbers."""
    column = rows.get(scored_frame.column(name, "raw"))
    if column is None or not pd.api.types.is_numeric_dtype(column) or \
            pd.api.types.is_bool_dtype(column):
        return None
    x = column.to_numpy(dtype="float64", na_value=np.nan)
    return np.where(rows[scored_frame.column(name, "score")].isna().to_numpy(), np.nan, x)


def check_penalties(l1: float, l2: float) -> None:
    """Penalties are finite and not negative: `--l1 inf` would stop the fit at its starting
    point and write equal weights as if they were fitted."""
    for key, value in (("--l1", l1), ("--l2", l2)):
        if not (math.isfinite(value) and value >= 0):
            raise DataError(Problem(f"a penalty is a finite number, 0 or more; found {value:g}",
                                    key=key))


def tune(source: PanelSource, outcomes: pd.DataFrame, wf: WeightFile, target: str | Path, *,
         horizon: str = "90d", event: tuple[str, ...] = ("churned",),
         observed_until=None, validate_from: date | None = None, l1: float = 0.0,
         l2: float = 1e-3, expected_loss: bool = False, rounds: int = 100,
         data_dir: str | Path | None = None) -> Tuned:
    """Fit, write `target` (refused if it exists), and judge it on the later runs.

    `data_dir`: the folder the runs' raw exports were read from, when it was given explicitly;
    the new file's source paths then stay as written (it is used with the same folder), and
    are otherwise rewritten relative to the new file's folder.
    """
    check_penalties(l1, l2)
    target = Path(target)
    if target.exists():
        raise DataError(Problem(
            "the file exists; tune writes a new weight file and never replaces one: give "
            "another --out", file=str(target)))
    if not target.parent.is_dir():
        raise DataError(Problem("the folder to write the new weight file into does not exist",
                                file=str(target.parent)))
    judged = label(source(wf), outcomes, horizon, event, observed_until)
    train_dates, test_dates = _split(judged, validate_from)
    train, test = _subset(judged, train_dates), _subset(judged, test_dates)
    span = f"as of {train_dates[0]:%Y-%m-%d} to {train_dates[-1]:%Y-%m-%d}"
    y = train.rows["y"].to_numpy()
    require_both_classes(y, f"the training runs ({span})")
    require_both_classes(test.rows["y"].to_numpy(),
                         f"the validation runs (as of {test_dates[0]:%Y-%m-%d} on)")
    names = [s for s in wf.all_signals()
             if scored_frame.column(s, "score") in judged.rows.columns]
    fits, train_scores, test_scores = [], {}, {}
    for name in names:
        x = _raw(train.rows, name)
        if x is None:
            continue
        fit = fit_rule(name, x, y, wf.path)
        fits.append(fit)
        train_scores[name] = score_values_np(x, fit.rule)
        test_scores[name] = score_values_np(_raw(test.rows, name), fit.rule)
    if not fits:
        raise DataError(Problem("no signal has numeric raw values in the runs, so there is "
                                "nothing to fit", file=wf.path, key="signals"))
    X, means = design(train_scores)
    w, _ = fit_weights(X, y, l1, l2)
    total = w.sum()
    if total <= 0:
        raise DataError(Problem(
            "no signal predicts the outcome in the training runs (every fitted weight is 0); "
            f"lower --l1 / --l2 or give more outcomes (at least {MIN_EACH_CLASS} of each kind)",
            key="--l1"))
    for fit, weight in zip(fits, w, strict=True):
        fit.weight = round(float(100 * weight / total), 1)
    dropped = [f.name for f in fits if f.weight <= 0]
    X_test, _ = design(test_scores, means)
    free = LogisticRegression(C=1e6, max_iter=5000).fit(X, y)
    unconstrained = float(roc_auc_score(test.rows["y"], free.predict_proba(X_test)[:, 1]))
    before = judge(test, wf, rounds=rounds)
    body = _weight_file(wf, fits, None if data_dir is not None else target, span)
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(yaml.safe_dump(body, sort_keys=False, allow_unicode=True),
                       encoding="utf-8")
        # our own file, naming the sources the user's (already confined) file named: it is
        # not a stranger's weight file, so its relative paths may lead out of its folder
        new = load_weights(tmp, confine=False)
        after = judge(_subset(label(source(new), outcomes, horizon, event, observed_until),
                              test_dates), new, rounds=rounds)
        if expected_loss:
            body["priority"] = {"expected_loss": {
                "horizon": horizon,
                "bands": [{"below": b.high, "p": round(b.predicted, 4)}
                          for b in after.overall.bands[:-1]]
                + [{"p": round(after.overall.bands[-1].predicted, 4)}]}}
        result = Tuned(target, new, fits, dropped,
                       [f"{d:%Y-%m-%d}" for d in train_dates],
                       [f"{d:%Y-%m-%d}" for d in test_dates], int(y.size), int(y.sum()),
                       before, after, unconstrained, l1, l2)
        result.header = header_lines(result, wf)
        text = "".join(f"# {line}\n" for line in result.header)
        tmp.write_text(text + yaml.safe_dump(body, sort_keys=False, allow_unicode=True),
                       encoding="utf-8")
        result.weights = load_weights(tmp, confine=False)
        os.link(tmp, target)  # fails rather than replace a file that appeared meanwhile
    except FileExistsError:
        raise DataError(Problem("the file appeared while tuning; not replaced",
                                file=str(target))) from None
    finally:
        tmp.unlink(missing_ok=True)
    result.weights = load_weights(target, confine=False)
    return result


def _weight_file(wf: WeightFile, fits: list[SignalFit], target: Path | None,
                 span: str) -> dict:
    """A flat, self-contained weight file: the original's settings and sources, one weight
    per signal (groups and segments are not fitted, so they are left out). Source paths are
    made relative to `target`'s folder (None: kept as written)."""
    dump = wf.model_dump(mode="json", exclude_none=True, by_alias=True)
    body: dict = {"version": 1, "name": f"{wf.name} (tuned)",
                  "description": f"weights fitted by `healthscore tune` on runs {span}"}
    body |= {k: dump[k] for k in KEPT if k in dump}
    if wf.sources:
        body["sources"] = dump["sources"] if target is None else \
            _sources(wf, dump["sources"], target)
    specs = wf.all_signals()
    body["signals"] = {}
    for fit in fits:
        if fit.weight <= 0:
            continue
        spec = specs[fit.name].model_dump(mode="json", exclude_none=True)
        spec.update(score=fit.rule.model_dump(mode="json", exclude_none=True,
                                              exclude_defaults=True), weight=fit.weight)
        body["signals"][fit.name] = spec
    return body


def _sources(wf: WeightFile, sources: dict, target: Path) -> dict:
    """Source paths rewritten relative to the new file's folder, so it reads the same files."""
    out = {}
    here = target.resolve().parent
    for name, spec in sources.items():
        path = spec.get("path")
        if path and not Path(path).is_absolute() and name in wf.source_dirs:
            spec = {**spec, "path": os.path.relpath(Path(wf.source_dirs[name]) / path, here)}
        out[name] = spec
    return out


def header_lines(result: Tuned, wf: WeightFile) -> list[str]:
    a, b = result.before.overall, result.after.overall
    lines = [
        f"Written by `healthscore tune` from {wf.path or wf.name}.",
        f"Outcome: {' or '.join(result.before.event)} within {result.before.horizon} of each "
        f"as-of date. Fitted on {result.train_rows:,} runs as of {result.train_dates[0]} to "
        f"{result.train_dates[-1]} ({result.train_events:,} with the outcome); validated on "
        f"{b.rows:,} runs as of {result.validate_dates[0]} to {result.validate_dates[-1]}.",
        f"Method: non-negative logistic regression on 0-100 signal scores (L1 {result.l1:g}, "
        f"L2 {result.l2:g}); per signal direction from the data, bounds at the 1st/99th "
        "percentiles, log scale for skewed counts where it separates better.",
        f"Backtest on the validation runs: ROC AUC {a.auc.auc:.3f} with the given weights -> "
        f"{b.auc.auc:.3f} with these ({b.auc.auc - a.auc.auc:+.3f}); unconstrained logistic "
        f"regression {result.unconstrained_auc:.3f}. Lowest-decile lift "
        f"{a.lift_lowest_decile:.2f} -> {b.lift_lowest_decile:.2f}.",
        "Signals (weight, direction, transform): " + "; ".join(
            f"{f.name} {f.weight:g} {f.direction} {f.transform}" for f in result.fits
            if f.weight > 0) + ".",
    ]
    if result.dropped:
        lines.append("Dropped (fitted weight 0): " + ", ".join(result.dropped) + ".")
    return [part for line in lines for part in textwrap.wrap(line, 96,
                                                             subsequent_indent="  ")]
