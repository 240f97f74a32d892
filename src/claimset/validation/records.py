"""The record layer (C4xx): each rule once, deciding and wording its problem in one function.

Rules run on typed records (the msgspec structs of typed.py), only once the record's structure is
valid, so a rule never sees a missing field or a wrong type. Each rule's valid case comes first and
costs a few comparisons; paths and messages are built only for a problem. Every reader (the
one-process reader, the streaming reader, `claimset add-claim`) calls these functions.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence

from ..sources.jsonpos import line_col
from ..models import check_partial_date
from ..utils import sha256_text
from .problems import Origin, Sink
from .structure import _short


@dataclass
class ArticleInfo:
    """What claims need of their article: the text, boilerplate spans and publication date."""

    text: Optional[str]
    boilerplate: list[tuple[int, int]]
    published: Optional[str]


# --- spans (C411-C414) ---------------------------------------------------------------------------

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u2013": "-", "\u2014": "-"})


def _diagnose(text: str, start: int, end: int, quoted: str) -> str:
    actual = text[start:end]
    if actual.translate(_FOLD) == quoted.translate(_FOLD):
        for a, q in zip(actual, quoted):
            if a != q:
                return f"the text has {a!r} (U+{ord(a):04X}) where the span has {q!r} (U+{ord(q):04X}): copy the characters from the text"
    data = text.encode("utf-8")
    if data[start:end].decode("utf-8", "replace") == quoted:
        b0 = len(data[:start].decode("utf-8", "ignore"))
        return f"the offsets are UTF-8 byte offsets; in code points the passage is at {b0}-{b0 + len(quoted)}"
    u16 = text.encode("utf-16-le")
    if u16[2 * start : 2 * end].decode("utf-16-le", "replace") == quoted:
        return "the offsets are UTF-16 code units; claimset counts Unicode code points"
    hits = []
    i = text.find(quoted)
    while i >= 0 and len(hits) < 5:
        hits.append(i)
        i = text.find(quoted, i + 1)
    if hits:
        best = min(hits, key=lambda h: abs(h - start))
        delta = best - start
        if delta == 0:
            return f"the start is right, the end is not: set end={best + len(quoted)}"
        where = f"off by {delta:+d}" if abs(delta) <= 3 else f"the passage is at {best}-{best + len(quoted)}"
        return f"{where}: set start={best}, end={best + len(quoted)}"
    return "the passage does not occur in the text; re-quote it exactly and recompute the offsets"


def check_span(span, text: str, origin: Origin, path: Sequence[Any], sink: Sink) -> bool:
    """C411-C414: the span's offsets are in order, inside the text, and quote it exactly."""
    s, e, quoted = span.start, span.end, span.text
    if s < e <= len(text) and text[s:e] == quoted:
        return True
    if e < s:
        sink.rec(origin, [*path, "end"], "C411", f"end {e} is before start {s}")
    elif e == s:
        sink.rec(origin, [*path, "end"], "C412", f"empty span at {s} (start == end)")
    elif e > len(text):
        sink.rec(origin, [*path, "end"], "C413", f"end {e} is past the end of the text ({len(text)} code points)")
    else:
        sink.rec(
            origin,
            [*path, "text"],
            "C414",
            f"span text {_short(quoted)} differs from text[{s}:{e}] = {_short(text[s:e])}; {_diagnose(text, s, e, quoted)}",
        )
    return False


# --- dates (C403, C404) ----------------------------------------------------------------------------

_CALENDAR: dict[str, bool] = {}


def _on_calendar(value: str) -> bool:
    ok = _CALENDAR.get(value)
    if ok is None:
        try:
            check_partial_date(value)
            ok = True
        except ValueError:
            ok = False
        if len(_CALENDAR) > 65536:
            _CALENDAR.clear()
        _CALENDAR[value] = ok
    return ok


def check_date(value: Optional[str], origin: Origin, path: Sequence[Any], sink: Sink) -> bool:
    """C403: a date the calendar has (the pattern is structure)."""
    if value is None or _on_calendar(value):
        return True
    sink.rec(origin, list(path), "C403", f"{value!r} is not a date on the calendar")
    return False


def date_after(a: str, b: str) -> bool:
    """True when partial date a is certainly later than partial date b."""
    n = min(len(a), len(b))
    return a[:n] > b[:n]


def check_statement_date(c, art: Optional[ArticleInfo], origin: Origin, sink: Sink) -> None:
    """C403, C404: the statement date is on the calendar and not after the article's publication."""
    sdate = c.statement_date
    if sdate is None:
        return
    if check_date(sdate, origin, ("statement_date",), sink) and sdate and art and art.published and date_after(sdate, art.published):
        sink.rec(origin, ["statement_date"], "C404", f"statement date {sdate} is after the article's publication ({art.published})")


# --- articles (C401, C402, C416) -------------------------------------------------------------------


