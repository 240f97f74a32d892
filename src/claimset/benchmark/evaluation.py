"""`claimset evaluate`: score a prediction file against the release, on a split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from .predictions import Predictions, read_predictions
from .scorer import TASKS, Evaluation, score
from .splits import split_articles


@dataclass
class Gold:
    claims: list[dict]
    clusters: dict[str, str]  # claim_id -> cluster_id
    texts: dict[str, Optional[str]]  # article_id -> text (None in the annotations-only edition)
    entities: list[dict]
    articles: list[dict]


def load_gold(release=None) -> Gold:
    from ..loaders import load

    claims = load("claims", release).to_pylist()
    articles = load("articles", release).to_pylist()
    clusters = {cid: c["cluster_id"] for c in load("clusters", release).to_pylist() for cid in c["claim_ids"]}
    texts = {a["article_id"]: a["text"] if isinstance(a.get("text"), str) else None for a in articles}
    return Gold(claims, clusters, texts, load("entities", release).to_pylist(), articles)


def parse_tasks(tasks: Optional[Union[str, Iterable[str]]]) -> Optional[list[str]]:
    if tasks is None:
        return None
    names = [t.strip() for t in (tasks.split(",") if isinstance(tasks, str) else tasks) if t.strip()]
    if names == ["all"]:
        return list(TASKS)
    bad = [t for t in names if t not in TASKS]
    if bad:
        raise ValueError(f"unknown task {bad[0]!r}; choose from {', '.join(TASKS)} (comma-separated) or all")
    return names


def evaluate(
    predictions: Union[str, Path, Sequence[dict], Predictions],
    split: Optional[str] = None,
    tasks: Optional[Union[str, Iterable[str]]] = None,
    release=None,
    samples: int = 1000,
    seed: int = 0,
    covered_only: bool = False,
    gold: Optional[Gold] = None,
) -> Evaluation:
    """Score predictions (a JSONL file or folder, or claim dicts) against the release.

    split: a split name (claimset.benchmark.splits), default every released article. tasks: task
    names (default: those the predictions carry fields for). covered_only: score only the articles
    the predictions mention (a partial annotation pass). Raises PredictionError for a bad file,
    ValueError for an unknown split or task.
    """
    chosen = parse_tasks(tasks)
    scope_ids = split_articles(split) if split else None
    gold = gold or load_gold(release)
    preds = predictions if isinstance(predictions, Predictions) else read_predictions(predictions, gold.texts, chosen)
    scope = set(gold.texts) if scope_ids is None else set(gold.texts) & scope_ids
    outside = {c["article_id"] for c in preds.claims} - scope
    if covered_only:
        scope &= {c["article_id"] for c in preds.claims}
    result = score(gold.claims, preds.claims, scope, preds.tasks, gold.clusters, preds.clusters, samples, seed)
    result.split = split
    if outside:
        result.notes.append(f"predictions for {len(outside)} article(s) outside the split were ignored")
    if scope_ids is not None and not scope:
        result.notes.append(f"split {split} has no article in this release")
    return result


# --- presentation ------------------------------------------------------------------------------------


def fmt(v, ci=None) -> str:
    if v is None:
        return "n/a"
    s = f"{v:.3f}" if isinstance(v, float) else str(v)
    return f"{s} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else s


def format_evaluation(ev: Evaluation) -> str:
    o, ci = ev.overall, ev.ci
    head = f"split {ev.split}" if ev.split else "all released articles"
    lines = [
        f"{head}: {len(ev.articles)} article(s), {o['claims.gold']} gold claims, {o['claims.predicted']} predicted; tasks: {', '.join(ev.tasks)}",
        f"95% intervals: bootstrap over articles, {ev.samples} resamples, seed {ev.seed}" if ci else "no intervals (fewer than 2 articles, or --bootstrap 0)",
        "",
        "| score | matched | precision | recall | F1 |",
        "|---|---|---|---|---|",
    ]
    for key, label in (("span_exact", "span, exact"), ("span_overlap", "span, overlap"), ("end_to_end_exact", "end-to-end (span exact + claimant)"), ("end_to_end_overlap", "end-to-end (span overlap + claimant)")):
        if f"{key}.f1" in o:
            m = o["matched.exact"] if key == "span_exact" else o["matched.overlap"] if key == "span_overlap" else ""
            lines.append(f"| {label} | {m} | {fmt(o[key + '.precision'], ci.get(key + '.precision'))} | {fmt(o[key + '.recall'], ci.get(key + '.recall'))} | {fmt(o[key + '.f1'], ci.get(key + '.f1'))} |")
    attrs = [k[: -len(".accuracy")] for k in o if k.endswith(".accuracy")]
    if attrs:
        lines += ["", f"Attributes on the {o['matched.overlap']} overlap-matched claims:", "", "| attribute | pairs | accuracy | macro-F1 |", "|---|---|---|---|"]
        for a in attrs:
            lines.append(f"| {a} | {o[a + '.pairs']} | {fmt(o[a + '.accuracy'], ci.get(a + '.accuracy'))} | {fmt(o[a + '.macro_f1'], ci.get(a + '.macro_f1'))} |")
    if "quantities.f1" in o:
        lines += ["", f"Quantities (value, bounds, unit) on matched claims: precision {fmt(o['quantities.precision'])}, recall {fmt(o['quantities.recall'])}, F1 {fmt(o['quantities.f1'], ci.get('quantities.f1'))}"]
    if "clusters.bcubed_f1" in o:
        lines += [
            "",
            "Clusters over matched claims (no interval: clusters cross articles):",
            f"B-cubed P {fmt(o['clusters.bcubed_precision'])} R {fmt(o['clusters.bcubed_recall'])} F1 {fmt(o['clusters.bcubed_f1'])}; "
            f"pairwise P {fmt(o['clusters.pairwise_precision'])} R {fmt(o['clusters.pairwise_recall'])} F1 {fmt(o['clusters.pairwise_f1'])}",
        ]
    if len(ev.articles) > 1:
        lines += ["", "Per article:", "", "| article | gold | predicted | span exact F1 | span overlap F1 | end-to-end F1 |", "|---|---|---|---|---|---|"]
        for a, s in ev.per_article.items():
            lines.append(f"| {a} | {s['claims.gold']} | {s['claims.predicted']} | {fmt(s['span_exact.f1'])} | {fmt(s['span_overlap.f1'])} | {fmt(s.get('end_to_end_overlap.f1'))} |")
    lines += [f"note: {n}" for n in ev.notes]
    return "\n".join(lines)
