"""`claimset stats`: what the sources hold, counted per table, article, claimant and label.

Counts come from data/ as the validator reads it (records that fail the schema are left out
and the number of problems is shown), so a contributor sees the effect of an edit at once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..models import TABLES

LABELS: list[tuple[str, Any]] = [
    ("factuality.certainty", lambda c: [c["factuality"]["certainty"]]),
    ("factuality.polarity", lambda c: [c["factuality"]["polarity"]]),
    ("conditional", lambda c: [str(c["conditional"]).lower()]),
    ("claim_types", lambda c: c["claim_types"]),
    ("evidence.cited", lambda c: c["evidence"]["cited"]),
    ("evidence.corroboration", lambda c: [c["evidence"]["corroboration"]]),
    ("event.type", lambda c: [c["event"]["type"] if c["event"] else "(no event)"]),
    ("claimant.kind", lambda c: [c["claimant"]["kind"]]),
]


@dataclass
class Stats:
    tables: dict[str, int]
    articles: list[dict[str, Any]]
    claimants: list[dict[str, Any]]
    labels: dict[str, dict[str, int]]
    problems: int = 0
    article: Optional[str] = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tables": self.tables,
            "articles": self.articles,
            "claimants": self.claimants,
            "labels": self.labels,
            "problems": self.problems,
            "article": self.article,
        }


def _referenced(claims: list[dict]) -> set[str]:
    """Entity IDs the claims name: sources, event participants, places, weapon systems."""
    out = set()
    for c in claims:
        out |= {s["entity_id"] for s in [c["claimant"], *c["source_chain"]] if s["entity_id"]}
        ev = c["event"]
        if ev:
            out |= {ev[k] for k in ("agent", "recipient", "item_entity_id") if ev[k]}
            if ev["location"] and ev["location"]["entity_id"]:
                out.add(ev["location"]["entity_id"])
    return out


def compute(root: Path, article: Optional[str] = None) -> Stats:
    """Count the sources under root/data (one article only when `article` is given)."""
    from ..publish.build import collect

    report, recs = collect(Path(root))
    articles = recs["articles"]
    claims = recs["claims"]
    if article is not None:
        articles = [a for a in articles if a["article_id"] == article]
        claims = [c for c in claims if c["article_id"] == article]
    names = {e["entity_id"]: e["name"] for e in recs["entities"]}
    per_article = Counter(c["article_id"] for c in claims)
    rows = []
    for a in sorted(articles, key=lambda a: a["article_id"]):
        mine = [c for c in claims if c["article_id"] == a["article_id"]]
        rows.append(
            {
                "article_id": a["article_id"],
                "published": a["published"],
                "characters": len(a["text"]),
                "boilerplate": len(a["boilerplate"]),
                "claims": per_article[a["article_id"]],
                "claimants": len({(c["claimant"]["kind"], c["claimant"]["entity_id"]) for c in mine}),
            }
        )
    who = Counter(c["claimant"]["entity_id"] or "author" for c in claims)
    claimants = [
        {"claimant": k, "name": "(the article's author)" if k == "author" else names.get(k, "?"), "claims": n}
        for k, n in sorted(who.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    labels: dict[str, dict[str, int]] = {}
    for name, get in LABELS:
        cnt = Counter(v for c in claims for v in get(c))
        labels[name] = dict(sorted(cnt.items(), key=lambda kv: (-kv[1], kv[0])))
    if article is None:
        tables = {t: len(recs[t]) for t in TABLES}
    else:
        cl = [k for k in recs["clusters"] if set(k["claim_ids"]) & {c["claim_id"] for c in claims}]
        tables = {"articles": len(articles), "claims": len(claims), "entities": len(_referenced(claims)), "clusters": len(cl)}
    return Stats(tables, rows, claimants, labels, len(report.problems), article)


def _cell(value: Any) -> str:
    """A TSV cell: no tab or newline can break the row (IDs and names never hold one; be safe)."""
    return "-" if value is None else " ".join(str(value).split())


def tsv(stats: Stats) -> str:
    """The counts as tab-separated blocks, for pipes and scripts: one header line and one line per
    row each, blank lines between blocks, plain numbers, nothing wrapped or folded.

    Blocks: table/records, article/published/chars/boilerplate/claims/claimants,
    claimant/name/claims, field/value/claims (the field repeated on every line)."""
    blocks = [
        [("table", "records"), *stats.tables.items()],
        [
            ("article", "published", "chars", "boilerplate", "claims", "claimants"),
            *[(r["article_id"], r["published"], r["characters"], r["boilerplate"], r["claims"], r["claimants"]) for r in stats.articles],
        ],
        [("claimant", "name", "claims"), *[(r["claimant"], r["name"], r["claims"]) for r in stats.claimants]],
        [("field", "value", "claims"), *[(name, v, n) for name, counts in stats.labels.items() for v, n in counts.items()]],
    ]
    text = "\n\n".join("\n".join("\t".join(_cell(c) for c in row) for row in block) for block in blocks) + "\n"
    if stats.problems:
        text += f"\n# {stats.problems} validation problem(s): records that fail the schema are not counted; run claimset validate\n"
    return text


def render(stats: Stats, console=None) -> None:
    """Print the counts as terminal tables (rich)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    if stats.article:
        console.print(f"Article {stats.article} (entities: those its claims name; clusters: those holding its claims)", soft_wrap=True)

    t = Table(title="Records per table", box=box.SIMPLE_HEAD, title_justify="left")
    t.add_column("table", no_wrap=True)
    t.add_column("records", justify="right", no_wrap=True, min_width=7)
    for name, n in stats.tables.items():
        t.add_row(name, str(n))
    console.print(t)

    t = Table(title="Per article", box=box.SIMPLE_HEAD, title_justify="left")
    t.add_column("article", overflow="fold", ratio=1)  # long IDs fold; the numbers never do
    for col in ("published", "chars", "boilerplate", "claims", "claimants"):
        t.add_column(col, justify="left" if col == "published" else "right", no_wrap=True, min_width=len(col))
    for r in stats.articles:
        t.add_row(r["article_id"], r["published"] or "-", f"{r['characters']:,}", str(r["boilerplate"]), str(r["claims"]), str(r["claimants"]))
    console.print(t)

    t = Table(title="Per claimant", box=box.SIMPLE_HEAD, title_justify="left")
    t.add_column("claimant", overflow="fold")
    t.add_column("name", overflow="fold")
    t.add_column("claims", justify="right", no_wrap=True, min_width=6)
    for r in stats.claimants:
        t.add_row(r["claimant"], r["name"], str(r["claims"]))
    console.print(t)

    t = Table(title="Per label", box=box.SIMPLE_HEAD, title_justify="left")
    t.add_column("field", overflow="fold")
    t.add_column("value", overflow="fold")
    t.add_column("claims", justify="right", no_wrap=True, min_width=6)
    for name, counts in stats.labels.items():
        for i, (value, n) in enumerate(counts.items()):
            t.add_row(name if i == 0 else "", value, str(n))
    console.print(t)
    if stats.problems:
        console.print(f"{stats.problems} validation problem(s): records that fail the schema are not counted; run claimset validate")
