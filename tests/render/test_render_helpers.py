"""Template helpers: Markdown code spans, and which groups a scorecard reports as missing."""

from __future__ import annotations

from healthscore.render.context import GroupView, SignalView
from healthscore.render.env import md_code, missing_groups


def test_md_code_keeps_code_spans_and_escapes_the_rest():
    text = "mean hours from `opened_at` to `closed_at`, from `tickets`, where a_b | *x*"
    assert md_code(text) == ("mean hours from `opened_at` to `closed_at`, from `tickets`, "
                             "where a\\_b \\| \\*x\\*")
    assert md_code("[link](http://evil) `x<y`") == "\\[link\\](http://evil) `x<y`"
    assert md_code("an `unclosed tick") == "an \\`unclosed tick"
    assert md_code(None) == ""


def sig(key: str, status: str, group: str) -> SignalView:
    score = 50.0 if status == "ok" else None
    return SignalView(key=key, label=key, unit=None, description=None, method=None,
                      group=group, raw=None, raw_text="—", score=score, weight=0.1,
                      points=None if score is None else 5.0, max_points=10, lost_points=5,
                      status=status, explanation="", is_driver=False)


def group(key: str, score: float | None, signals: list[SignalView], parent: str | None = None,
          depth: int = 0) -> GroupView:
    return GroupView(key=key, label=key.title(), depth=depth, parent=parent, score=score,
                     weight=0.3, points=None, max_points=30, signals=signals)


def test_missing_groups_outermost_only_and_not_switched_off():
    groups = [
        group("sentiment", None, [sig("csat", "missing", "sentiment"),
                                  sig("nps", "stale", "sentiment")]),
        group("usage", 70.0, [sig("logins", "ok", "usage")]),
        group("support", None, []),                                 # only a subgroup in it
        group("tickets", None, [sig("open", "missing", "tickets")], parent="support", depth=1),
        group("beta", None, [sig("flag", "off", "beta")]),           # off for this profile
        group("billing", 80.0, []),
        group("late", None, [sig("overdue", "missing", "late")], parent="billing", depth=1),
    ]
    assert [g.key for g in missing_groups(groups)] == ["sentiment", "support", "late"]
    assert missing_groups([group("usage", 70.0, [sig("logins", "ok", "usage")])]) == []
