"""One signal's value and rule in plain words: the one explanation generator.

A CSM wants to know *why* a value scored as it did ("NPS of -20 is below the 0 floor")
without reading YAML. The text is derived from the rule the engine applied (the customer's
profile), so it cannot disagree with the score. The same sentences appear everywhere: the
engine's `reasons` column (scores.csv, the outreach list) names each driver with them
(`Wording.reasons`, vectorised), and the scorecards explain every signal with them
(`explainer`, one customer at a time).

`reasons` is vectorised by grouping: a sentence depends only on the signal, the profile, the
status, where the value falls against the rule's limits, the value as shown (rounded to its
shown digits) and the score as shown, so each slot of each chunk is encoded into those keys,
each distinct key is worded once (and remembered for the rest of the run), and the sentences
are gathered back with Arrow.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from healthscore.engine.bands import band_at, band_index
from healthscore.engine.display import shown_score, shown_scores
from healthscore.engine.frame import STATUSES
from healthscore.engine.normalise import map_key

_POW = (1.0, 10.0, 100.0)


def shown_digits(magnitude: float) -> int:
    """Decimals a number is shown with: two under 10, one under 100, none above."""
    return 2 if magnitude < 10 else 1 if magnitude < 100 else 0


def fmt_number(value: float) -> str:
    """`12` not `12.0`; two decimals under 10, one under 100, none above; thousands split.

    Rounds as NumPy's `round` does (scale, round half to even, scale back), so the vectorised
    `reasons` can group values by their rounded value and word each group once.
    """
    digits = shown_digits(abs(value))
    if math.isfinite(value):
        value = round(value * _POW[digits]) / _POW[digits]
    text = f"{value:,.{digits}f}"
    if digits:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_raw(raw: Any, unit: str | None) -> str:
    """A raw value with its unit; `—` when missing."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return "—"
    if isinstance(raw, bool):
        text = "yes" if raw else "no"
    elif unit == "ratio" and isinstance(raw, int | float):
        return f"{fmt_number(float(raw) * 100)}%"  # 0.45 reads as 45%
    elif isinstance(raw, int | float):
        text = fmt_number(float(raw))
    else:
        text = str(raw)
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("%", "‰", "pp") else f"{text} {unit}"


def explain(label: str, unit: str | None, raw: Any, score: float | None, status: str,
            rule: Any = None, max_age: str | None = None) -> str:
    """The sentence shown next to a signal."""
    if status == "off":
        return f"{label} is not used for this segment"
    if status == "stale":
        age = f" than {max_age}" if max_age else ""
        return f"{label} data is older{age}, so it was not used"
    if status == "future":
        return f"{label} data is dated after the as-of date, so it was not used"
    value = fmt_raw(raw, unit)
    if status == "missing" or value == "—":
        if score is not None:  # the neutral/zero policy gave it a score
            return f"No {label} data, counted as {_whole(score)}"
        return f"No {label} data"
    kind = getattr(rule, "kind", None) if rule is not None else None
    scored = "" if score is None else f" (score {_whole(score)})"
    if kind == "linear":
        return _linear(label, unit, raw, value, score, rule.linear)
    if kind == "bands" and isinstance(raw, int | float):
        return _bands(label, unit, float(raw), value, rule.bands) + scored
    if kind == "map":  # listed as the scorer matches it (case, spaces, yes/no)
        listed = map_key(raw) in {map_key(k) for k in rule.map}
        tail = "" if listed else ", not a listed value (default score)"
        return f"{label} is “{value}”{tail}{scored}"
    if kind == "percentile":
        where = "the segment" if rule.percentile == "segment" else "the portfolio"
        order = ", lower is better" if rule.lower_is_better else ""
        rank = "" if score is None else f" ranks at the {_ordinal(_whole(score))} percentile of"
        return f"{label} of {value}{rank or ' ranked within'} {where}{order}"
    return f"{label} of {value}{scored}"


def _linear(label: str, unit: str | None, raw: Any, value: str, score: float | None,
            bounds: tuple[float, float]) -> str:
    zero, full = float(bounds[0]), float(bounds[1])
    z, f = fmt_raw(zero, unit), fmt_raw(full, unit)
    if not isinstance(raw, int | float):
        return f"{label} is {value}"
    x = float(raw)
    higher_better = full > zero
    if (x <= zero) if higher_better else (x >= zero):
        word = "floor" if higher_better else "ceiling"
        side = "at" if x == zero else ("below" if higher_better else "above")
        return f"{label} of {value} is {side} the {z} {word}"
    if (x >= full) if higher_better else (x <= full):
        return f"{label} of {value} meets the {f} target"
    pct = "" if score is None else f"scores {_whole(score)}: "
    return f"{label} of {value} {pct}0 at {z}, 100 at {f}"


