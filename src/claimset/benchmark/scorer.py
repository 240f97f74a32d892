"""The official scorer: spans, attributes on matched claims, clusters; per article, overall, and
bootstrap confidence intervals over articles.

Everything is counted per article into additive statistics (matched spans, (gold, predicted)
label counts, quantity tuples), so the overall score and every bootstrap resample are sums of
article statistics. Attributes are scored on the overlap-matched pairs only: a system is not
punished twice, in detection and again in attribution, for a claim it missed.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional, Sequence

from ..models import ClaimType
from .matching import by_article, match
from .metrics import accuracy, add_counts, binary_f1, cluster_counts, cluster_scores, kappa_from, macro_f1, prf

import typing

CLAIM_TYPES = list(typing.get_args(ClaimType))
TASKS = ("detection", "attribution", "factuality", "typing", "clustering")
# The fields a prediction must carry for each task (the prediction format requires nothing else).
TASK_FIELDS: dict[str, tuple[str, ...]] = {
    "detection": ("article_id", "content"),
    "attribution": ("claimant", "source_chain"),
    "factuality": ("factuality", "conditional"),
    "typing": ("claim_types", "event", "quantities"),
    "clustering": ("cluster_id",),
}


def source_label(s: Optional[dict]) -> str:
    if not s:
        return "-"
    return "author" if s.get("kind") == "author" else str(s.get("entity_id"))


def _event(c: dict) -> dict:
    return c.get("event") or {}


# attribute -> (task, label of a claim); scored on every overlap-matched pair
LABELS: dict[str, tuple[str, Callable[[dict], Any]]] = {
    "claimant": ("attribution", lambda c: source_label(c.get("claimant"))),
    "source_chain": ("attribution", lambda c: " > ".join(source_label(s) for s in c.get("source_chain") or [])),
    "certainty": ("factuality", lambda c: c["factuality"]["certainty"]),
    "polarity": ("factuality", lambda c: c["factuality"]["polarity"]),
    "conditional": ("factuality", lambda c: bool(c["conditional"])),
    "claim_types": ("typing", lambda c: " + ".join(sorted(set(c["claim_types"])))),
    "event_type": ("typing", lambda c: _event(c).get("type") or "none"),
}
# participants are scored where the gold claim has an event (what the event is is event_type's job)
PARTICIPANTS: dict[str, Callable[[dict], Any]] = {
    "event_agent": lambda c: _event(c).get("agent") or "none",
    "event_recipient": lambda c: _event(c).get("recipient") or "none",
}
ATTRIBUTES = list(LABELS) + list(PARTICIPANTS)


def _num(v):
    return None if v is None else round(float(v), 6)


def quantity_tuples(c: dict) -> Counter:
    return Counter((_num(q.get("value")), _num(q.get("lower")), _num(q.get("upper")), (q.get("unit") or "").strip().lower()) for q in c.get("quantities") or [])


@dataclass
class Stats:
    """Additive statistics of one or more articles."""

    n: Counter = field(default_factory=Counter)
    conf: dict[str, Counter] = field(default_factory=dict)
    clusters: dict = field(default_factory=dict)

    def __add__(self, other: "Stats") -> "Stats":
        conf = {k: self.conf.get(k, Counter()) + other.conf.get(k, Counter()) for k in set(self.conf) | set(other.conf)}
        return Stats(self.n + other.n, conf, add_counts(self.clusters, other.clusters))


def article_stats(gold: Sequence[dict], pred: Sequence[dict], tasks: Iterable[str]) -> tuple[Stats, list[tuple[dict, dict]]]:
    """Statistics of one article, and its overlap-matched (gold, predicted) pairs."""
    tasks = set(tasks)
    st = Stats()
    st.n["gold"], st.n["pred"] = len(gold), len(pred)
    exact = match(gold, pred, exact=True)
    pairs = match(gold, pred, exact=False)
    st.n["tp_exact"], st.n["tp_overlap"] = len(exact), len(pairs)
    if "attribution" in tasks:
        same = LABELS["claimant"][1]
        st.n["e2e_exact"] = sum(1 for g, p in exact if same(g) == same(p))
        st.n["e2e_overlap"] = sum(1 for g, p in pairs if same(g) == same(p))
    for name, (task, get) in LABELS.items():
        if task in tasks:
            st.conf[name] = Counter((get(g), get(p)) for g, p in pairs)
    if "typing" in tasks:
        for name, get in PARTICIPANTS.items():
            st.conf[name] = Counter((get(g), get(p)) for g, p in pairs if _event(g))
        for t in CLAIM_TYPES:
            st.conf[f"claim_type:{t}"] = Counter((t in g["claim_types"], t in p["claim_types"]) for g, p in pairs)
        for g, p in pairs:
            qg, qp = quantity_tuples(g), quantity_tuples(p)
            st.n["q_tp"] += sum((qg & qp).values())
            st.n["q_gold"] += sum(qg.values())
            st.n["q_pred"] += sum(qp.values())
    return st, pairs


def summarize(st: Stats, tasks: Iterable[str]) -> dict[str, Optional[float]]:
    """Flat metric name -> value, from summed statistics."""
    tasks = set(tasks)
    n = st.n
    out: dict[str, Optional[float]] = {"claims.gold": n["gold"], "claims.predicted": n["pred"], "matched.exact": n["tp_exact"], "matched.overlap": n["tp_overlap"]}
    for kind in ("exact", "overlap"):
        for k, v in prf(n[f"tp_{kind}"], n["pred"], n["gold"]).items():
            out[f"span_{kind}.{k}"] = v
    if "attribution" in tasks:
        for kind in ("exact", "overlap"):
            for k, v in prf(n[f"e2e_{kind}"], n["pred"], n["gold"]).items():
                out[f"end_to_end_{kind}.{k}"] = v
    for name in ATTRIBUTES:
        if name in st.conf:
            conf = st.conf[name]
            out[f"{name}.pairs"] = sum(conf.values())
            out[f"{name}.accuracy"] = accuracy(conf)
            out[f"{name}.macro_f1"] = macro_f1(conf)
    if "typing" in tasks:
        # claim types are multi-label: macro-F1 is the mean over types of each type's yes/no F1
        per_type = [binary_f1(st.conf.get(f"claim_type:{t}", Counter())) for t in CLAIM_TYPES]
        defined = [v for v in per_type if v is not None]
        out["claim_types.macro_f1"] = sum(defined) / len(defined) if defined else None
        for k, v in prf(n["q_tp"], n["q_pred"], n["q_gold"]).items():
            out[f"quantities.{k}"] = v if n["q_gold"] or n["q_pred"] else None
    if "clustering" in tasks:
        out.update({f"clusters.{k}": v for k, v in cluster_scores(st.clusters).items()})
    return out


def kappas(st: Stats) -> dict[str, Optional[float]]:
    """Cohen's kappa of every categorical attribute and claim type (agreement reports these)."""
    out = {name: kappa_from(st.conf[name]) for name in ATTRIBUTES if name in st.conf}
    for t in CLAIM_TYPES:
        if f"claim_type:{t}" in st.conf:
            out[f"claim_type:{t}"] = kappa_from(st.conf[f"claim_type:{t}"])
    return out


