"""`claimset agree A B...`: inter-annotator agreement, computed by the benchmark scorer.

Agreement is pass B scored against pass A as gold (claimset.benchmark.agreement): the same
one-to-one matching as `claimset evaluate` (greedy by the Jaccard overlap of content code points;
exact matches need identical spans), span precision/recall/F1 (A is the reference: precision is
matched / |B|, recall matched / |A|), attribute accuracy and macro-F1 on the overlap-matched pairs,
quantities, cluster membership (B-cubed and pairwise F1) and Cohen's kappa. This module keeps the
names that docs/agreement.md and the tests use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence, Union

from .agreement import Pass, PassAgreement, compare, read_pass
from .matching import match, points as _points, spans as _spans  # noqa: F401  (public since 0.1)
from .metrics import cohen_kappa  # noqa: F401
from .scorer import ATTRIBUTES, CLAIM_TYPES, kappas  # noqa: F401


def read_claims(path: Path) -> list[dict]:
    """Claims from a claims JSONL file, or every *claims.jsonl under a folder."""
    return read_pass([Path(path)]).claims


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
    detail: Optional[PassAgreement] = None

    def as_dict(self) -> dict:
        out = {
            "articles": self.articles,
            "span_exact": self.exact.as_dict(),
            "span_overlap": self.overlap.as_dict(),
            "matched_pairs": self.pairs,
            "kappa": self.kappa,
        }
        d = self.detail
        if d is not None:
            o = d.overall
            k = kappas(d.stats)
            out["tasks"] = d.tasks
            out["end_to_end"] = {kind: {m: o.get(f"end_to_end_{kind}.{m}") for m in ("precision", "recall", "f1")} for kind in ("exact", "overlap")} if "attribution" in d.tasks else None
            out["attributes"] = {
                a: {"pairs": o[f"{a}.pairs"], "accuracy": o[f"{a}.accuracy"], "macro_f1": o[f"{a}.macro_f1"], "kappa": k.get(a)} for a in ATTRIBUTES if f"{a}.accuracy" in o
            }
            out["quantities"] = {m: o.get(f"quantities.{m}") for m in ("precision", "recall", "f1")} if "typing" in d.tasks else None
            out["clusters"] = {m[len("clusters."):]: v for m, v in o.items() if m.startswith("clusters.")} or None
            out["annotators"] = {g: {"articles": v["articles"], "span_exact_f1": v["overall"]["span_exact.f1"], "span_overlap_f1": v["overall"]["span_overlap.f1"]} for g, v in d.groups.items()}
            out["per_article"] = d.per_article
        return out


def _as_pass(x: Union[Pass, Sequence[dict]]) -> Pass:
    return x if isinstance(x, Pass) else Pass(list(x))


def agree(a: Union[Pass, Sequence[dict]], b: Union[Pass, Sequence[dict]]) -> Agreement:
    """Agreement of B with A (the reference) on the articles both annotated."""
    d = compare(_as_pass(a), _as_pass(b))
    n = d.stats.n
    return Agreement(
        d.articles,
        SpanScores(n["tp_exact"], n["gold"], n["pred"]),
        SpanScores(n["tp_overlap"], n["gold"], n["pred"]),
        d.kappa,
        n["tp_overlap"],
        d,
    )


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
    d = ag.as_dict()
    if ag.detail is None:
        return "\n".join(lines)
    if d.get("end_to_end"):
        e = d["end_to_end"]
        lines += ["", f"End to end (span and claimant right): exact F1 {f(e['exact']['f1'])}, overlap F1 {f(e['overlap']['f1'])}"]
    if d["attributes"]:
        lines += ["", f"Attributes over the {ag.pairs} overlap-matched pairs (participants: pairs where A has an event):", "", "| attribute | pairs | accuracy | macro-F1 | kappa |", "|---|---|---|---|---|"]
        lines += [f"| {a} | {v['pairs']} | {f(v['accuracy'])} | {f(v['macro_f1'])} | {f(v['kappa'])} |" for a, v in d["attributes"].items()]
    if d.get("quantities"):
        q = d["quantities"]
        lines += ["", f"Quantities (value, bounds, unit) in matched pairs: precision {f(q['precision'])}, recall {f(q['recall'])}, F1 {f(q['f1'])}"]
    c = d.get("clusters")
    lines += [
        "",
        f"Cluster membership over matched pairs: B-cubed F1 {f(c['bcubed_f1'])} (P {f(c['bcubed_precision'])}, R {f(c['bcubed_recall'])}), pairwise F1 {f(c['pairwise_f1'])} (P {f(c['pairwise_precision'])}, R {f(c['pairwise_recall'])})"
        if c
        else "Cluster membership: not measured (needs a clusters.jsonl beside the claims files of both sets)",
    ]
    if len(d["annotators"]) > 1 or len(ag.articles) > 1:
        lines += ["", "| B annotator / article | span exact F1 | span overlap F1 |", "|---|---|---|"]
        lines += [f"| {k} | {f(v['span_exact.f1'])} | {f(v['span_overlap.f1'])} |" for k, v in d["per_article"].items()]
    return "\n".join(lines)


# The committed agreement report: `claimset agree --update` recomputes it from data/agreement/,
# so the figures in docs/agreement.md and the card (agreement.json) are never typed by hand.
AGREEMENT_DIR = Path("data") / "agreement"
REFERENCE = "first-pass"
REPORT_DOC = Path("docs") / "agreement.md"
REPORT_JSON = AGREEMENT_DIR / "agreement.json"
BEGIN = "<!-- BEGIN figures (generated by `claimset agree --update`; do not edit by hand) -->"
END = "<!-- END figures -->"


def default_passes(root: Path) -> tuple[Path, list[Path]]:
    """The reference pass (first-pass/) and every other annotator's folder under data/agreement/."""
    base = Path(root) / AGREEMENT_DIR
    ref = base / REFERENCE
    if not ref.is_dir():
        raise FileNotFoundError(f"{ref}: no reference pass (the first pass's claims files)")
    others = sorted(p for p in base.iterdir() if p.is_dir() and p.name != REFERENCE)
    if not others:
        raise FileNotFoundError(f"{base}: no second pass beside {REFERENCE}/")
    return ref, others


