"""Contributor tools for claims: quoted passages become code-point offsets and a complete claim.

`add_claim` turns quoted passages into code-point offsets, builds a complete claim record, validates
it against the whole dataset and only then appends it to the article's claims.jsonl. Every refusal
says why and what to do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from ..sources import layout
from ..sources.ingest import IngestError, find_span
from ..utils import atomic_write_bytes, json_line
from ..validation.validate import Origin, check_new
from .articles import _nfc
from .common import AUTHOR, ContributeError, _check_date, _problems_text, _rel, _suggest
from .coverage import sentences


@dataclass
class Source:
    """The article a claim is anchored in, as stored in data/."""

    article: dict[str, Any]
    text: str
    folder: Path


def load_article(root: Path, article_id: str) -> Source:
    root = Path(root)
    if not layout.is_id(article_id):
        raise ContributeError(f"{article_id!r} is not an article ID (lower-case letters, digits and '-'; see data/articles/)")
    folder = layout.article_dir(root / "data", article_id)
    if not (folder / layout.TEXT_FILE).is_file() or not (folder / layout.ARTICLE_FILE).is_file():
        base = root / "data" / layout.ARTICLES
        known = [p.name for p in base.iterdir() if p.is_dir()] if base.is_dir() else []
        raise ContributeError(
            f"no article {article_id!r} in data/articles/{_suggest(article_id, known)}; "
            "add it first with claimset new-article"
        )
    try:
        text = (folder / layout.TEXT_FILE).read_bytes().decode("utf-8")
        meta = json.loads((folder / layout.ARTICLE_FILE).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, OSError) as e:
        raise ContributeError(f"{_rel(root, folder)}/ cannot be read ({e}); run claimset validate to see why") from None
    if not isinstance(meta, dict):
        raise ContributeError(f"{_rel(root, folder)}/{layout.ARTICLE_FILE} is not a JSON object; run claimset validate")
    return Source(meta, text, folder)


def span_of(text: str, start: int, end: int) -> dict:
    return {"start": start, "end": end, "text": text[start:end]}


def find_passage(root: Path, article_id: str, quote: str, occurrence: Optional[int] = None) -> dict:
    """The span of a quoted passage in an article's text; refuses a missing or ambiguous match."""
    src = load_article(root, article_id)
    try:
        start, end = find_span(src.text, _nfc(quote), occurrence)
    except IngestError as e:
        raise ContributeError(str(e)) from None
    return span_of(src.text, start, end)


def _paragraph(text: str, pos: int) -> tuple[int, int]:
    s = text.rfind("\n", 0, pos) + 1
    e = text.find("\n", pos)
    return s, len(text) if e < 0 else e


def _scopes(text: str, anchor: tuple[int, int]) -> list[tuple[str, int, int]]:
    """Where to look for a cue, hedge or mention: the claim's sentence(s), its paragraph, the text."""
    a, b = anchor
    sents = [(s, e) for s, e in sentences(text) if s < max(b, a + 1) and a < e] or [(a, b)]
    ss, se = sents[0][0], sents[-1][1]
    ps, pe = _paragraph(text, a)[0], _paragraph(text, max(a, b - 1))[1]
    return [("the claim's sentence", ss, se), ("the claim's paragraph", ps, pe), ("the text", 0, len(text))]


def _hits(text: str, quote: str, lo: int, hi: int) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(quote), text) if lo <= m.start() and m.start() + len(quote) <= hi]


_CONTEXT = re.compile(r"(.*?)\[(.+)\](.*)", re.S)


def locate_near(text: str, quote: str, anchor: tuple[int, int], option: str) -> tuple[dict, str]:
    """Span of `quote` nearest the claim: the one match in its sentence, else paragraph, else text.

    When the words occur more than once there, quote some context and put the words of the span
    in square brackets: --cue "Kirby [said]".
    """
    if not quote:
        raise ContributeError(f"{option}: the quoted passage is empty")
    quote = _nfc(quote)
    inner_off, inner = 0, quote
    m = _CONTEXT.fullmatch(quote)
    if m and quote not in text:
        inner_off, inner, quote = len(m.group(1)), m.group(2), m.group(1) + m.group(2) + m.group(3)
    for where, lo, hi in _scopes(text, anchor):
        hits = _hits(text, quote, lo, hi)
        if len(hits) == 1:
            s = hits[0] + inner_off
            return span_of(text, s, s + len(inner)), f"only match in {where}"
        if len(hits) > 1:
            raise ContributeError(
                f"{option} {quote!r} occurs {len(hits)} times in {where} (at {', '.join(map(str, hits))}); "
                f"quote some words around it and put the span in [brackets], e.g. {option} \"... [{inner}] ...\""
            )
    try:
        find_span(text, quote)  # for its explanation (e.g. curly vs straight quotes)
    except IngestError as e:
        raise ContributeError(f"{option}: {e}") from None
    raise ContributeError(f"{option}: passage not found in the text: {quote!r}")  # pragma: no cover