def _bands(label: str, unit: str | None, x: float, value: str, bands: list[Any]) -> str:
    """Where `x` fell: between the limits of its band (`engine/bands.py`, as it scored)."""
    limits = [b.below for b in bands[:-1]]
    i = band_at(x, limits)
    i = len(limits) if i < 0 else i  # NaN: past every limit, as a comparison finds it
    lower = limits[i - 1] if i > 0 else None
    upper = limits[i] if i < len(limits) else None
    if upper is None:
        if lower is None:
            return f"{label} of {value}"
        return f"{label} of {value} is {fmt_raw(lower, unit)} or more"
    if lower is None:
        return f"{label} of {value} is under {fmt_raw(upper, unit)}"
    return f"{label} of {value} is between {fmt_raw(lower, unit)} and {fmt_raw(upper, unit)}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def explainer(label: str, unit: str | None, rule: Any = None,
              max_age: str | None = None) -> Callable[[Any, float | None, str], str]:
    """`explain` with the rule's constant parts worked out once (a scorecard run calls it
    for every signal of every customer). Same sentences as `explain`."""
    if rule is None or getattr(rule, "kind", None) != "linear":
        return lambda raw, score, status: explain(label, unit, raw, score, status, rule,
                                                  max_age)
    zero, full = float(rule.linear[0]), float(rule.linear[1])
    z, f = fmt_raw(zero, unit), fmt_raw(full, unit)
    higher = full > zero
    word, beyond = ("floor", "below") if higher else ("ceiling", "above")

    def linear(raw: Any, score: float | None, status: str) -> str:
        if status != "ok" or not isinstance(raw, int | float) or raw != raw:
            return explain(label, unit, raw, score, status, rule, max_age)
        value = fmt_raw(raw, unit)
        x = float(raw)
        if (x <= zero) if higher else (x >= zero):
            return f"{label} of {value} is {'at' if x == zero else beyond} the {z} {word}"
        if (x >= full) if higher else (x <= full):
            return f"{label} of {value} meets the {f} target"
        scored = "" if score is None else f"scores {_whole(score)}: "
        return f"{label} of {value} {scored}0 at {z}, 100 at {f}"

    return linear


def _whole(score: float) -> int:
    """The score as shown everywhere (the bar and the sentence show the same number)."""
    return shown_score(score)


def display_label(wf, name: str) -> str:
    """A signal's or group's name in sentences and on pages: its `label`, else the key in
    words (`open_tickets` → `Open tickets`)."""
    label = wf.signal_label(name)
    if label != name:
        return label
    text = name.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


CACHE_LIMIT = 200_000  # sentences remembered per run; beyond, the cache starts again