def bootstrap(units: Sequence[Stats], tasks, samples: int, seed: int, level: float = 0.95) -> dict[str, list[Optional[float]]]:
    """Percentile intervals over articles resampled with replacement (seeded: same input, same CI).

    A resample is a multiset of articles; its summary is cached, so few articles cost little."""
    if samples <= 0 or len(units) < 2:
        return {}
    rng = random.Random(seed)
    k = len(units)
    cache: dict[tuple, dict] = {}
    values: dict[str, list[float]] = {}
    for _ in range(samples):
        draw = tuple(sorted(rng.randrange(k) for _ in range(k)))
        if draw not in cache:
            total = Stats()
            for i in draw:
                total = total + units[i]
            cache[draw] = summarize(total, tasks)
        for name, v in cache[draw].items():
            if v is not None and not name.startswith(("clusters.", "claims.", "matched.")) and not name.endswith(".pairs"):
                values.setdefault(name, []).append(v)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    out = {}
    for name, vs in values.items():
        vs.sort()
        out[name] = [vs[int(lo_q * (len(vs) - 1))], vs[int(round(hi_q * (len(vs) - 1)))]]
    return out


@dataclass
class Evaluation:
    articles: list[str]
    tasks: list[str]
    overall: dict[str, Optional[float]]
    ci: dict[str, list]
    per_article: dict[str, dict[str, Optional[float]]]
    stats: Stats
    pairs: list[tuple[dict, dict]]
    split: Optional[str] = None
    samples: int = 0
    seed: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "split": self.split,
            "articles": self.articles,
            "tasks": self.tasks,
            "overall": self.overall,
            "ci95": self.ci,
            "bootstrap": {"samples": self.samples, "seed": self.seed, "unit": "article", "level": 0.95},
            "per_article": self.per_article,
            "notes": self.notes,
        }


