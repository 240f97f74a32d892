"""Seeded synthetic corpora, generated from the models (for benchmarks and differential tests).

The shape of every record comes from walking the pydantic models (field names, types, enums,
nullability, list bounds, ID and date patterns), not from a second hand-written schema. What the
models cannot say is the handful of cross-field rules the validator checks (rules.py C4xx: spans
are text[start:end], the source chain starts with the claimant and ends with the author, quantity
bounds are ordered, ...); `_fix_*` enforce exactly those, so every generated corpus is valid.

    python -m claimset.synth OUT --claims 10000 --shape jsonl|dirs
"""

from __future__ import annotations

import argparse
import random
import typing
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

from ..models import DATE_PATTERN, ID_PATTERN, TEXT_PATTERN, URL_PATTERN, Article, Claim, Entity, Span
from ..models.schemas import _kind, _unwrap
from ..utils import json_line, sha256_text

WORDS = (
    "the officials said north korea shipped artillery shells to russia according to intelligence reports "
    "which could not be independently verified while analysts warned that missiles were used in attacks on "
    "ukraine and the ministry denied any transfer of weapons as talks continued in the capital"
).split()
NAMES = ["John Kirby", "the Pentagon", "Seoul", "Kyiv", "the Kremlin", "Reuters", "the ministry", "analysts"]
ODD = ["\u201c", "\u201d", "\u2019", "\u00a0", "\u2026", "\u2013"]  # code points, UTF-8 bytes and UTF-16 units differ


def _constraints(info_or_tp: Any) -> dict:
    """pattern / min_length / ge from the Annotated metadata of a field (what the JSON Schema says)."""
    out: dict = {}
    metas = list(getattr(info_or_tp, "metadata", []) or [])
    tp = getattr(info_or_tp, "annotation", info_or_tp)
    todo = [tp]
    while todo:
        t = todo.pop()
        origin = typing.get_origin(t)
        if origin is typing.Annotated:
            args = typing.get_args(t)
            metas += list(args[1:])
            todo.append(args[0])
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            todo.extend(a for a in typing.get_args(t) if a is not type(None))
    for m in metas:
        for src in [m, *(getattr(m, "metadata", []) or [])]:
            for k in ("pattern", "min_length", "max_length", "ge"):
                v = getattr(src, k, None)
                if v is not None:
                    out.setdefault(k, v)
    return out


_PLANS: dict = {}
_FIELDS: dict = {}


def _plan(tp: Any) -> tuple:
    """(inner type, nullable, kind, constraints) of a type, computed once per type."""
    key = id(tp)
    got = _PLANS.get(key)
    if got is None:
        inner, nullable = _unwrap(tp)
        got = _PLANS[key] = (inner, nullable, _kind(inner), _constraints(tp), tp)
    return got[:4]


def _fields(model: type[BaseModel]) -> list:
    got = _FIELDS.get(model)
    if got is None:
        got = _FIELDS[model] = [(name, info.annotation, _constraints(info)) for name, info in model.model_fields.items()]
    return got


class Gen:
    """Values for model fields, driven by the field types; spans are cut from the current text."""

    def __init__(self, rng: random.Random, entity_ids: list[str]):
        self.rng = rng
        self.entity_ids = entity_ids
        self.text = ""

    def words(self, lo: int, hi: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(lo, hi)))

    def span(self) -> dict:
        text = self.text
        for _ in range(20):
            s = self.rng.randrange(0, max(1, len(text) - 40))
            e = s + self.rng.randint(3, 14)
            if e <= len(text) and text[s:e].strip():
                return {"start": s, "end": e, "text": text[s:e]}
        return {"start": 0, "end": 1, "text": text[:1]}

    def date(self) -> str:
        y, m, d = self.rng.randint(2019, 2024), self.rng.randint(1, 12), self.rng.randint(1, 28)
        return self.rng.choice([f"{y}", f"{y}-{m:02d}", f"{y}-{m:02d}-{d:02d}"])

    def value(self, tp: Any, name: str, cons: dict, p_null: float = 0.35, max_items: int = 2) -> Any:
        inner, nullable, kind, tcons = _plan(tp)
        cons = {**tcons, **cons} if cons else tcons
        if nullable and self.rng.random() < p_null:
            return None
        if kind == "struct":
            return self.model(inner)
        if kind == "enum":
            return self.rng.choice(typing.get_args(inner))
        if kind == "bool":
            return self.rng.random() < 0.2
        if kind == "float":
            return float(self.rng.choice([3, 10, 100, 1000, 2.5, 12000]))
        if kind == "int":
            return self.rng.randint(cons.get("ge", 0), 1000)
        if kind == "list":
            item = typing.get_args(inner)[0]
            n = self.rng.randint(cons.get("min_length", 0), max(cons.get("min_length", 0), max_items))
            return [self.value(item, name, {}, p_null) for _ in range(n)]
        pattern = cons.get("pattern")
        if pattern == ID_PATTERN:
            return self.rng.choice(self.entity_ids)
        if pattern == DATE_PATTERN:
            return self.date()
        if pattern == URL_PATTERN:
            return f"https://example.org/{self.rng.randint(1, 99999)}"
        if pattern and pattern != TEXT_PATTERN:
            return {"wikidata": f"Q{self.rng.randint(1, 99999)}", "language": "en"}.get(name, "x")
        return self.words(1, 3)

    def model(self, model: type[BaseModel], **fixed: Any) -> dict:
        if model is Span:
            return self.span()
        out = {}
        for name, annotation, cons in _fields(model):
            out[name] = fixed[name] if name in fixed else self.value(annotation, name, cons)
        return out


