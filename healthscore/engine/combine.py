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
            n: int, leaf_has_value: dict[str, np.ndarray] | None = None) -> Combined:
    """Values and coverage bottom-up, then effective weights top-down.

    This runs once per chunk and profile on arrays as long as the chunk, so it sticks to
    plain element-wise passes into a reused scratch array: NumPy's masked forms (`np.where`,
    `where=`) take ten times as long with a scattered mask, and every fresh chunk-long array
    costs page faults. The tricks below give exactly the bits of the formulas in the module
    docstring because every value is a score, never negative:

    - a child without a value adds `fmax(w·v, 0) = 0`, and a sum that starts at +0.0 is
      unchanged by adding ±0.0;
    - a weight counts as `w × has`, `has` being True (1.0) or False (0.0);
    - `total / present` is NaN exactly where no child has a value (0/0), made a positive
      NaN like `np.nan` (a quotient of non-negative numbers is otherwise never negative).

    A signal's coverage is its bool "has data" array as given (True counts as 1.0).
    `leaf_has_value` may give a signal's bool "value is not NaN" array when the caller has it
    already; when it is the very "has data" array (missing values redistributed), a group
    whose children are all such signals has its coverage sum equal to its present weight,
    so that sum is not built twice.
    """
    value: dict[str, np.ndarray] = {}
    coverage: dict[str, np.ndarray] = {}
    has_value: dict[str, np.ndarray] = {}       # node → bool: its value is not NaN
    present_weight: dict[str, np.ndarray] = {}  # group → Σ w over children with a value
    scratch = np.empty(n)

    def up(node: Node) -> None:
        name = node.name
        if node.kind == "signal":
            value[name], coverage[name] = leaf_value[name], leaf_has_data[name]
            known = (leaf_has_value or {}).get(name)
            has_value[name] = _not_nan(value[name]) if known is None else known
            return
        for child in node.children:
            up(child)
        total, present = np.zeros(n), np.zeros(n)
        same = all(coverage[c.name] is has_value[c.name] for c in node.children)
        cov = None if same else np.zeros(n)
        for child in node.children:
            np.multiply(value[child.name], child.weight, out=scratch)
            np.fmax(scratch, 0.0, out=scratch)  # NaN → 0
            total += scratch
            np.multiply(has_value[child.name], child.weight, out=scratch)
            present += scratch
            if cov is not None:
                if coverage[child.name] is not has_value[child.name]:
                    np.multiply(coverage[child.name], child.weight, out=scratch)
                cov += scratch
        all_weight = sum(child.weight for child in node.children)
        if cov is None:  # Σ w·coverage over the children is `present`, bit for bit
            coverage[name] = present / all_weight
        else:
            cov /= all_weight
            coverage[name] = cov
        with np.errstate(invalid="ignore"):
            result = np.divide(total, present, out=total)
        np.abs(result, out=result)  # 0/0 is a negative NaN
        value[name] = result
        has_value[name] = _not_nan(result)
        present_weight[name] = present

    up(root)

    weight: dict[str, np.ndarray] = {root.name: has_value[root.name].astype("float64")}

    def down(node: Node) -> None:
        parent_w = weight[node.name]
        # where no child has a value the shares are all 0; any positive divisor keeps them so
        divisor = np.maximum(present_weight[node.name], np.finfo("float64").smallest_subnormal)
        for child in node.children:
            share = np.multiply(has_value[child.name], child.weight)
            share /= divisor
            share *= parent_w
            weight[child.name] = share
            if child.kind != "signal":
                down(child)

    down(root)
    return Combined(value, coverage, weight)


def _not_nan(values: np.ndarray) -> np.ndarray:
    has = np.isnan(values)
    return np.logical_not(has, out=has)