def _nearest_mention(text: str, names: Sequence[str], anchor: tuple[int, int]) -> Optional[dict]:
    """The nearest name of a source in the claim's sentence, else in the sentence before it."""
    a, b = anchor
    sents = sentences(text)
    idx = [i for i, (s, e) in enumerate(sents) if s < max(b, a + 1) and a < e]
    if not idx:
        return None
    scopes = [(sents[idx[0]][0], sents[idx[-1]][1])]
    if idx[0] > 0:
        scopes.append(sents[idx[0] - 1])
    for lo, hi in scopes:
        found = []
        for name in names:
            for s in _hits(text, name, lo, hi):
                e = s + len(name)
                if s < b and a < e:
                    continue  # inside the claim's own words
                dist = a - e if e <= a else s - b
                found.append((dist, -len(name), s, e))
        if found:
            _, _, s, e = min(found)
            return span_of(text, s, e)
    return None


# --- add-claim ------------------------------------------------------------------------------------------


@dataclass
class AddedClaim:
    record: dict[str, Any]
    path: Path
    line: int
    choices: list[tuple[str, dict, str]] = field(default_factory=list)  # (field, span, how it was found)
    notes: list[str] = field(default_factory=list)
    written: bool = False


def load_entities(root: Path) -> dict[str, dict]:
    out = {}
    folder = Path(root) / "data" / layout.ENTITIES
    if folder.is_dir():
        for p in sorted(folder.glob("*.json")):
            try:
                obj = json.loads(p.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                continue
            if isinstance(obj, dict) and isinstance(obj.get("entity_id"), str):
                out[obj["entity_id"]] = obj
    return out


_CLAIM_NO = r'"claim_id"\s*:\s*"{aid}-c([0-9]+)"'


def next_claim_id(root: Path, article_id: str) -> str:
    """One more than any number this article's claims ever used here or in the release."""
    rx = re.compile(_CLAIM_NO.format(aid=re.escape(article_id)))
    used = [0]
    for p in (layout.article_dir(Path(root) / "data", article_id) / layout.CLAIMS_FILE, Path(root) / "release" / "claims.jsonl"):
        if p.is_file():
            used += [int(n) for n in rx.findall(p.read_bytes().decode("utf-8", "replace"))]
    return f"{article_id}-c{max(used) + 1:03d}"


_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_QUALIFIERS = [
    (r"\b(at least|no fewer than|no less than|a minimum of)\b", "at_least"),
    (r"\b(more than|over|above|in excess of|upwards of)\b", "more_than"),
    (r"\b(up to|as many as|as much as)\b", "up_to"),
    (r"\b(at most|no more than|fewer than|less than|under|below)\b", "at_most"),
]
_APPROX = re.compile(r"\b(about|around|approximately|roughly|nearly|almost|some|an estimated|estimated|close to)\b", re.I)


def parse_quantity(spec: str, text: str, anchor: tuple[int, int]) -> dict:
    """--quantity 'PASSAGE|unit=box[|value=..|lower=..|upper=..|qualifier=..|approximate=true|per=year]'.

    value, bounds, qualifier and approximate are read from the passage when not given
    (guidelines section 8); the unit is always required.
    """
    quote, *pairs = spec.split("|")
    opts: dict[str, str] = {}
    for pair in pairs:
        k, sep, v = pair.partition("=")
        if not sep or k.strip() not in ("unit", "value", "lower", "upper", "qualifier", "approximate", "per"):
            raise ContributeError(f"--quantity {spec!r}: {pair!r} is not one of unit=, value=, lower=, upper=, qualifier=, approximate=, per=")
        opts[k.strip()] = v.strip()
    if not opts.get("unit"):
        raise ContributeError(f"--quantity {spec!r}: give the unit, singular: --quantity '{quote}|unit=...'")
    span, _ = locate_near(text, quote, anchor, "--quantity")
    words = span["text"].lower()
    nums = []
    for m in _NUM.finditer(span["text"]):
        n = float(m.group(0).replace(",", ""))
        after = span["text"][m.end() :].split()
        if after and after[0].lower().rstrip(".,") in _SCALE:
            n *= _SCALE[after[0].lower().rstrip(".,")]
        nums.append(n)
    qualifier = "exact"
    if len(nums) == 2 and re.search(r"\d\s*(-|\u2013|to|and)\s*\d|between", words):
        qualifier = "range"
    else:
        for rx, q in _QUALIFIERS:
            if re.search(rx, words):
                qualifier = q
                break
    qualifier = opts.get("qualifier", qualifier)

    def num(key: str, default: Optional[float]) -> Optional[float]:
        if key not in opts:
            return default
        if opts[key] in ("", "null", "none"):
            return None
        try:
            return float(opts[key])
        except ValueError:
            raise ContributeError(f"--quantity {spec!r}: {key}={opts[key]!r} is not a number") from None

    value = None if qualifier == "range" else (nums[0] if nums else None)
    value = num("value", value)
    if value is None and qualifier != "range" and "value" not in opts:
        raise ContributeError(f"--quantity {spec!r}: no figure in the passage; give value=")
    lower = num("lower", nums[0] if qualifier == "range" and nums else value if qualifier in ("at_least", "more_than") else None)
    upper = num("upper", nums[1] if qualifier == "range" and len(nums) > 1 else value if qualifier in ("up_to", "at_most") else None)
    approx = opts.get("approximate", "true" if _APPROX.search(words) else "false").lower()
    if approx not in ("true", "false"):
        raise ContributeError(f"--quantity {spec!r}: approximate= takes true or false")
    return {
        "span": span,
        "value": value,
        "lower": lower,
        "upper": upper,
        "unit": opts["unit"],
        "per": opts.get("per") or None,
        "qualifier": qualifier,
        "approximate": approx == "true",
    }


def add_claim(
    root: Path,
    article_id: str,
    *,
    quotes: Sequence[str],
    claim: str,
    claimant: str,
    annotator: str,
    occurrence: Optional[int] = None,
    mention: Optional[str] = None,
    relays: Sequence[str] = (),
    cue: Optional[str] = None,
    hedges: Sequence[str] = (),
    certainty: str = "certain",
    polarity: str = "positive",
    conditional: bool = False,
    types: Sequence[str] = (),
    cited: Sequence[str] = (),
    corroboration: str = "not_addressed",
    corroboration_spans: Sequence[str] = (),
    statement_date: Optional[str] = None,
    quantities: Sequence[str] = (),
    event: Optional[str] = None,
    agent: Optional[str] = None,
    recipient: Optional[str] = None,
    item: Optional[str] = None,
    event_date: Optional[str] = None,
    event_quantity: bool = False,
    dry_run: bool = False,
) -> AddedClaim:
    """Build a complete claim from quoted passages, validate it, append it to claims.jsonl."""
    root = Path(root)
    src = load_article(root, article_id)
    text = src.text
    choices: list[tuple[str, dict, str]] = []
    notes: list[str] = []
    if not quotes:
        raise ContributeError("give the claim's words with --quote (repeat it for an interrupted quote)")
    quotes = [_nfc(q) for q in quotes]
    if not types:
        raise ContributeError("give at least one --type: event, quantity, causal, position, prediction, commitment or quote")
    statement_date = _check_date(statement_date, "--statement-date")
    event_date = _check_date(event_date, "--event-date")

    # content: the first passage by itself (ambiguity refused), each further one after the previous
    content = []
    try:
        s, e = find_span(text, quotes[0], occurrence)
    except IngestError as err:
        raise ContributeError(f"--quote: {err}") from None
    content.append(span_of(text, s, e))
    choices.append(("content[0]", content[0], f"occurrence {occurrence}" if occurrence else "only match in the text"))
    for i, q in enumerate(quotes[1:], 1):
        at = text.find(q, content[-1]["end"]) if q else -1
        if at < 0:
            raise ContributeError(f"--quote {q!r} (part {i + 1}) does not occur after part {i}; list an interrupted quote's parts in text order")
        content.append(span_of(text, at, at + len(q)))
        choices.append((f"content[{i}]", content[-1], f"first match after part {i}"))
    anchor = (content[0]["start"], content[-1]["end"])

    entities = load_entities(root)

    def source(ref: str, role: str, said: Optional[str]) -> dict:
        if ref == "author":
            if said:
                raise ContributeError(f"{role}: the author has no mention")
            return dict(AUTHOR)
        if ref not in entities:
            raise ContributeError(
                f"{role} {ref!r} is not in data/entities/{_suggest(ref, entities)}; "
                f"use an entity ID, 'author', or add the entity with claimset new-entity {ref} ..."
            )
        ent = entities[ref]
        if said:
            sp, how = locate_near(text, said, anchor, f"{role} mention")
        else:
            names = [ent.get("name", "")] + list(ent.get("aliases") or [])
            sp, how = _nearest_mention(text, [n for n in names if isinstance(n, str) and n], anchor), f"nearest name of {ref}"
            if sp is None:
                notes.append(
                    f"no name of {ref} found in the claim's sentence or the one before: mention is null; "
                    f"give the words (a pronoun, a title) with {'--mention' if role == 'claimant' else '--relay ID=WORDS'} if the text names the source"
                )
        if sp is not None:
            choices.append((f"{role} mention", sp, how))
        return {"kind": "entity", "entity_id": ref, "name": sp["text"] if sp else ent.get("name", ref), "mention": sp}

    claimant_src = source(claimant, "claimant", mention)
    chain = [claimant_src]
    for r in relays:
        ref, _, said = r.partition("=")
        chain.append(source(ref.strip(), "relay", said or None))
    if claimant != "author":
        chain.append(dict(AUTHOR))

    def near(quote: str, option: str) -> dict:
        sp, how = locate_near(text, quote, anchor, option)
        choices.append((option.lstrip("-"), sp, how))
        return sp

    cue_span = near(cue, "--cue") if cue else None
    hedge_spans = [near(h, "--hedge") for h in hedges]
    corr_spans = [near(c, "--corroboration-span") for c in corroboration_spans]
    qty = [parse_quantity(q, text, anchor) for q in quantities]
    for i, q in enumerate(qty):
        value = "?" if q["value"] is None else f"{q['value']:g}"
        bounds = "".join(f", {k} {q[k]:g}" for k in ("lower", "upper") if q[k] is not None)
        choices.append((f"quantities[{i}]", q["span"], f"{q['qualifier']} {value} {q['unit']}{bounds}"))
    types = list(types)
    if qty and "quantity" not in types:
        types.append("quantity")
        notes.append("claim type quantity added, as the claim has quantities")
    if statement_date is None and claimant == "author" and isinstance(src.article.get("published"), str):
        statement_date = src.article["published"]
        notes.append(f"statement_date set to the publication date {statement_date} (the author's own claim)")
    ev = None
    if event:
        ev = {
            "type": event,
            "agent": agent,
            "recipient": recipient,
            "item": item,
            "item_entity_id": None,
            "quantity": qty[0] if event_quantity else None,
            "date": event_date,
            "location": None,
        }
    elif agent or recipient or item or event_date or event_quantity:
        raise ContributeError("--agent, --recipient, --item, --event-date and --event-quantity describe an event: give its type with --event")
    if event_quantity and not qty:
        raise ContributeError("--event-quantity takes the first --quantity as the event's: give one")

    cid = next_claim_id(root, article_id)
    record = {
        "claim_id": cid,
        "article_id": article_id,
        "content": content,
        "claim": claim,
        "claimant": claimant_src,
        "source_chain": chain,
        "cue": cue_span,
        "statement_date": statement_date,
        "factuality": {"certainty": certainty, "polarity": polarity},
        "conditional": conditional,
        "hedges": hedge_spans,
        "evidence": {"cited": list(cited) or ["none_stated"], "corroboration": corroboration, "corroboration_spans": corr_spans},
        "claim_types": types,
        "event": ev,
        "quantities": qty,
        "annotator": annotator,
    }
    path = src.folder / layout.CLAIMS_FILE
    existing = path.read_bytes() if path.is_file() else b""
    if existing and not existing.endswith(b"\n"):
        existing += b"\n"
    line = existing.count(b"\n") + 1
    raw = json_line(record)
    origin = Origin(_rel(root, path), raw, line - 1)
    problems = check_new(root, "claims", record, origin, ("article_id", article_id))
    if problems:
        raise ContributeError("the claim would not validate; nothing was written:\n" + _problems_text(problems))
    result = AddedClaim(record, path, line, choices, notes)
    if not dry_run:
        atomic_write_bytes(path, existing + (raw + "\n").encode("utf-8"))
        result.written = True
    return result

