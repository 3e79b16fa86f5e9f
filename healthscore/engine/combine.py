"""Weighted combination over the signal tree, with the missing-data policies.

Arithmetic (also in docs/weights.md). For a node with children c, relative weights w_c and
child values v_c (NaN when a child is absent and its weight is redistributed):

    value(node)    = Σ w_c·v_c / Σ w_c        over children with a value
    coverage(node) = Σ w_c·coverage_c / Σ w_c over all children

A signal with data has coverage 1; without data it has coverage 0 and, by policy, either no
value (`redistribute`) or a substitute value (`neutral`, `zero`) that keeps its weight. A
child's effective weight is its parent's effective weight × w_c / Σ w over the parent's
children with a value, so the points (effective weight × value) of all signals add up to the
overall score exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthscore.weights.profiles import Node


@dataclass
class Combined:
    """Per-node arrays for one profile's rows."""

    value: dict[str, np.ndarray]      # node name → value (NaN = absent); root is ""
    coverage: dict[str, np.ndarray]
    weight: dict[str, np.ndarray]     # effective share of the overall score, 0 when absent


def combine(root: Node, leaf_value: dict[str, np.ndarray], leaf_has_data: dict[str, np.ndarray],
            n: int) -> Combined:
    value: dict[str, np.ndarray] = {}
    coverage: dict[str, np.ndarray] = {}
    present_weight: dict[str, np.ndarray] = {}

    def up(node: Node) -> None:
        if node.kind == "signal":
            value[node.name] = leaf_value[node.name]
            coverage[node.name] = leaf_has_data[node.name].astype("float64")
            return
        total = np.zeros(n)
        present = np.zeros(n)
        cov = np.zeros(n)
        all_weight = 0.0
        for child in node.children:
            up(child)
            v = value[child.name]
            has = ~np.isnan(v)
            total += np.where(has, child.weight * v, 0.0)
            present += np.where(has, child.weight, 0.0)
            cov += child.weight * coverage[child.name]
            all_weight += child.weight
        with np.errstate(invalid="ignore", divide="ignore"):
            value[node.name] = np.where(present > 0, total / present, np.nan)
        coverage[node.name] = cov / all_weight
        present_weight[node.name] = present

    up(root)

    weight: dict[str, np.ndarray] = {root.name: np.where(np.isnan(value[root.name]), 0.0, 1.0)}

    def down(node: Node) -> None:
        parent_w = weight[node.name]
        present = present_weight[node.name]
        for child in node.children:
            has = ~np.isnan(value[child.name])
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(has & (present > 0), child.weight / present, 0.0)
            weight[child.name] = parent_w * share
            if child.kind != "signal":
                down(child)

    down(root)
    return Combined(value, coverage, weight)
