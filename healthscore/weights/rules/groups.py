"""Groups name existing signals and groups; each member sits in one place; no cycles; groups
nest at most `MAX_GROUP_DEPTH` levels (scoring walks the tree recursively)."""

from __future__ import annotations

from collections.abc import Iterator

from healthscore.errors import Problem
from healthscore.weights.model import MAX_GROUP_DEPTH, WeightFile
from healthscore.weights.rules._context import RuleContext, unknown


def check(wf: WeightFile, ctx: RuleContext) -> Iterator[Problem]:
    for name in set(wf.groups) & set(wf.signals):
        yield ctx.problem(("groups", name),
                          f"`{name}` is both a group and a signal; rename one of them")
    owner: dict[str, str] = {}
    parent: dict[str, str] = {}
    signals, groups = ctx.defined("signals", wf.signals), ctx.defined("groups", wf.groups)
    for gname, group in wf.groups.items():
        for i, sig in enumerate(group.signals):
            path = ("groups", gname, "signals", i)
            if sig not in signals:
                yield ctx.problem(path, unknown("signal", sig, wf.signals))
            elif sig in owner:
                yield ctx.problem(path, f"signal `{sig}` is already in group `{owner[sig]}`; "
                                        "a signal belongs to one group")
            else:
                owner[sig] = gname
        for i, sub in enumerate(group.groups):
            path = ("groups", gname, "groups", i)
            if sub not in groups:
                yield ctx.problem(path, unknown("group", sub, wf.groups))
            elif sub in parent:
                yield ctx.problem(path, f"group `{sub}` is already inside group "
                                        f"`{parent[sub]}`; a group has one parent")
            else:
                parent[sub] = gname
        if not group.signals and not group.groups:
            yield ctx.problem(("groups", gname), "an empty group; list its `signals:` "
                                                 "and/or `groups:`")
    yield from _cycles(wf, ctx)
    yield from _depth(parent, ctx)


def _depth(parent: dict[str, str], ctx: RuleContext) -> Iterator[Problem]:
    """The deepest group, when the nesting goes beyond the limit (walked upwards, so a tree
    of any depth is measured without recursion)."""
    deepest, depth = None, 0
    for start in parent:
        level, name = 1, start
        while name in parent and level <= MAX_GROUP_DEPTH + 1:
            name, level = parent[name], level + 1
        if level > depth:
            deepest, depth = start, level
    if deepest is not None and depth > MAX_GROUP_DEPTH:
        yield ctx.problem(("groups", deepest), f"groups nest more than {MAX_GROUP_DEPTH} levels "
                                               "deep; flatten the tree")


def _cycles(wf: WeightFile, ctx: RuleContext) -> Iterator[Problem]:
    """Each circle once, found by one depth-first walk without recursion: linear in the
    groups, so a circle of thousands of groups is found at once instead of being walked again
    from each of its members (which never ended for 3,000)."""
    state: dict[str, int] = {}  # ON_PATH while on the current path, DONE after
    for root in wf.groups:
        if root in state:
            continue
        path, index = [root], {root: 0}
        state[root] = ON_PATH
        todo = [iter(wf.groups[root].groups)]
        while todo:
            sub = next(todo[-1], None)
            if sub is None:  # every member of the group on top walked
                done = path.pop()
                del index[done]
                state[done] = DONE
                todo.pop()
            elif sub not in wf.groups:
                continue  # an unknown group: reported above
            elif state.get(sub) == ON_PATH:
                chain = _chain([*path[index[sub]:], sub])
                yield ctx.problem(("groups", sub, "groups"),
                                  f"groups contain each other in a circle: {chain}")
            elif sub not in state:
                state[sub] = ON_PATH
                index[sub] = len(path)
                path.append(sub)
                todo.append(iter(wf.groups[sub].groups))


ON_PATH, DONE = 1, 2
SHOWN = 12  # names of a circle shown in full; a longer one is shortened in the middle


def _chain(names: list[str]) -> str:
    if len(names) <= SHOWN:
        return " → ".join(names)
    return " → ".join([*names[:5], f"… ({len(names) - 10:,} more)", *names[-5:]])
