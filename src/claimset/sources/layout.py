"""Where sources live in data/ and how they are written.

    data/articles/<article_id>/article.json   metadata (every article field but text)
    data/articles/<article_id>/text.txt       the text, exactly, UTF-8, no BOM
    data/articles/<article_id>/claims.jsonl   one claim per line
    data/entities/<entity_id>.json            one entity per file
    data/clusters/<cluster_id>.json           one cluster per file

One article per folder and one entity or cluster per file, so two pull requests that add
different things never touch the same file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from ..models import ID_PATTERN

from ..utils import atomic_write_bytes, atomic_write_text, json_line, json_pretty

ARTICLES = "articles"
ENTITIES = "entities"
CLUSTERS = "clusters"
ARTICLE_FILE = "article.json"
TEXT_FILE = "text.txt"
CLAIMS_FILE = "claims.jsonl"


def is_id(value) -> bool:
    """An ID as the models define it ([a-z0-9-], no '-' at either end): also a safe folder name."""
    return isinstance(value, str) and 0 < len(value) <= 120 and re.fullmatch(ID_PATTERN, value) is not None


def article_dir(data: Path, article_id: str) -> Path:
    """data/articles/<article_id>; refuses anything that is not an ID (a path such as ../../x)."""
    if not is_id(article_id):
        raise ValueError(f"{article_id!r} is not an article ID (lower-case letters, digits and '-')")
    return Path(data) / ARTICLES / article_id


def write_article(data: Path, article: dict[str, Any]) -> Path:
    folder = article_dir(data, article["article_id"])
    meta = {k: v for k, v in article.items() if k != "text"}
    atomic_write_bytes(folder / TEXT_FILE, article["text"].encode("utf-8"))
    atomic_write_text(folder / ARTICLE_FILE, json_pretty(meta))
    return folder


def write_claims(data: Path, article_id: str, claims: Iterable[dict[str, Any]]) -> Path:
    """Write an article's claims; no claims means no file (an empty JSONL file is an error)."""
    path = article_dir(data, article_id) / CLAIMS_FILE
    lines = "".join(json_line(c) + "\n" for c in claims)
    if lines:
        atomic_write_text(path, lines)
    else:
        path.unlink(missing_ok=True)
    return path


def write_entity(data: Path, entity: dict[str, Any]) -> Path:
    path = Path(data) / ENTITIES / f"{entity['entity_id']}.json"
    atomic_write_text(path, json_pretty(entity))
    return path


def write_cluster(data: Path, cluster: dict[str, Any]) -> Path:
    path = Path(data) / CLUSTERS / f"{cluster['cluster_id']}.json"
    atomic_write_text(path, json_pretty(cluster))
    return path
