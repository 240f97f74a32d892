"""Article-level splits: one explicit, deterministic assignment shipped with the package.

Splits are by article, never by claim: claims of one article share a text, claimants and a
reporting style, so a claim-level split would put near-copies on both sides.

Named splits: `train`, `test`, `all` (every assigned article), and `fold-1` ... `fold-N`, the
held-out article of each leave-one-article-out fold (train on the rest, `fold-k-train`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

SPLITS_FILE = Path(__file__).with_name("splits.json")


@lru_cache(maxsize=1)
def _raw() -> dict:
    return json.loads(SPLITS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def splits() -> dict[str, tuple[str, ...]]:
    """Every split name and its article IDs, in a stable order."""
    raw = _raw()
    out: dict[str, tuple[str, ...]] = {"train": tuple(raw["train"]), "test": tuple(raw["test"])}
    out["all"] = tuple(raw["train"]) + tuple(raw["test"])
    for k, art in enumerate(raw["folds"], 1):
        out[f"fold-{k}"] = (art,)
        out[f"fold-{k}-train"] = tuple(a for a in raw["folds"] if a != art)
    return out


# The splits published as files in every full release (release/splits/<table>-<split>.parquet) and
# as the Hugging Face configs `<table>-benchmark`: the tables a system reads and is scored on.
PUBLISHED = ("train", "test")
PUBLISHED_TABLES = ("claims", "articles", "clusters")


FILTER_FIELDS = ("article_id", "claim_ids")  # all that row_filter's predicates read of a row


def row_filter(table: str, split: Optional[str]):
    """A predicate over a table's rows (dicts) for a split, or None for all rows (no split, or the
    entities table, which every split shares). Claims and articles keep the split's articles'
    rows; clusters keep those with a claim in them (claim IDs start with their article ID)."""
    if split is None:
        return None
    ids = split_articles(split)  # ValueError naming the valid splits
    if table in ("claims", "articles"):
        return lambda row: row["article_id"] in ids
    if table == "clusters":
        return lambda row: any(cid.rsplit("-c", 1)[0] in ids for cid in row["claim_ids"])
    return None


def split_names() -> list[str]:
    return list(splits())


def split_articles(name: str) -> frozenset[str]:
    """The article IDs of a split; ValueError naming the valid splits for an unknown name."""
    table = splits()
    if name not in table:
        raise ValueError(f"unknown split {name!r}; choose one of {', '.join(table)}")
    return frozenset(table[name])


def evaluation_splits() -> list[str]:
    """The splits a benchmark table reports: test, train, all, then each held-out article."""
    return ["test", "train", "all"] + [n for n in splits() if n.startswith("fold-") and not n.endswith("-train")]


def fold_article(name: str) -> Optional[str]:
    if name.startswith("fold-") and not name.endswith("-train"):
        return splits()[name][0]
    return None


def assignment_problems(article_ids: Iterable[str]) -> list[str]:
    """What is wrong with the assignment for these released articles (empty when every article is in
    exactly one of train and test and in folds once, and no split names an unreleased article)."""
    raw = _raw()
    released = set(article_ids)
    train, test, folds = set(raw["train"]), set(raw["test"]), list(raw["folds"])
    out = []
    for a in sorted(released):
        if a not in train and a not in test:
            out.append(f"article {a} is in no split: add it to \"train\" or \"test\" and append it to \"folds\" in {SPLITS_FILE.name} (src/claimset/benchmark/)")
        elif a in train and a in test:
            out.append(f"article {a} is in both train and test: keep it in one")
        if a not in folds:
            out.append(f"article {a} is missing from \"folds\": append it")
    for a in sorted((train | test | set(folds)) - released):
        out.append(f"split file names {a}, which is not a released article: remove it")
    for a in sorted({a for a in folds if folds.count(a) > 1}):
        out.append(f"article {a} is listed twice in \"folds\"")
    return out
