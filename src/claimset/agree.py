"""`claimset agree A B`: inter-annotator agreement between two annotation sets of the same articles.

Span agreement: claims are matched one-to-one within each article, greedily by the overlap of
their content code points (largest Jaccard first). A counts as the reference: precision is
matched / |B|, recall matched / |A|. "exact" matches need identical content spans, "overlap"
matches any shared code point.

Label agreement: Cohen's kappa over the overlap-matched pairs for certainty, polarity and
conditional, and for each claim type as a yes/no label (plus their mean).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .models import ClaimType
import typing

CLAIM_TYPES = list(typing.get_args(ClaimType))


def read_claims(path: Path) -> list[dict]:
    """Claims from a claims JSONL file, or every *claims.jsonl under a folder."""
    path = Path(path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*.jsonl") if p.name.endswith("claims.jsonl"))
    if not files:
        raise FileNotFoundError(f"{path}: no claims.jsonl files")
    out = []
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
    return out


def _points(claim: dict) -> frozenset:
    return frozenset(i for s in claim["content"] for i in range(s["start"], s["end"]))


def _spans(claim: dict) -> tuple:
    return tuple(sorted((s["start"], s["end"]) for s in claim["content"]))


def match(a: list[dict], b: list[dict], exact: bool) -> list[tuple[dict, dict]]:
    pairs = []
    for i, ca in enumerate(a):
        for j, cb in enumerate(b):
            if exact:
                if _spans(ca) == _spans(cb):
                    pairs.append((1.0, i, j))
            else:
                pa, pb = _points(ca), _points(cb)
                inter = len(pa & pb)
                if inter:
                    pairs.append((inter / len(pa | pb), i, j))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_a, used_b, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((a[i], b[j]))
    return out


def cohen_kappa(x: list, y: list) -> Optional[float]:
    """Cohen's kappa; None when undefined (no pairs, or chance agreement of 1)."""
    n = len(x)
    if n == 0:
        return None
    po = sum(1 for a, b in zip(x, y) if a == b) / n
    cx, cy = Counter(x), Counter(y)
    pe = sum(cx[k] * cy[k] for k in set(cx) | set(cy)) / (n * n)
    if pe == 1:
        return None
    return (po - pe) / (1 - pe)


@dataclass
class SpanScores:
    matched: int
    n_a: int
    n_b: int

    @property
    def precision(self) -> float:
        return self.matched / self.n_b if self.n_b else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.n_a if self.n_a else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"matched": self.matched, "a": self.n_a, "b": self.n_b, "precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass
class Agreement:
    articles: list[str]
    exact: SpanScores
    overlap: SpanScores
    kappa: dict[str, Optional[float]] = field(default_factory=dict)
    pairs: int = 0

    def as_dict(self) -> dict:
        return {
            "articles": self.articles,
            "span_exact": self.exact.as_dict(),
            "span_overlap": self.overlap.as_dict(),
            "matched_pairs": self.pairs,
            "kappa": self.kappa,
        }


def _by_article(claims: Iterable[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in claims:
        out.setdefault(c["article_id"], []).append(c)
    return out


def agree(a: list[dict], b: list[dict]) -> Agreement:
    ga, gb = _by_article(a), _by_article(b)
    articles = sorted(set(ga) & set(gb))
    exact_m = overlap_m = n_a = n_b = 0
    pairs: list[tuple[dict, dict]] = []
    for art in articles:
        n_a += len(ga[art])
        n_b += len(gb[art])
        exact_m += len(match(ga[art], gb[art], exact=True))
        m = match(ga[art], gb[art], exact=False)
        overlap_m += len(m)
        pairs += m
    kappa: dict[str, Optional[float]] = {}
    for name, get in (
        ("certainty", lambda c: c["factuality"]["certainty"]),
        ("polarity", lambda c: c["factuality"]["polarity"]),
        ("conditional", lambda c: c["conditional"]),
    ):
        kappa[name] = cohen_kappa([get(x) for x, _ in pairs], [get(y) for _, y in pairs])
    per_type = {}
    for t in CLAIM_TYPES:
        per_type[t] = cohen_kappa([t in x["claim_types"] for x, _ in pairs], [t in y["claim_types"] for _, y in pairs])
        kappa[f"claim_type:{t}"] = per_type[t]
    defined = [v for v in per_type.values() if v is not None]
    kappa["claim_types (mean)"] = sum(defined) / len(defined) if defined else None
    return Agreement(articles, SpanScores(exact_m, n_a, n_b), SpanScores(overlap_m, n_a, n_b), kappa, len(pairs))


def format_agreement(ag: Agreement) -> str:
    def f(v):
        return "n/a" if v is None else f"{v:.3f}"

    lines = [
        f"articles compared: {len(ag.articles)} ({', '.join(ag.articles)})",
        "",
        "| span match | A claims | B claims | matched | precision | recall | F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in (("exact", ag.exact), ("overlap", ag.overlap)):
        lines.append(f"| {name} | {s.n_a} | {s.n_b} | {s.matched} | {f(s.precision)} | {f(s.recall)} | {f(s.f1)} |")
    lines += ["", f"Cohen's kappa over {ag.pairs} overlap-matched pairs:", "", "| label | kappa |", "|---|---|"]
    lines += [f"| {k} | {f(v)} |" for k, v in ag.kappa.items()]
    return "\n".join(lines)
