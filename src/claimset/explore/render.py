"""An article's text with every claim's spans as nested elements, and the small formatters the templates call."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Optional

from markupsafe import Markup, escape

from .release import Site


def fmt_number(x: Optional[float]) -> str:
    if x is None:
        return "\u2013"
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def fmt_quantity(q: dict) -> str:
    parts = [fmt_number(q["value"]) if q["value"] is not None else "", q["unit"]]
    text = " ".join(p for p in parts if p)
    if q["per"]:
        text += f" per {q['per']}"
    bounds = f"[{fmt_number(q['lower'])}, {fmt_number(q['upper'])}]"
    extra = q["qualifier"].replace("_", " ") + (", approximate" if q["approximate"] else "")
    return f"{text} {bounds} ({extra})"


# --------------------------------------------------------------------------- the article text


LAYERS = ("mention", "relay", "cue", "hedge", "corroboration", "quantity")
LAYER_TITLE = {
    "mention": "claimant mention",
    "relay": "relay mention",
    "cue": "reporting cue",
    "hedge": "hedge",
    "corroboration": "corroboration",
    "quantity": "quantity",
}


def _esc(text: str) -> str:
    # HTML parsers turn CR and CRLF into LF; a character reference keeps a stored CR a CR.
    return str(escape(text)).replace("\r", "&#13;")


def _spans_of(c: dict) -> Iterable[tuple[str, dict]]:
    mention = c["claimant"]["mention"]
    if mention:
        yield "mention", mention
    for src in c["source_chain"][1:]:
        if src["mention"] and src["mention"] != mention:
            yield "relay", src["mention"]
    if c["cue"]:
        yield "cue", c["cue"]
    for h in c["hedges"]:
        yield "hedge", h
    for s in c["evidence"]["corroboration_spans"]:
        yield "corroboration", s
    quantities = list(c["quantities"])
    if c["event"] and c["event"]["quantity"] and c["event"]["quantity"] not in quantities:
        quantities.append(c["event"]["quantity"])
    for q in quantities:
        yield "quantity", q["span"]


def render_text(site: Site, article: dict, claims: list[dict]) -> Markup:
    """The article text as HTML whose text content is exactly article['text'].

    A sweep over the span boundaries: between two consecutive boundaries the set of covering
    spans is constant, and that segment is wrapped once per covering span.
    """
    text = article["text"]
    n = len(text)
    items: list[tuple[int, int, str, Any]] = []  # (start, end, kind, payload)
    for b in article["boilerplate"]:
        items.append((b["start"], b["end"], "boilerplate", b["kind"]))
    for c in claims:
        for i, sp in enumerate(c["content"]):
            items.append((sp["start"], sp["end"], "content", (c, i)))
        for layer, sp in _spans_of(c):
            items.append((sp["start"], sp["end"], layer, c["claim_id"]))
    clip = lambda v: min(max(v, 0), n)  # noqa: E731
    starts: dict[int, list[int]] = defaultdict(list)
    ends: dict[int, list[int]] = defaultdict(list)
    for k, (a, b, _, _) in enumerate(items):
        if clip(a) < clip(b):
            starts[clip(a)].append(k)
            ends[clip(b)].append(k)
    cuts = sorted({0, n, *starts, *ends})
    active: set[int] = set()
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        html = _esc(text[a:b])
        here = [items[k] for k in sorted(active)]
        # innermost first: the smaller layers (cue, hedge, mention, ...), then the claims' content
        for layer in reversed(LAYERS):
            ids = sorted({p for _, _, kind, p in here if kind == layer})
            if ids:
                html = f'<span class="{layer}" data-of="{_esc(" ".join(ids))}" title="{LAYER_TITLE[layer]}">{html}</span>'
        covering = sorted(
            ((st, e, p[0], p[1]) for st, e, kind, p in here if kind == "content"),
            key=lambda t: (t[0], -t[1], t[2]["claim_id"], t[3]),
        )
        depth = len(covering)
        for level, (st, _e, c, i) in reversed(list(enumerate(covering))):
            cid = c["claim_id"]
            attrs = [
                f'class="claim {site.classes(c)}"',
                f'data-claim="{_esc(cid)}"',
                f'data-span="{i}"',
                f'title="{_esc(site.label(c) + ": " + c["claim"])}"',
            ]
            if depth > 1:
                attrs.append(f'style="--ring:{depth - 1 - level}"')
            if a == clip(st):
                if i == 0:
                    attrs += ['data-head=""', f'id="hl-{_esc(cid)}"', 'tabindex="0"', f'data-label="{_esc(site.label(c))}"']
                else:
                    attrs.append(f'data-label="{_esc(chr(0x21B3) + " " + site.short(cid))}"')
            html = f"<mark {' '.join(attrs)}>{html}</mark>"
        kinds = sorted({p for _, _, kind, p in here if kind == "boilerplate"})
        if kinds:
            html = f'<span class="boilerplate" data-kind="{_esc(" ".join(kinds))}" title="boilerplate: {_esc(", ".join(kinds))}">{html}</span>'
        out.append(html)
    return Markup("".join(out))