class Wording:
    """The sentences of one run's signals under each profile, and the `reasons` column.

    Built once per run (with the plan): per profile and signal, the explainer (the profile's
    label, unit, rule and `max_age`: a segment's overrides apply) and the rule's limits; per
    distinct key, the sentence, remembered across chunks. The pages word every signal with
    `explainer_for`, the same functions.
    """

    def __init__(self, profiles: list, wf):
        signals = wf.all_signals()
        self.names = list(signals)
        self.profile_index = {profile.name: p for p, profile in enumerate(profiles)}
        n_p, n_s = len(profiles), len(self.names)
        self.ratio = np.zeros((n_p, n_s), dtype=bool)
        self.zero = np.full((n_p, n_s), np.nan)
        self.full = np.full((n_p, n_s), np.nan)
        self.bands: dict[tuple[int, int], np.ndarray] = {}
        self.maps: dict[tuple[int, int], frozenset] = {}
        self.explainers: dict[tuple[int, int], Callable[[Any, float | None, str], str]] = {}
        for p, profile in enumerate(profiles):
            for s, name in enumerate(self.names):
                spec = profile.signals.get(name)
                if spec is None:
                    continue
                rule = spec.score
                label = spec.label or display_label(wf, name)
                self.explainers[(p, s)] = explainer(label, spec.unit, rule, spec.max_age)
                self.ratio[p, s] = spec.unit == "ratio"
                if rule.kind == "linear":
                    self.zero[p, s], self.full[p, s] = rule.linear
                elif rule.kind == "bands":
                    self.bands[(p, s)] = np.array([b.below for b in rule.bands[:-1]], float)
                elif rule.kind == "map":
                    self.maps[(p, s)] = frozenset(map_key(k) for k in rule.map)
        self.cache: dict[tuple, str] = {}

    def explainer_for(self, profile: str, name: str
                      ) -> Callable[[Any, float | None, str], str] | None:
        """The sentence function of one signal under one profile (None: not in it)."""
        return self.explainers.get((self.profile_index[profile], self.names.index(name)))

    def reasons(self, order: np.ndarray, present: np.ndarray, codes: np.ndarray,
                raw: dict[str, pd.Series], scores: dict[str, np.ndarray],
                status: dict[str, np.ndarray]) -> np.ndarray:
        """The drivers of each row in words, `; `-separated ("" without drivers)."""
        rows, k = order.shape
        numeric = {n: pd.api.types.is_numeric_dtype(raw[n])
                   and not pd.api.types.is_bool_dtype(raw[n]) for n in self.names}
        raw_num = {n: raw[n].to_numpy(dtype="float64", na_value=np.nan) if numeric[n]
                   else None for n in self.names}
        joined = pa.array([""] * rows, type=pa.string())
        for j in range(k):
            where = np.flatnonzero(present[:, j])
            if not where.size:
                continue
            text = self._slot(order[where, j], codes[where], where, raw, raw_num, scores,
                              status)
            full = pa.array(np.full(rows, None, dtype=object), type=pa.string())
            full = pc.replace_with_mask(full, pa.array(present[:, j]), pa.array(text))
            both = pc.binary_join_element_wise(joined, full, "; ")
            joined = pc.if_else(pc.is_null(full), joined,
                                pc.if_else(pc.equal(joined, ""), full, both))
        return joined.to_numpy(zero_copy_only=False)

    def _slot(self, sig: np.ndarray, prof: np.ndarray, where: np.ndarray,
              raw: dict[str, pd.Series], raw_num: dict[str, np.ndarray | None],
              scores: dict[str, np.ndarray], status: dict[str, np.ndarray]) -> np.ndarray:
        """The sentences of the rows `where`, whose driver in this slot is signal `sig`."""
        n = where.size
        x = np.full(n, np.nan)
        score = np.empty(n)
        state = np.empty(n, dtype=np.int64)
        text_key = np.zeros(n, dtype=np.int64)  # text raws: position of their value
        listed = np.zeros(n, dtype=bool)
        texts: list[Any] = []
        for s in np.unique(sig):
            name = self.names[s]
            mine = sig == s
            rows = where[mine]
            score[mine] = scores[name][rows]
            state[mine] = status[name][rows]
            if raw_num[name] is not None:
                values = x[mine] = raw_num[name][rows]
            else:
                values = raw[name].astype("string").to_numpy(dtype=object, na_value=None)[rows]
                codes, uniques = pd.factorize(values, use_na_sentinel=True)
                text_key[mine] = np.where(codes >= 0, codes + len(texts) + 1, 0)
                texts.extend(uniques.tolist())
            for (p, ms), keys in self.maps.items():  # listed: matched as the scorer does
                if ms == s and (prof[mine] == p).any():
                    codes, uniques = pd.factorize(values, use_na_sentinel=True)
                    hit = np.array([map_key(u) in keys for u in uniques] + [False])
                    listed[mine] |= (prof[mine] == p) & hit[codes]
        # where the value falls against the rule: linear (below/at/above each bound), bands,
        # map (listed or not)
        with np.errstate(invalid="ignore"):
            branch = ((np.sign(x - self.zero[prof, sig]) + 1) * 3
                      + np.sign(x - self.full[prof, sig]) + 1)
        branch = np.nan_to_num(branch, nan=9).astype(np.int64)
        for (p, s), limits in self.bands.items():
            mine = (prof == p) & (sig == s)
            if mine.any():
                branch[mine] = 10 + band_index(x[mine], limits, missing=len(limits))
        branch[listed] = 9 + 64  # (a map rule's listed values; unlisted keep 9)
        # the value as shown: ratios as percentages, rounded to their shown digits
        v = np.where(self.ratio[prof, sig], x * 100, x)
        with np.errstate(invalid="ignore"):
            digits = np.where(np.abs(v) < 10, 2, np.where(np.abs(v) < 100, 1, 0))
        v = np.round(v * np.take(_POW, digits)) / np.take(_POW, digits)
        v = np.where(v == 0, 0.0, v)  # -0.0 and 0.0 read alike
        shown = np.nan_to_num(shown_scores(score), nan=-1).astype(np.int64)
        attrs = np.stack([sig, prof, state, branch, digits, shown]).astype(np.int64)
        small, _ = pd.factorize(_pack(attrs))
        value_bits = np.where(np.isnan(v), 0, v.view(np.int64))
        value, values = pd.factorize(value_bits)
        value = np.where(text_key > 0, len(values) + text_key, value)
        inverse, uniques = pd.factorize(small.astype(np.int64) * (len(values) + len(texts) + 1)
                                        + value)
        first = np.zeros(len(uniques), dtype=np.int64)
        first[inverse[::-1]] = np.arange(n - 1, -1, -1)  # a representative row per key
        out = []
        for i in first:
            s, p = int(sig[i]), int(prof[i])
            raw_value = texts[text_key[i] - 1] if text_key[i] else (
                None if np.isnan(x[i]) else float(x[i]))
            cache_key = (s, p, int(state[i]), int(branch[i]), int(digits[i]), int(shown[i]),
                         raw_value if text_key[i] else (None if np.isnan(v[i]) else float(v[i])))
            sentence = self.cache.get(cache_key)
            if sentence is None:
                if len(self.cache) >= CACHE_LIMIT:  # a signal of many distinct values
                    self.cache.clear()
                sc = None if np.isnan(score[i]) else float(score[i])
                sentence = self.cache[cache_key] = self.explainers[(p, s)](
                    raw_value, sc, STATUSES[state[i]])
            out.append(sentence)
        return np.array(out, dtype=object)[inverse]


def _pack(attrs: np.ndarray) -> np.ndarray:
    """Several small non-negative integer columns as one int64 key per row (mixed radix)."""
    key = np.zeros(attrs.shape[1], dtype=np.int64)
    for column in attrs:
        key = key * (int(column.max()) + 2) + column + 1
    return key
