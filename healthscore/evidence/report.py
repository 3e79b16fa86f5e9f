"""Backtest and what-if reports as files: JSON (the data) and an HTML page (the same data,
rendered with the scorecards' Jinja machinery and its templates folder)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from healthscore.evidence import charts
from healthscore.evidence.backtest import Backtest
from healthscore.evidence.diff import Diff
from healthscore.io.atomic import atomic_dir
from healthscore.render.context import Model
from healthscore.render.env import Templates


class EvidencePage(Model):
    """Context of `backtest.html.j2` and `diff.html.j2`."""

    title: str = Field(description="page title")
    generated_at: str = Field(description="when the page was written (UTC)")
    report: dict[str, Any] = Field(description="the JSON report's content")
    charts: dict[str, str] = Field(description="name → inline SVG")


def _clean(value: Any) -> Any:
    """NaN → None, so the JSON is valid JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def write_backtest(bt: Backtest, out_dir: str | Path, colors: dict[str, str],
                   template_dir: str | Path | None = None) -> list[Path]:
    """`backtest.json` and `backtest.html` in `out_dir`; each appears whole or not at all."""
    data = _clean(bt.to_dict())
    ov = bt.overall
    tiers = [t for t in ov.tiers]
    pictures = {
        "roc": charts.roc(ov.roc["fpr"], ov.roc["tpr"], ov.auc.auc),
        "calibration": charts.calibration(ov.calibration["predicted"],
                                          ov.calibration["observed"]),
        "tiers": charts.bars([t.tier for t in tiers], [t.rate for t in tiers],
                             [colors.get(t.tier, "#6b7280") for t in tiers],
                             f"{' or '.join(bt.event)} rate per tier"),
    }
    page = EvidencePage(title=f"Backtest · {bt.weights}", generated_at=_now(), report=data,
                        charts={k: str(v) for k, v in pictures.items()})
    return _write(out_dir, "backtest", data, page, template_dir)


def write_diff(d: Diff, out_dir: str | Path, template_dir: str | Path | None = None
               ) -> list[Path]:
    data = _clean(d.to_dict())
    pictures = {"histogram": charts.histograms(data["histogram"]["bins"], d.old_hist,
                                               d.new_hist)}
    page = EvidencePage(title=f"What-if · {d.old} → {d.new}", generated_at=_now(),
                        report=data, charts={k: str(v) for k, v in pictures.items()})
    return _write(out_dir, "diff", data, page, template_dir)


REPORT_KEYS = {"backtest": frozenset({"as_of_dates", "overall"}),
               "diff": frozenset({"old", "new", "spearman", "histogram"})}


def _write(out_dir, stem: str, data: dict, page: EvidencePage, template_dir) -> list[Path]:
    out = Path(out_dir)
    html = Templates(template_dir).render(f"{stem}.html.j2", page)
    names = (f"{stem}.json", f"{stem}.html")
    # both files together, and never a file of the same name that healthscore did not write
    # (the folder's .healthscore-outputs list says which it wrote)
    # a report written before the list existed is recognised by its JSON's keys
    with atomic_dir(out, owns=names, record=(names[0], REPORT_KEYS[stem])) as tmp:
        (tmp / names[0]).write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
        (tmp / names[1]).write_text(html, encoding="utf-8")
    return [out / name for name in names]