def _only(p: Pass, article: str) -> Pass:
    return Pass([c for c in p.claims if c["article_id"] == article], p.clusters, p.sources)


def report(root: Path) -> tuple[str, dict]:
    """The generated Markdown (overall, then each article) and the JSON stored for the card."""
    ref_dir, other_dirs = default_passes(root)
    ref, second = read_pass([ref_dir]), read_pass(other_dirs)
    overall = agree(ref, second)
    who = {c["article_id"]: c.get("annotator") or "?" for c in second.claims}
    parts = [
        BEGIN,
        "",
        f"Reference (A): `data/agreement/{REFERENCE}/`; second pass (B): "
        + ", ".join(f"`data/agreement/{p.name}/`" for p in other_dirs)
        + ". All articles together:",
        "",
        format_agreement(overall),
    ]
    for art in overall.articles:
        parts += ["", f"### `{art}` (second pass: {who.get(art, '?')})", "", format_agreement(agree(_only(ref, art), _only(second, art)))]
    parts += ["", END]
    return "\n".join(parts) + "\n", overall.as_dict()


def _json_text(d: dict) -> str:
    from ..utils import json_pretty

    return json_pretty(d)


def _spliced(doc: str, block: str) -> str:
    if BEGIN not in doc or END not in doc:
        raise ValueError(f"{REPORT_DOC}: the markers {BEGIN!r} and {END!r} are missing")
    head, rest = doc.split(BEGIN, 1)
    return head + block.rstrip("\n") + rest.split(END, 1)[1]


def stale(root: Path) -> list[Path]:
    """The committed report files that differ from what the passes give now."""
    block, data = report(root)
    root = Path(root)
    out = []
    if (root / REPORT_DOC).read_text(encoding="utf-8") != _spliced((root / REPORT_DOC).read_text(encoding="utf-8"), block):
        out.append(REPORT_DOC)
    p = root / REPORT_JSON
    if not p.is_file() or p.read_text(encoding="utf-8") != _json_text(data):
        out.append(REPORT_JSON)
    return out


def update(root: Path) -> list[Path]:
    """Rewrite the generated figures of docs/agreement.md and agreement.json; return what changed."""
    from ..utils import atomic_write_text

    block, data = report(root)
    root = Path(root)
    changed = stale(root)
    if REPORT_DOC in changed:
        atomic_write_text(root / REPORT_DOC, _spliced((root / REPORT_DOC).read_text(encoding="utf-8"), block))
    if REPORT_JSON in changed:
        atomic_write_text(root / REPORT_JSON, _json_text(data))
    return changed
