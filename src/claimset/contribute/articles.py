"""Contributor tools for new sources: a raw text file becomes an article folder; a name becomes an entity.

Nobody counts characters by hand. `new_article` ingests a text file (UTF-8 check, NFC, line
endings, hash, proposed boilerplate) into data/articles/<id>/. Every refusal says why and what to do.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from ..models import ID_PATTERN, Rights
from ..sources import layout
from ..sources.ingest import Ingested, IngestError, find_span, ingest_bytes
from ..utils import json_pretty, read_regular
from ..validation.validate import Origin, check_new
from .common import (
    BOM,
    ContributeError,
    _check_date,
    _problems_text,
    _rel,
    article_id_for,
    rights_values,
)

# --- new-article -------------------------------------------------------------------------------------


@dataclass
class NewArticle:
    article: dict[str, Any]
    folder: Path
    ingested: Ingested
    notes: list[str] = field(default_factory=list)
    written: bool = False


def _nfc(s: str) -> str:
    """Passages typed or copied by a contributor, in the form the stored text has (NFC)."""
    return unicodedata.normalize("NFC", s)


def _parse_extra_boilerplate(text: str, spec: str) -> dict:
    kind, sep, quote = spec.partition("=")
    quote = _nfc(quote)
    kinds = ("advert", "navigation", "share_subscribe", "source_link", "other")
    if not sep or kind not in kinds:
        raise ContributeError(f"--boilerplate {spec!r}: write KIND=PASSAGE with KIND one of {', '.join(kinds)}")
    try:
        start, end = find_span(text, quote)
    except IngestError as e:
        raise ContributeError(f"--boilerplate {spec!r}: {e}") from None
    return {"start": start, "end": end, "kind": kind, "text": quote}


def new_article(
    root: Path,
    file: Path,
    *,
    title: Optional[str] = None,
    publisher: Optional[str] = None,
    published: Optional[str] = None,
    url: Optional[str] = None,
    article_id: Optional[str] = None,
    language: str = "en",
    rights: Optional[str] = None,
    provenance: Optional[str] = None,
    published_basis: Optional[str] = None,
    published_note: Optional[str] = None,
    not_boilerplate: Sequence[str] = (),
    extra_boilerplate: Sequence[str] = (),
    dry_run: bool = False,
) -> NewArticle:
    """Ingest a raw text file into data/articles/<article_id>/ (article.json + text.txt)."""
    root = Path(root)
    if rights not in typing.get_args(Rights):
        given = "is required" if rights is None else f"{rights!r} is not a rights value"
        raise ContributeError(f"--rights {given}: say what may be redistributed of the text: {rights_values()}", exit_code=2)
    try:
        data = read_regular(file)
    except OSError as e:
        raise ContributeError(f"{file}: cannot read ({e.strerror})", exit_code=2) from None
    notes = []
    if data.startswith(BOM):
        data = data[len(BOM) :]
        notes.append("removed the UTF-8 byte-order mark at the start of the file")
    try:
        ing = ingest_bytes(data, str(file))
    except IngestError as e:
        raise ContributeError(str(e)) from None
    text = ing.text
    published = _check_date(published, "--published")
    proposed = list(ing.boilerplate)
    not_boilerplate = [_nfc(p) for p in not_boilerplate]
    for passage in not_boilerplate:
        if not any(b["text"] == passage for b in proposed):
            found = ", ".join(repr(b["text"]) for b in proposed) or "none"
            raise ContributeError(f"--not-boilerplate {passage!r} is not a proposed boilerplate span (proposed: {found})")
    boilerplate = [b for b in proposed if b["text"] not in set(not_boilerplate)]
    boilerplate += [_parse_extra_boilerplate(text, s) for s in extra_boilerplate]
    boilerplate.sort(key=lambda b: (b["start"], b["end"]))
    if title is not None:
        title = _nfc(title)
    if title is None:
        taken = [(b["start"], b["end"]) for b in boilerplate]
        pos = 0
        for line in text.split("\n"):
            s = pos + len(line) - len(line.lstrip())
            if line.strip() and not any(a <= s < b for a, b in taken):
                title = line.strip()
                break
            pos += len(line) + 1
        notes.append(f"title taken from the first line of the text: {title!r} (give --title to change it)")
    elif title not in text:
        notes.append("the title does not appear in the text; check it is spelled as published")
    assert title is not None
    aid = article_id or article_id_for(title, published)
    if not re.fullmatch(ID_PATTERN, aid) or len(aid) > 120:
        raise ContributeError(f"article ID {aid!r} is not a slug: lower-case letters, digits and hyphens (give --id)")
    folder = layout.article_dir(root / "data", aid)
    if folder.exists():
        raise ContributeError(
            f"{_rel(root, folder)}/ already exists: an article ID is never reused; "
            "give another --id, or delete the folder if it is your own unmerged draft"
        )
    kind = published_basis or ("stated" if published else "unknown")
    if kind not in ("stated", "inferred", "unknown"):
        raise ContributeError(f"--published-basis {kind!r}: use stated, inferred or unknown")
    if published is None and kind != "unknown":
        raise ContributeError(f"--published-basis {kind} needs --published")
    note = published_note or {
        "stated": "The publication date is stated by the source (given to claimset new-article).",
        "inferred": "Inferred from the events the article reports.",
        "unknown": "No publication date in the text or its source.",
    }[kind]
    article = {
        "article_id": aid,
        "title": title,
        "publisher": publisher,
        "url": url,
        "published": published,
        "published_basis": {"kind": kind, "note": note},
        "language": language,
        "text": text,
        "text_sha256": ing.sha256,
        "boilerplate": boilerplate,
        "rights": rights,
        "provenance": provenance or f"contributed: {Path(file).name}",
    }
    meta = {k: v for k, v in article.items() if k != "text"}
    rel = _rel(root, folder)
    origin = Origin(f"{rel}/{layout.ARTICLE_FILE}", json_pretty(meta), 0, f"{rel}/{layout.TEXT_FILE}")
    problems = check_new(root, "articles", article, origin, ("article_id", aid))
    if problems:
        raise ContributeError("the article would not validate; nothing was written:\n" + _problems_text(problems))
    result = NewArticle(article, folder, ing, notes)
    if not dry_run:
        layout.write_article(root / "data", article)
        result.written = True
    return result


# --- passages -> offsets ------------------------------------------------------------------------------

# --- new-entity -------------------------------------------------------------------------------------------


def new_entity(
    root: Path,
    entity_id: str,
    *,
    name: str,
    type: str,
    description: str,
    aliases: Sequence[str] = (),
    wikidata: Optional[str] = None,
    dry_run: bool = False,
) -> tuple[dict, Path, bool]:
    """Write data/entities/<entity_id>.json after validating it against the dataset."""
    root = Path(root)
    path = Path(root) / "data" / layout.ENTITIES / f"{entity_id}.json"
    if path.exists():
        raise ContributeError(f"{_rel(root, path)} already exists: use that entity, or choose another ID")
    entity = {"entity_id": entity_id, "name": name, "type": type, "aliases": list(aliases), "description": description, "wikidata": wikidata}
    origin = Origin(f"data/{layout.ENTITIES}/{entity_id}.json", json_pretty(entity))
    problems = check_new(root, "entities", entity, origin, ("entity_id", entity_id))
    if problems:
        raise ContributeError("the entity would not validate; nothing was written:\n" + _problems_text(problems))
    if not dry_run:
        layout.write_entity(root / "data", entity)
    return entity, path, not dry_run
