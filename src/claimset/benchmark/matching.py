"""The one claim matching of claimset: `claimset evaluate` and `claimset agree` both pair claims here.

Claims are matched one-to-one within an article, greedily by the Jaccard overlap of the code points
their content spans cover (largest first; ties broken by position in the inputs, so the result is
deterministic). An "exact" match needs the same list of spans; an "overlap" match any shared code
point. Discontinuous content is a set of code points, so a claim split into two spans still
overlaps the same claim written as one span, but does not match it exactly.
"""

from __future__ import annotations

from typing import Iterable, Sequence


def points(claim: dict) -> frozenset[int]:
    return frozenset(i for s in claim["content"] for i in range(s["start"], s["end"]))


def spans(claim: dict) -> tuple[tuple[int, int], ...]:
    return tuple(sorted((s["start"], s["end"]) for s in claim["content"]))


def match(gold: Sequence[dict], pred: Sequence[dict], exact: bool) -> list[tuple[dict, dict]]:
    """One-to-one pairs (gold, pred), in gold order of the greedy choice."""
    candidates = []
    if exact:
        by_spans: dict[tuple, list[int]] = {}
        for j, p in enumerate(pred):
            by_spans.setdefault(spans(p), []).append(j)
        for i, g in enumerate(gold):
            for j in by_spans.get(spans(g), ()):
                candidates.append((1.0, i, j))
    else:
        gp = [points(g) for g in gold]
        pp = [points(p) for p in pred]
        # an index of code point -> predictions keeps this linear in practice (a claim overlaps few others)
        where: dict[int, list[int]] = {}
        for j, pts in enumerate(pp):
            for x in pts:
                where.setdefault(x, []).append(j)
        for i, pts in enumerate(gp):
            seen = set()
            for x in pts:
                seen.update(where.get(x, ()))
            for j in seen:
                inter = len(pts & pp[j])
                candidates.append((inter / len(pts | pp[j]), i, j))
    candidates.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_g, used_p, out = set(), set(), []
    for _, i, j in candidates:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            out.append((gold[i], pred[j]))
    return out


def by_article(claims: Iterable[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in claims:
        out.setdefault(c["article_id"], []).append(c)
    return out
