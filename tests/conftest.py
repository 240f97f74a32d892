"""Tiny dummy data (TensorFlow Datasets style): one small valid dataset built in a temp folder."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from claimset.sources.layout import write_article, write_claims, write_cluster, write_entity
from claimset.utils import sha256_text

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
# The five seed articles of the first release: what tests pin about them holds for them only.
SEED_FILES = ("000_df178182b5769c97.txt", "001_4ae87a3bd036c1c9.txt", "002_199f56126d5921ba.txt", "003_f18964f54b09951a.txt", "004_8c6f306b990f33ba.txt")

# Curly quotes, a no-break space and an ellipsis: code points, UTF-8 bytes and UTF-16 units differ.
TEXT = (
    "Kirby\u00a0says Pyongyang sent shells\n"
    "Advertisement:\n"
    "\u201cNorth Korea sent over 1000 boxes \u2026 to Russia,\u201d Kirby said on 2 October.\n"
    "North Korea denied it.\n"
)


def span(text: str, quote: str, nth: int = 1) -> dict:
    start = -1
    for _ in range(nth):
        start = text.index(quote, start + 1)
    return {"start": start, "end": start + len(quote), "text": quote}


def make_records(text: str = TEXT) -> dict:
    aid = "tiny-2023-10"
    article = {
        "article_id": aid,
        "title": "Kirby says Pyongyang sent shells",
        "publisher": None,
        "url": None,
        "published": "2023-10-05",
        "published_basis": {"kind": "stated", "note": "test fixture"},
        "language": "en",
        "text": text,
        "text_sha256": sha256_text(text),
        "boilerplate": [{**span(text, "Advertisement:"), "kind": "advert"}],
        "rights": "full_text",
        "provenance": "tests/conftest.py",
    }
    author = {"kind": "author", "entity_id": None, "name": "author", "mention": None}
    kirby = {"kind": "entity", "entity_id": "john-kirby", "name": "Kirby", "mention": span(text, "Kirby", 2)}
    boxes = {
        "span": span(text, "over 1000 boxes"),
        "value": 1000.0,
        "lower": 1000.0,
        "upper": None,
        "unit": "box",
        "per": None,
        "qualifier": "more_than",
        "approximate": False,
    }
    c1 = {
        "claim_id": f"{aid}-c001",
        "article_id": aid,
        "content": [span(text, "North Korea sent over 1000 boxes \u2026 to Russia,")],
        "claim": "North Korea sent over 1,000 boxes to Russia.",
        "claimant": kirby,
        "source_chain": [kirby, author],
        "cue": span(text, "said"),
        "statement_date": "2023-10-02",
        "factuality": {"certainty": "certain", "polarity": "positive"},
        "conditional": False,
        "hedges": [],
        "evidence": {"cited": ["none_stated"], "corroboration": "not_addressed", "corroboration_spans": []},
        "claim_types": ["event", "quantity", "quote"],
        "event": {
            "type": "arms_transfer",
            "agent": "north-korea",
            "recipient": "russia",
            "item": "military equipment",
            "item_entity_id": None,
            "quantity": boxes,
            "date": None,
            "location": None,
        },
        "quantities": [boxes],
        "annotator": "test",
    }
    nk = {"kind": "entity", "entity_id": "north-korea", "name": "North Korea", "mention": span(text, "North Korea", 2)}
    c2 = {
        **copy.deepcopy(c1),
        "claim_id": f"{aid}-c002",
        "content": [span(text, "it")],
        "claim": "North Korea did not send boxes to Russia.",
        "claimant": nk,
        "source_chain": [nk, author],
        "cue": span(text, "denied"),
        "statement_date": None,
        "factuality": {"certainty": "certain", "polarity": "negative"},
        "claim_types": ["event"],
        "event": None,
        "quantities": [],
    }
    c0 = {
        **copy.deepcopy(c2),
        "claim_id": f"{aid}-c000",
        "content": [span(text, "Pyongyang sent shells")],
        "claim": "North Korea sent shells to Russia.",
        "claimant": {**kirby, "mention": span(text, "Kirby")},
        "source_chain": [{**kirby, "mention": span(text, "Kirby")}, author],
        "cue": span(text, "says"),
        "factuality": {"certainty": "certain", "polarity": "positive"},
        "hedges": [],
    }
    entities = [
        {"entity_id": "john-kirby", "name": "John Kirby", "type": "person", "aliases": ["Kirby"], "description": "US official.", "wikidata": None},
        {"entity_id": "north-korea", "name": "North Korea", "type": "country", "aliases": ["Pyongyang"], "description": "A country.", "wikidata": "Q423"},
        {"entity_id": "russia", "name": "Russia", "type": "country", "aliases": [], "description": "A country.", "wikidata": "Q159"},
    ]
    cluster = {"cluster_id": "nk-sent-boxes", "proposition": "North Korea sent military equipment to Russia.", "claim_ids": [c1["claim_id"], c2["claim_id"]]}
    return {"article": article, "claims": [c0, c1, c2], "entities": entities, "clusters": [cluster]}


def write_dataset(root: Path, recs: dict) -> Path:
    data = root / "data"
    write_article(data, recs["article"])
    write_claims(data, recs["article"]["article_id"], recs["claims"])
    for e in recs["entities"]:
        write_entity(data, e)
    for c in recs["clusters"]:
        write_cluster(data, c)
    return root


@pytest.fixture
def records():
    return make_records()


@pytest.fixture
def tiny(tmp_path, records) -> Path:
    """A valid one-article dataset in a fresh repository root."""
    return write_dataset(tmp_path, records)


def claims_path(root: Path) -> Path:
    return root / "data" / "articles" / "tiny-2023-10" / "claims.jsonl"


def article_json(root: Path) -> Path:
    return root / "data" / "articles" / "tiny-2023-10" / "article.json"


def read_json(p: Path):
    return json.loads(p.read_text(encoding="utf-8"))