def score(
    gold: Sequence[dict],
    pred: Sequence[dict],
    articles: Optional[Iterable[str]] = None,
    tasks: Iterable[str] = TASKS,
    gold_clusters: Optional[dict[str, str]] = None,
    pred_clusters: Optional[dict[str, str]] = None,
    samples: int = 1000,
    seed: int = 0,
) -> Evaluation:
    """Score predicted claims against gold claims over `articles` (default: the gold's articles).

    Predictions for articles outside `articles` are ignored; an article with no prediction scores as
    empty predictions. Cluster labels: a prediction's own `cluster_id`, else `pred_clusters[claim_id]`.
    """
    tasks = [t for t in TASKS if t in set(tasks) | {"detection"}]
    g_by, p_by = by_article(gold), by_article(pred)
    arts = sorted(set(articles) if articles is not None else set(g_by))
    units, per_article, all_pairs = [], {}, []
    items_g, items_p = [], []
    for a in arts:
        st, pairs = article_stats(g_by.get(a, []), p_by.get(a, []), tasks)
        if "clustering" in tasks:
            lg = [_cluster(x, gold_clusters) for x, _ in pairs]
            lp = [_cluster(y, pred_clusters, own=True) for _, y in pairs]
            st.clusters = cluster_counts(lg, lp)
            items_g += lg
            items_p += lp
        units.append(st)
        per_article[a] = summarize(st, tasks)
        all_pairs += pairs
    total = Stats()
    for st in units:
        total = total + st
    if "clustering" in tasks:
        total.clusters = cluster_counts(items_g, items_p)  # clusters cross articles: not a sum
    return Evaluation(arts, tasks, summarize(total, tasks), bootstrap(units, tasks, samples, seed), per_article, total, all_pairs, samples=samples, seed=seed)


def _cluster(claim: dict, mapping: Optional[dict], own: bool = False) -> Optional[str]:
    if own and claim.get("cluster_id"):
        return claim["cluster_id"]
    return (mapping or {}).get(claim.get("claim_id"))


def available_tasks(*claim_sets: Sequence[dict]) -> list[str]:
    """The tasks every claim of every set carries the fields for (detection always)."""
    claims = [c for s in claim_sets for c in s]
    out = []
    for t in TASKS:
        if t == "clustering":
            continue  # decided by whether cluster labels exist, not by claim fields
        # the field that defines the task; the rest are read as absent = none (event, quantities)
        core = {"detection": ("content",), "attribution": ("claimant",), "factuality": ("factuality", "conditional"), "typing": ("claim_types",)}[t]
        if all(all(c.get(f) is not None for f in core) for c in claims):
            out.append(t)
    return out