def check_article(a, text: str, origin: Origin, sink: Sink) -> ArticleInfo:
    """C401 NFC, C402 hash, C403 publication date, C411-C414 and C416 boilerplate spans."""
    if not unicodedata.is_normalized("NFC", text):
        i = next(i for i, c in enumerate(text) if unicodedata.normalize("NFC", text[: i + 1]) != text[: i + 1])
        file, line, col = (origin.text_file, *line_col(text, i)) if origin.text_file else origin.position(["text"])
        sink.at(file, line, col, "C401", "text", f"the text is not NFC (first at code point {i}); normalise it to NFC")
    else:
        digest = sha256_text(text)
        if digest != a.text_sha256:
            sink.rec(origin, ["text_sha256"], "C402", f"text_sha256 is {a.text_sha256[:12]}..., the text hashes to {digest[:12]}...")
    published = a.published if check_date(a.published, origin, ("published",), sink) else None
    spans = []
    prev_end = -1
    for i, bp in enumerate(a.boilerplate):
        if check_span(bp, text, origin, ("boilerplate", i), sink):
            if bp.start < prev_end:
                sink.rec(origin, ["boilerplate", i], "C416", "boilerplate spans overlap or are not in text order")
            prev_end = bp.end
            spans.append((bp.start, bp.end))
    return ArticleInfo(text, spans, published)


# --- claims ------------------------------------------------------------------------------------------


def check_claim_id(c, origin: Origin, sink: Sink, prefix: Optional[str] = None) -> None:
    """C436: the claim ID starts with its article ID and '-c'."""
    if not c.claim_id.startswith(prefix or c.article_id + "-c"):
        sink.rec(origin, ["claim_id"], "C436", f"claim ID {c.claim_id!r} should start with '{c.article_id}-c'")


def check_sources(c, origin: Origin, sink: Sink) -> None:
    """C431 entity_id null exactly for the author; C432 the chain runs from the claimant to the author."""
    cl = c.claimant
    if (cl.kind == "author") != (cl.entity_id is None):
        _source_kind(cl, ["claimant"], origin, sink)
    chain = c.source_chain
    for i, s in enumerate(chain):
        if (s.kind == "author") != (s.entity_id is None):
            _source_kind(s, ["source_chain", i], origin, sink)
    if chain[-1].kind != "author":
        sink.rec(origin, ["source_chain", len(chain) - 1], "C432", "the source chain must end with the author ({\"kind\": \"author\", ...})")
    if chain[0].kind != cl.kind or chain[0].entity_id != cl.entity_id:
        sink.rec(origin, ["source_chain", 0], "C432", f"the source chain must start with the claimant ({cl.entity_id or 'author'})")


def _source_kind(src, path: list, origin: Origin, sink: Sink) -> None:
    want = "null" if src.kind == "author" else "an entity ID"
    sink.rec(origin, path + ["entity_id"], "C431", f"a source of kind {src.kind!r} needs entity_id {want}")


def check_evidence(c, origin: Origin, sink: Sink) -> None:
    """C433: none_stated alone, or at least one kind of evidence."""
    cited = c.evidence.cited
    if not cited or (len(cited) > 1 and "none_stated" in cited):
        sink.rec(origin, ["evidence", "cited"], "C433", "list what the claimant cites, or none_stated alone")


def check_quantity_type(c, origin: Origin, sink: Sink) -> None:
    """C434: claim_types has quantity exactly when quantities are given."""
    has_q = bool(c.quantities)
    if ("quantity" in c.claim_types) != has_q:
        msg = "claim_types has quantity but quantities is empty" if not has_q else "quantities are given but claim_types lacks quantity"
        sink.rec(origin, ["claim_types"], "C434", msg)


def _dupes(values: list) -> list:
    seen, out = set(), []
    for v in values:
        if v in seen and v not in out:
            out.append(v)
        seen.add(v)
    return out


def check_unique(values: list, path: list, what: str, origin: Origin, sink: Sink) -> None:
    """C435: a value listed twice (`what` names it in the message: "", "alias ", "claim ")."""
    if len(values) > 1 and len(set(values)) != len(values):
        for d in _dupes(values):
            sink.rec(origin, path, "C435", f"{what}{d!r} is listed twice")


def check_unique_spans(spans: list, path: list, origin: Origin, sink: Sink) -> None:
    """C435: the same span listed twice (the problem points at the repeat)."""
    if len(spans) < 2:
        return
    keys = [(sp.start, sp.end) for sp in spans]
    if len(set(keys)) == len(keys):
        return
    for a, b in _dupes(keys):
        i = len(keys) - 1 - keys[::-1].index((a, b))
        sink.rec(origin, path + [i], "C435", f"the span {a}-{b} is listed twice")


def check_quantity(q, origin: Origin, path: Sequence[Any], sink: Sink) -> None:
    """C421: lower <= value <= upper (the first pair out of order is reported)."""
    lo, v, hi = q.lower, q.value, q.upper
    for na, a, nb, b in (("lower", lo, "value", v), ("value", v, "upper", hi), ("lower", lo, "upper", hi)):
        if a is not None and b is not None and a > b:
            sink.rec(origin, [*path, na], "C421", f"{na} {a:g} is greater than {nb} {b:g}")
            return