def make_text(rng: random.Random, n_chars: int) -> tuple[str, list[tuple[int, int]]]:
    """An article text with a few boilerplate lines and non-ASCII characters."""
    parts, bps, size = [], [], 0
    while size < n_chars:
        if parts and rng.random() < 0.08:
            s = size
            parts.append("Advertisement\n")
            size += len(parts[-1])
            bps.append((s, size - 1))
            continue
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
        if rng.random() < 0.5:
            words.insert(rng.randrange(len(words)), rng.choice(ODD) + rng.choice(WORDS) + rng.choice(ODD))
        sent = " ".join(words).capitalize() + ".\n"
        parts.append(sent)
        size += len(sent)
    return "".join(parts), bps


def _fix_claim(c: dict, g: Gen, aid: str, i: int, published: str, bps: list[tuple[int, int]]) -> dict:
    """The cross-field rules (C4xx) the models cannot state."""
    rng = g.rng
    c["claim_id"], c["article_id"] = f"{aid}-c{i:04d}", aid
    text = g.text
    # content: one or two spans in text order, outside boilerplate
    content = []
    while not content:
        s = rng.randrange(0, max(1, len(text) - 80))
        e = s + rng.randint(8, 24)
        if e <= len(text) and not any(s < be and bs < e for bs, be in bps) and (s, e) not in g.used:
            g.used.add((s, e))
            content = [{"start": s, "end": e, "text": text[s:e]}]
    c["content"] = content
    author = {"kind": "author", "entity_id": None, "name": "author", "mention": None}
    if c["claimant"]["kind"] == "author":
        c["claimant"] = author
        c["source_chain"] = [author]
    else:
        c["claimant"]["entity_id"] = c["claimant"]["entity_id"] or rng.choice(g.entity_ids)
        c["claimant"]["name"] = rng.choice(NAMES)
        if rng.random() < 0.7:
            c["claimant"]["mention"] = None
        c["source_chain"] = [c["claimant"], author]
    c["evidence"]["cited"] = [rng.choice(["none_stated", "intelligence", "imagery", "official_statement"])]
    c["evidence"]["corroboration_spans"] = c["evidence"]["corroboration_spans"][:1] if rng.random() < 0.1 else []
    c["hedges"] = c["hedges"][:1] if rng.random() < 0.2 else []
    c["claim"] = g.words(3, 6).capitalize() + "."
    if rng.random() < 0.4:
        c["cue"] = None
    c["annotator"] = f"ann-{rng.randint(1, 9)}"
    if c["event"] is not None and rng.random() < 0.75:
        c["event"] = None
    types = list(dict.fromkeys(t for t in c["claim_types"] if t != "quantity")) or ["event"]
    c["quantities"] = c["quantities"][:1] if rng.random() < 0.12 else []
    if c["quantities"]:
        types.append("quantity")
    c["claim_types"] = types
    for q in c["quantities"] + ([c["event"]["quantity"]] if c["event"] and c["event"]["quantity"] else []):
        q["lower"], q["upper"] = (q["value"], None) if q["value"] is not None else (q["lower"], None)
    if c["event"] is not None and rng.random() < 0.5:
        c["event"]["quantity"] = None
    sd = c["statement_date"]
    if sd is not None and sd[: min(len(sd), len(published))] > published[: min(len(sd), len(published))]:
        c["statement_date"] = published
    return c


