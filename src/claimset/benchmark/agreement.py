"""Inter-annotator agreement on the scorer: pass B is scored against pass A as gold, plus kappa.

A pass is one or more claims files or folders. A folder may hold several annotators' files; B's
claims are grouped by their `annotator` field (else by the path given), each group is compared
with A on the articles both cover, and the overall figures pool the groups' counts. A must hold
one annotation of each article (it is the reference).

Clusters: a `clusters.jsonl` (cluster records: cluster_id, proposition, claim_ids) beside claims
files, or in a folder above them within the path given, labels those files' claims; cluster
agreement compares membership over matched claims when both sides have such a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from .scorer import CLAIM_TYPES, Stats, available_tasks, kappas, score, summarize


@dataclass
class Pass:
    claims: list[dict]
    clusters: dict[str, dict[str, str]] = field(default_factory=dict)  # group -> claim_id -> cluster_id
    sources: dict[int, str] = field(default_factory=dict)  # id(claim) -> the path argument it came from


def _jsonl(path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                obj = json.loads(line)
            except ValueError as e:
                raise ValueError(f"{path}:{n}: not JSON ({e})") from None
            if not isinstance(obj, dict):
                raise ValueError(f"{path}:{n}: expected one JSON object per line")
            out.append(obj)
    return out


def _clusters_for(f: Path, top: Path) -> Optional[Path]:
    d = f.parent
    while True:
        if (d / "clusters.jsonl").is_file():
            return d / "clusters.jsonl"
        if d == top or d == d.parent or top not in d.parents:
            return None
        d = d.parent


def read_pass(paths: Sequence[Path]) -> Pass:
    """Claims (and cluster labels) from claims.jsonl files or folders of them."""
    out = Pass([])
    for path in map(Path, paths):
        if path.is_file():
            files, top = [path], path.parent
        elif path.is_dir():
            files, top = sorted(p for p in path.rglob("*.jsonl") if p.name.endswith("claims.jsonl")), path
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
        if not files:
            raise FileNotFoundError(f"{path}: no claims.jsonl files")
        for f in files:
            claims = _jsonl(f)
            for c in claims:
                for key in ("claim_id", "article_id", "content"):
                    if key not in c:
                        raise ValueError(f"{f}: a claim without {key}")
                out.sources[id(c)] = str(path)
            out.claims += claims
            cf = _clusters_for(f, top)
            if cf is not None:
                labels = {cid: cl["cluster_id"] for cl in _jsonl(cf) for cid in cl.get("claim_ids", [])}
                for c in claims:
                    group = out.clusters.setdefault(group_of(c, out), {})
                    if c["claim_id"] in labels:
                        group[c["claim_id"]] = labels[c["claim_id"]]
    return out


def read_cluster_labels(path: Path) -> dict[str, str]:
    """claim_id -> cluster_id from a clusters.jsonl file, or a folder of cluster records
    (*.json, one record each, as data/clusters/; *.jsonl, one per line)."""
    path = Path(path)
    if path.is_file():
        records = _jsonl(path)
    elif path.is_dir():
        records = []
        for f in sorted(path.rglob("*.json*")):
            records += _jsonl(f) if f.suffix == ".jsonl" else [json.loads(f.read_text(encoding="utf-8"))]
    else:
        raise FileNotFoundError(f"{path}: no such file or folder")
    try:
        return {cid: r["cluster_id"] for r in records for cid in r["claim_ids"]}
    except (KeyError, TypeError):
        raise ValueError(f"{path}: not cluster records (cluster_id, proposition, claim_ids)") from None


def with_clusters(p: Pass, labels: dict[str, str]) -> Pass:
    """`p` with its cluster labels replaced by `labels` for every annotator group."""
    groups = {group_of(c, p) for c in p.claims}
    return Pass(p.claims, {g: labels for g in groups}, p.sources)


def group_of(claim: dict, p: Pass) -> str:
    return claim.get("annotator") or p.sources.get(id(claim), "?")


@dataclass
class PassAgreement:
    articles: list[str]
    overall: dict
    kappa: dict
    stats: Stats
    tasks: list[str]
    groups: dict[str, dict] = field(default_factory=dict)  # annotator -> {articles, overall}
    per_article: dict[str, dict] = field(default_factory=dict)  # "annotator/article" -> summary
    pairs: list = field(default_factory=list)


def compare(a: Pass, b: Pass) -> PassAgreement:
    """Score each annotator group of B against A on their shared articles, and pool the counts."""
    owners: dict[str, set] = {}
    for c in a.claims:
        owners.setdefault(c["article_id"], set()).add(group_of(c, a))
    double = sorted(art for art, who in owners.items() if len(who) > 1)
    if double:
        raise ValueError(f"the reference set holds {double[0]} from more than one annotator ({', '.join(sorted(owners[double[0]]))}); pass one annotation of each article as A")
    a_clusters = {cid: cl for g in a.clusters.values() for cid, cl in g.items()}
    groups: dict[str, list[dict]] = {}
    for c in b.claims:
        groups.setdefault(group_of(c, b), []).append(c)
    total, pairs, tasks_all = Stats(), [], None
    result = PassAgreement([], {}, {}, total, [])
    articles: set[str] = set()
    for name in sorted(groups):
        claims = groups[name]
        shared = sorted(set(owners) & {c["article_id"] for c in claims})
        if not shared:
            continue
        gold = [c for c in a.claims if c["article_id"] in shared]
        tasks = available_tasks(gold, claims)
        clustered = bool(a.clusters) and name in b.clusters
        if clustered:
            tasks.append("clustering")
        ev = score(gold, claims, shared, tasks, a_clusters, b.clusters.get(name, {}), samples=0)
        result.groups[name] = {"articles": shared, "overall": ev.overall}
        for art, s in ev.per_article.items():
            result.per_article[f"{name}/{art}"] = s
        total = total + ev.stats
        pairs += ev.pairs
        articles |= set(shared)
        common = [t for t in tasks if t != "clustering"]
        tasks_all = common if tasks_all is None else [t for t in tasks_all if t in common]
    tasks_all = (tasks_all or ["detection"]) + (["clustering"] if total.clusters else [])
    result.articles, result.stats, result.pairs, result.tasks = sorted(articles), total, pairs, tasks_all
    result.overall = summarize(total, tasks_all)
    result.kappa = legacy_kappa(total)
    return result


def legacy_kappa(st: Stats) -> dict[str, Optional[float]]:
    """The kappa table `claimset agree` has always printed (docs/agreement.md, agreement.json)."""
    k = kappas(st)
    out = {name: k.get(name) for name in ("certainty", "polarity", "conditional")}
    per_type = {t: k.get(f"claim_type:{t}") for t in CLAIM_TYPES}
    out.update({f"claim_type:{t}": v for t, v in per_type.items()})
    defined = [v for v in per_type.values() if v is not None]
    out["claim_types (mean)"] = sum(defined) / len(defined) if defined else None
    return out

