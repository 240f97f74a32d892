"""Counting functions of the scorer: everything is computed from additive counts per article, so a
bootstrap resample of articles only adds counts again (no claim is matched twice)."""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Iterable, Optional, Sequence


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    """Precision, recall, F1. Nothing predicted and nothing to find counts as perfect; nothing
    predicted (or found) where there was something is 0."""
    p = tp / n_pred if n_pred else (1.0 if n_gold == 0 else 0.0)
    r = tp / n_gold if n_gold else (1.0 if n_pred == 0 else 0.0)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def accuracy(conf: Counter) -> Optional[float]:
    n = sum(conf.values())
    return sum(v for (g, p), v in conf.items() if g == p) / n if n else None


def macro_f1(conf: Counter) -> Optional[float]:
    """Mean F1 over every label that occurs in the gold or the predictions of the pairs."""
    if not conf:
        return None
    labels = sorted({g for g, _ in conf} | {p for _, p in conf}, key=repr)
    scores = []
    for lab in labels:
        tp = conf.get((lab, lab), 0)
        n_pred = sum(v for (_, p), v in conf.items() if p == lab)
        n_gold = sum(v for (g, _), v in conf.items() if g == lab)
        scores.append(prf(tp, n_pred, n_gold)["f1"])
    return sum(scores) / len(scores)


def binary_f1(conf: Counter) -> Optional[float]:
    """F1 of the label True (a claim type present) over yes/no pairs; None when neither side uses it."""
    tp, n_pred, n_gold = conf.get((True, True), 0), conf.get((False, True), 0) + conf.get((True, True), 0), conf.get((True, False), 0) + conf.get((True, True), 0)
    if not n_pred and not n_gold:
        return None
    return prf(tp, n_pred, n_gold)["f1"]


def kappa_from(conf: Counter) -> Optional[float]:
    """Cohen's kappa from (label A, label B) counts; None when undefined (no pairs, chance agreement 1)."""
    n = sum(conf.values())
    if n == 0:
        return None
    po = sum(v for (a, b), v in conf.items() if a == b) / n
    ca, cb = Counter(), Counter()
    for (a, b), v in conf.items():
        ca[a] += v
        cb[b] += v
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if pe == 1:
        return None
    return (po - pe) / (1 - pe)


def cohen_kappa(x: Sequence, y: Sequence) -> Optional[float]:
    return kappa_from(Counter(zip(x, y)))


def cluster_counts(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> dict[str, float]:
    """Additive counts for B-cubed and pairwise scores of one clustering of items (item i is in gold
    cluster gold[i] and predicted cluster pred[i]; None means a singleton)."""
    n = len(gold)
    g = [("single", i) if x is None else x for i, x in enumerate(gold)]
    p = [("single", i) if x is None else x for i, x in enumerate(pred)]
    both = Counter(zip(g, p))
    gs, ps = Counter(g), Counter(p)
    bp = sum(both[(g[i], p[i])] / ps[p[i]] for i in range(n))
    br = sum(both[(g[i], p[i])] / gs[g[i]] for i in range(n))

    def pairs(c: Iterable[int]) -> int:
        return sum(k * (k - 1) // 2 for k in c)

    return {"items": n, "bcubed_p": bp, "bcubed_r": br, "pairs_both": pairs(both.values()), "pairs_pred": pairs(ps.values()), "pairs_gold": pairs(gs.values())}


def cluster_scores(c: dict[str, float]) -> dict[str, Optional[float]]:
    if not c or not c.get("items"):
        return {"bcubed_precision": None, "bcubed_recall": None, "bcubed_f1": None, "pairwise_precision": None, "pairwise_recall": None, "pairwise_f1": None}
    bp, br = c["bcubed_p"] / c["items"], c["bcubed_r"] / c["items"]
    pw = prf(c["pairs_both"], c["pairs_pred"], c["pairs_gold"])
    return {
        "bcubed_precision": bp,
        "bcubed_recall": br,
        "bcubed_f1": 2 * bp * br / (bp + br) if bp + br else 0.0,
        "pairwise_precision": pw["precision"],
        "pairwise_recall": pw["recall"],
        "pairwise_f1": pw["f1"],
    }


def add_counts(a: dict, b: dict) -> dict:
    return {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b)}