def corpus(n_claims: int, seed: int = 0, claims_per_article: int = 10, text_chars: int = 2000, n_entities: int = 200) -> Iterator[tuple[str, Any]]:
    """("entity", e) ... then ("article", a) followed by its ("claim", c) records, then ("cluster", k)."""
    rng = random.Random(seed)
    entity_ids = [f"entity-{i:04d}" for i in range(n_entities)]
    g = Gen(rng, entity_ids)
    for eid in entity_ids:
        e = g.model(Entity, entity_id=eid)
        e["aliases"] = list(dict.fromkeys(e["aliases"]))
        yield "entity", e
    n_articles = max(1, -(-n_claims // claims_per_article))
    made = 0
    sample: list[str] = []
    first = None
    for a in range(n_articles):
        aid = f"a{seed}-{a:07d}"
        text, bps = make_text(rng, text_chars)
        g.text = text
        g.used = set()
        art = g.model(Article, article_id=aid, text=text, text_sha256=sha256_text(text), language="en")
        art["published"] = g.date()
        art["boilerplate"] = [{"start": s, "end": e, "kind": "advert", "text": text[s:e]} for s, e in bps]
        yield "article", art
        for i in range(min(claims_per_article, n_claims - made)):
            c = _fix_claim(g.model(Claim), g, aid, i, art["published"], bps)
            made += 1
            if len(sample) < 50 and rng.random() < 0.01:
                sample.append(c["claim_id"])
            first = first or c["claim_id"]
            yield "claim", c
    sample = sample or ([first] if first else [])  # small corpora: still one cluster (no empty file)
    for k in range(max(1, len(sample) // 5)):
        ids = sample[k * 5 : k * 5 + 5]
        if ids:
            yield "cluster", {"cluster_id": f"cluster-{k:04d}", "proposition": g.words(5, 10), "claim_ids": ids}


def write_jsonl(out: Path, n_claims: int, seed: int = 0, **kw: Any) -> dict[str, Path]:
    """One JSONL file per table: entities.jsonl, articles.jsonl, claims.jsonl, clusters.jsonl."""
    out.mkdir(parents=True, exist_ok=True)
    names = {"entity": "entities", "article": "articles", "claim": "claims", "cluster": "clusters"}
    files = {t: open(out / f"{t}.jsonl", "w", encoding="utf-8", newline="\n") for t in names.values()}
    try:
        for kind, rec in corpus(n_claims, seed, **kw):
            files[names[kind]].write(json_line(rec) + "\n")
    finally:
        for f in files.values():
            f.close()
    return {t: out / f"{t}.jsonl" for t in names.values()}


def write_dirs(out: Path, n_claims: int, seed: int = 0, **kw: Any) -> Path:
    """The data/ layout: one folder per article (article.json, text.txt, claims.jsonl)."""
    import json

    data = out / "data"
    (data / "entities").mkdir(parents=True, exist_ok=True)
    (data / "clusters").mkdir(parents=True, exist_ok=True)
    folder, lines = None, []

    def flush():
        if folder is not None and lines:
            (folder / "claims.jsonl").write_text("".join(lines), encoding="utf-8")

    for kind, rec in corpus(n_claims, seed, **kw):
        if kind == "entity":
            (data / "entities" / f"{rec['entity_id']}.json").write_text(json.dumps(rec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        elif kind == "article":
            flush()
            folder, lines = data / "articles" / rec["article_id"], []
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "text.txt").write_bytes(rec["text"].encode("utf-8"))
            meta = {k: v for k, v in rec.items() if k != "text"}
            (folder / "article.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        elif kind == "claim":
            lines.append(json_line(rec) + "\n")
        else:
            (data / "clusters" / f"{rec['cluster_id']}.json").write_text(json.dumps(rec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    flush()
    return data


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--claims", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shape", choices=["jsonl", "dirs"], default="jsonl")
    args = ap.parse_args(argv)
    (write_jsonl if args.shape == "jsonl" else write_dirs)(args.out, args.claims, args.seed)


if __name__ == "__main__":
    main()