def check_spans(c, art: ArticleInfo, origin: Origin, sink: Sink) -> None:
    """Every span of a claim against its article's text (C411-C414), content spans in text order
    (C416) and outside boilerplate (C415)."""
    text = art.text
    cl = c.claimant
    if cl.mention is not None:
        check_span(cl.mention, text, origin, ("claimant", "mention"), sink)
    for i, s in enumerate(c.source_chain):
        if s.mention is not None:
            check_span(s.mention, text, origin, ("source_chain", i, "mention"), sink)
    if c.cue is not None:
        check_span(c.cue, text, origin, ("cue",), sink)
    if c.hedges:  # most lists are empty: no enumerate for them
        for i, s in enumerate(c.hedges):
            check_span(s, text, origin, ("hedges", i), sink)
    if c.evidence.corroboration_spans:
        for i, s in enumerate(c.evidence.corroboration_spans):
            check_span(s, text, origin, ("evidence", "corroboration_spans", i), sink)
    if c.quantities:
        for i, q in enumerate(c.quantities):
            check_span(q.span, text, origin, ("quantities", i, "span"), sink)
    ev = c.event
    if ev is not None and ev.quantity is not None:
        check_span(ev.quantity.span, text, origin, ("event", "quantity", "span"), sink)
    prev = -1
    boilerplate = art.boilerplate
    for i, span in enumerate(c.content):
        if not check_span(span, text, origin, ("content", i), sink):
            continue
        s, e = span.start, span.end
        if s < prev:
            sink.rec(origin, ["content", i], "C416", "content spans overlap or are not in text order")
        prev = e
        for bs, be in boilerplate:
            if s < be and bs < e:
                sink.rec(origin, ["content", i], "C415", f"content span {s}-{e} overlaps boilerplate {bs}-{be} {_short(text[bs:be], 40)}")
                break


def check_claim(c, origin: Origin, art: Optional[ArticleInfo], sink: Sink, prefix: Optional[str] = None) -> None:
    """Every record rule of a claim; the span rules only with its article's text."""
    check_claim_id(c, origin, sink, prefix)
    check_sources(c, origin, sink)
    check_evidence(c, origin, sink)
    check_quantity_type(c, origin, sink)
    evidence = c.evidence
    # a list of one item repeats nothing: most of these are short, and a call costs more than the test
    if len(c.claim_types) > 1:
        check_unique(c.claim_types, ["claim_types"], "", origin, sink)
    if len(evidence.cited) > 1:
        check_unique(evidence.cited, ["evidence", "cited"], "", origin, sink)
    if len(c.hedges) > 1:
        check_unique_spans(c.hedges, ["hedges"], origin, sink)
    if len(evidence.corroboration_spans) > 1:
        check_unique_spans(evidence.corroboration_spans, ["evidence", "corroboration_spans"], origin, sink)
    if c.quantities:
        for i, q in enumerate(c.quantities):
            check_quantity(q, origin, ("quantities", i), sink)
    ev = c.event
    if ev is not None:
        if ev.quantity is not None:
            check_quantity(ev.quantity, origin, ("event", "quantity"), sink)
        check_date(ev.date, origin, ("event", "date"), sink)
    check_statement_date(c, art, origin, sink)
    if art is not None and art.text is not None:
        check_spans(c, art, origin, sink)


def entity_refs(c) -> Iterator[tuple[tuple, str]]:
    """(path, entity ID) of every entity a claim names (checked by the dataset layer, C503)."""
    cl = c.claimant
    if cl.entity_id is not None:
        yield ("claimant", "entity_id"), cl.entity_id
    for i, s in enumerate(c.source_chain):
        if s.entity_id is not None:
            yield ("source_chain", i, "entity_id"), s.entity_id
    ev = c.event
    if ev is not None:
        if ev.agent is not None:
            yield ("event", "agent"), ev.agent
        if ev.recipient is not None:
            yield ("event", "recipient"), ev.recipient
        if ev.item_entity_id is not None:
            yield ("event", "item_entity_id"), ev.item_entity_id
        if ev.location is not None and ev.location.entity_id is not None:
            yield ("event", "location", "entity_id"), ev.location.entity_id


def content_key(c) -> str:
    """What two claims of one article may not share (C505): the article and the content offsets,
    as one string (an ID has no space, so the key is one-to-one; a string is what the streaming
    reader's Arrow columns hold)."""
    content = c.content
    if len(content) == 1:
        s = content[0]
        return f"{c.article_id} {s.start}-{s.end}"
    return c.article_id + "".join([f" {s.start}-{s.end}" for s in content])


# --- entities, clusters, placement -------------------------------------------------------------------


def check_entity(e, origin: Origin, sink: Sink) -> None:
    check_unique(e.aliases, ["aliases"], "alias ", origin, sink)


def check_cluster(k, origin: Origin, sink: Sink) -> None:
    check_unique(k.claim_ids, ["claim_ids"], "claim ", origin, sink)


def check_place(rec, id_field: str, expected: str, origin: Origin, sink: Sink) -> bool:
    """C437: the record's ID (or a claim's article ID) is the name of its file or folder."""
    got = getattr(rec, id_field)
    if got == expected:
        return True
    sink.rec(origin, [id_field], "C437", f"{id_field} {got!r} does not match its file or folder name {expected!r}")
    return False
