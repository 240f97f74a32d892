"""The annotations-only edition: the tables without the copyrighted text.

News text is copyrighted by its publishers. The annotations-only edition is a release in which

- every article's `text` is the empty string (`text_sha256` is kept);
- every quoted span's `text` (any record of the models with `start`, `end` and `text`: content,
  cues, hedges, mentions, quantities, corroboration and boilerplate spans) is replaced by
  `sha256:` and the SHA-256 of the UTF-8 quote; the offsets are kept;
- `text_fingerprints.jsonl` gives, per article, the text's length in code points and a 16-hex
  SHA-256 prefix of each 64-code-point block, enough to point at the first difference of a
  supplied text but far too coarse to reconstruct it.

The tables keep the schema of the full edition, so every loader reads both.
"""

from __future__ import annotations

import typing
from functools import cache
from typing import Callable, Iterator

from pydantic import BaseModel

from ..models import TABLES
from ..models.schemas import _kind, _unwrap
from ..utils import json_line, sha256_text

EDITION = "annotations-only"
FINGERPRINTS = "text_fingerprints.jsonl"
BLOCK = 64
BLOCK_HEX = 16
HASH_PREFIX = "sha256:"



# --- every span of a record, found through the models ------------------------------------------------


@cache
def _is_span_model(model: type[BaseModel]) -> bool:
    return {"start", "end", "text"} <= set(model.model_fields)


@cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, bool, type[BaseModel]], ...]:
    """(field, is a list, sub-model) of each field of `model` holding records: read once per model,
    not per record (a release strips millions)."""
    plan = []
    for name, info in model.model_fields.items():
        tp, _ = _unwrap(info.annotation)
        if _kind(tp) == "list":
            inner, _ = _unwrap(typing.get_args(tp)[0])
            if _kind(inner) == "struct":
                plan.append((name, True, inner))
        elif _kind(tp) == "struct":
            plan.append((name, False, tp))
    return tuple(plan)


def map_spans(model: type[BaseModel], obj: dict, fn: Callable[[dict], dict]) -> dict:
    """A copy of `obj` with `fn` applied to each span-like sub-record (start, end, text)."""
    out = dict(obj)
    for name, is_list, sub in _plan(model):
        value = obj.get(name)
        if value is None:
            continue
        out[name] = [_map_struct(sub, v, fn) for v in value] if is_list else _map_struct(sub, value, fn)
    return out


def _map_struct(model: type[BaseModel], value: dict, fn: Callable[[dict], dict]) -> dict:
    value = map_spans(model, value, fn)
    return fn(value) if _is_span_model(model) else value


def iter_spans(model: type[BaseModel], obj: dict) -> Iterator[dict]:
    found: list[dict] = []
    map_spans(model, obj, lambda s: found.append(s) or s)
    yield from found


def quote_hash(quote: str) -> str:
    return HASH_PREFIX + sha256_text(quote)


# --- stripping --------------------------------------------------------------------------------------


def fingerprint(article_id: str, text: str) -> dict:
    blocks = [sha256_text(text[i : i + BLOCK])[:BLOCK_HEX] for i in range(0, len(text), BLOCK)]
    return {"article_id": article_id, "text_sha256": sha256_text(text), "length": len(text), "block": BLOCK, "blocks": blocks}


def _hide(span: dict) -> dict:
    return {**span, "text": quote_hash(span["text"])}


def strip_record(table: str, obj: dict) -> dict:
    """One record of the annotations-only edition: quotes hashed, an article's text emptied."""
    out = map_spans(TABLES[table], obj, _hide)
    return {**out, "text": ""} if table == "articles" else out


def strip_texts(records: dict[str, list[dict]]) -> tuple[dict[str, list[dict]], dict[str, bytes]]:
    """Records without article text or quotes, and the fingerprints file to ship beside them."""
    out = {table: [strip_record(table, r) for r in rows] for table, rows in records.items()}
    prints = sorted((fingerprint(a["article_id"], a["text"]) for a in records["articles"]), key=lambda f: f["article_id"])
    return out, {FINGERPRINTS: "".join(json_line(f) + "\n" for f in prints).encode("utf-8")}
