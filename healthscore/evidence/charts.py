"""Small inline SVG charts for the evidence pages, each with a text alternative.

Every chart is `role="img"` with an `aria-label` that states its values in words, and the page
shows the same values in a table next to it, so nothing is only in the picture.
"""

from __future__ import annotations

from markupsafe import Markup, escape

W, H, PAD = 320, 240, 36


def _xy(x: float, y: float) -> tuple[float, float]:
    return PAD + x * (W - 2 * PAD), H - PAD - y * (H - 2 * PAD)


def _frame(label: str, body: str, xlabel: str, ylabel: str) -> Markup:
    x0, y0 = _xy(0, 0)
    x1, y1 = _xy(1, 1)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<rect x="{x0}" y="{y1}" width="{x1 - x0}" height="{y0 - y1}" fill="none" '
        f'stroke="#d1d5db"/>{body}'
        f'<text x="{W / 2}" y="{H - 6}" text-anchor="middle" font-size="11">'
        f'{escape(xlabel)}</text><text x="12" y="{H / 2}" font-size="11" '
        f'transform="rotate(-90 12 {H / 2})" text-anchor="middle">{escape(ylabel)}</text>'
        "</svg>")


def _path(xs: list[float], ys: list[float]) -> str:
    points = " ".join("{:.1f},{:.1f}".format(*_xy(x, y)) for x, y in zip(xs, ys, strict=True))
    return points


def roc(fpr: list[float], tpr: list[float], auc: float) -> Markup:
    diag = _path([0, 1], [0, 1])
    body = (f'<polyline points="{diag}" fill="none" stroke="#9ca3af" stroke-dasharray="4 3"/>'
            f'<polyline points="{_path(fpr, tpr)}" fill="none" stroke="#2563eb" '
            'stroke-width="2"/>')
    return _frame(f"ROC curve, area under it {auc:.3f} (0.5 is chance)", body,
                  "false positive rate", "true positive rate")


def calibration(predicted: list[float], observed: list[float]) -> Markup:
    top = max([*predicted, *observed, 0.05])
    xs = [p / top for p in predicted]
    ys = [o / top for o in observed]
    dots = "".join('<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="#2563eb"/>'.format(*_xy(x, y))
                   for x, y in zip(xs, ys, strict=True))
    pairs = ", ".join(f"{p:.1%} predicted, {o:.1%} observed"
                      for p, o in zip(predicted, observed, strict=True))
    body = (f'<polyline points="{_path([0, 1], [0, 1])}" fill="none" stroke="#9ca3af" '
            f'stroke-dasharray="4 3"/><polyline points="{_path(xs, ys)}" fill="none" '
            f'stroke="#2563eb"/>{dots}')
    return _frame(f"Calibration (up to {top:.0%}): {pairs}", body, "predicted rate",
                  "observed rate")


def bars(labels: list[str], values: list[float], colors: list[str], what: str,
         fmt: str = "{:.1%}") -> Markup:
    top = max([v for v in values if v == v] + [1e-9])
    width = (W - 2 * PAD) / max(len(values), 1)
    body = ""
    for i, (name, value, color) in enumerate(zip(labels, values, colors, strict=True)):
        v = 0.0 if value != value else value
        x, y = _xy(i / max(len(values), 1), v / top)
        _, y0 = _xy(0, 0)
        body += (f'<rect x="{x + 4:.1f}" y="{y:.1f}" width="{width - 8:.1f}" '
                 f'height="{y0 - y:.1f}" fill="{escape(color)}"/>'
                 f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" font-size="10" '
                 f'text-anchor="middle">{escape(fmt.format(v))}</text>'
                 f'<text x="{x + width / 2:.1f}" y="{y0 + 12:.1f}" font-size="10" '
                 f'text-anchor="middle">{escape(name)}</text>')
    label = f"{what}: " + ", ".join(f"{n} {fmt.format(v)}" for n, v in zip(labels, values,
                                                                           strict=True))
    return _frame(label, body, "", what)


def histograms(bins: list[int], old: list[int], new: list[int]) -> Markup:
    top = max(old + new + [1])
    n = len(old)
    body = ""
    for i in range(n):
        for j, (values, color) in enumerate(((old, "#9ca3af"), (new, "#2563eb"))):
            x, y = _xy((i + j * 0.45) / n, values[i] / top)
            _, y0 = _xy(0, 0)
            body += (f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{(W - 2 * PAD) / n * 0.42:.1f}"'
                     f' height="{y0 - y:.1f}" fill="{color}"/>')
    label = "Customers per score band, before and after: " + ", ".join(
        f"{bins[i]}-{bins[i + 1]}: {old[i]} then {new[i]}" for i in range(n))
    return _frame(label, body, "score (grey: old weights, blue: new)", "customers")
