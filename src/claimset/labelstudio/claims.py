"""One Label Studio annotation -> claim records (not yet validated against the dataset).

An annotation's result is a flat list: regions (type "labels"), per-region answers (same id as
their region, type "choices", "textarea" or "number") and relations. A claim is a head (a Content
region carrying claim fields) plus the regions related to it; see config.py. Every problem keeps
the task, annotation and region it came from, so an annotator can find it in the editor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from . import config as C
from .offsets import OffsetError, Utf16Map, span_from_region


@dataclass(frozen=True)
class Issue:
    task: Any
    annotation: Any
    region: Optional[str]
    field: str
    message: str
    fix: str

    def line(self) -> str:
        where = f"task {self.task}, annotation {self.annotation}" + (f", region {self.region}" if self.region else "")
        return f"{where}: {self.field}: {self.message}; {self.fix}"


@dataclass
class Built:
    record: dict
    head: str
    regions: dict[str, list[str]] = field(default_factory=dict)  # claim field -> region ids, for problems
    base: Optional[dict] = None  # the claim as exported, when this is an existing claim


@dataclass
class Context:
    task: Any
    annotation: Any
    article_id: str
    text: str
    boilerplate: list[tuple[int, int, str]]
    entities: dict[str, dict]
    base: dict[str, dict]  # claim_id -> claim as exported
    annotator: Optional[str]
    issues: list[Issue] = field(default_factory=list)

    def issue(self, region: Optional[str], fld: str, message: str, fix: str) -> None:
        self.issues.append(Issue(self.task, self.annotation, region, fld, message, fix))


def _one(values: Any) -> Any:
    if isinstance(values, list):
        return values[0] if len(values) == 1 else (None if not values else values)
    return values


def _answer(attrs: dict, name: str) -> Any:
    """The value of a per-region answer: text for a TextArea, the choice(s), or the number."""
    v = attrs.get(name)
    if v is None:
        return None
    for key in ("text", "choices", "number"):
        if key in v:
            return v[key]
    return None


def _text(ctx: Context, attrs: dict, rid: str, name: str) -> Optional[str]:
    v = _answer(attrs, name)
    if isinstance(v, list):
        v = [s for s in v if isinstance(s, str) and s.strip()]
        if len(v) > 1:
            ctx.issue(rid, name, f"{len(v)} answers {v!r}", "keep one answer in this text box")
            return None
        v = v[0] if v else None
    if v is not None and not isinstance(v, str):
        ctx.issue(rid, name, f"{v!r} is not text", "type the value as text")
        return None
    v = v.strip() if isinstance(v, str) else None
    return v or None


def _choice(ctx: Context, attrs: dict, rid: str, name: str, multi: bool = False) -> Any:
    v = _answer(attrs, name)
    if v is None:
        return [] if multi else None
    v = v if isinstance(v, list) else [v]
    if multi:
        return list(dict.fromkeys(v))
    if len(v) != 1:
        ctx.issue(rid, name, f"{len(v)} choices {v!r}", "choose exactly one")
        return None
    return v[0]


def _number(ctx: Context, attrs: dict, rid: str, name: str) -> Optional[float]:
    v = _answer(attrs, name)
    v = _one(v) if isinstance(v, list) else v
    if v in (None, ""):
        return None
    if isinstance(v, str):
        try:
            v = float(v) if any(c in v for c in ".eE") else int(v)
        except ValueError:
            ctx.issue(rid, name, f"{v!r} is not a number", "type a number, or leave it empty")
            return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        ctx.issue(rid, name, f"{v!r} is not a number", "type a number, or leave it empty")
        return None
    return v


def _source(ctx: Context, ref: str, mention: Optional[dict], base: Optional[dict]) -> dict:
    if ref == C.AUTHOR:
        return {"kind": "author", "entity_id": None, "name": "author", "mention": None}
    if mention is not None:
        name = mention["text"]
    elif base is not None and base.get("entity_id") == ref and base.get("mention") is None:
        name = base["name"]  # a name the annotator chose earlier for an unnamed source
    else:
        name = str(ctx.entities.get(ref, {}).get("name", ref))
    return {"kind": "entity", "entity_id": ref, "name": name, "mention": mention}


def parse(ctx: Context, result: list) -> list[Built]:
    """The claims of one annotation; problems go to ctx.issues (the caller writes nothing if any)."""
    m = Utf16Map(ctx.text)
    regions: dict[str, dict] = {}
    attrs: dict[str, dict] = {}
    relations: list[tuple[str, str]] = []
    for i, item in enumerate(result if isinstance(result, list) else []):
        if not isinstance(item, dict):
            ctx.issue(None, f"result[{i}]", "is not an object", "export the project again as JSON")
            continue
        rid, kind, control = item.get("id"), item.get("type"), item.get("from_name")
        if kind == "relation":
            relations.append((str(item.get("from_id")), str(item.get("to_id"))))
        elif kind == "labels" and control in (C.SPAN, C.BOILERPLATE):
            regions[str(rid)] = item
        elif control in C.PER_REGION and rid is not None:
            attrs.setdefault(str(rid), {})[control] = item.get("value") or {}
        else:
            ctx.issue(str(rid) if rid else None, str(control), f"a result of control {control!r} ({kind})",
                      "use the project's labeling configuration from claimset export label-studio")
    spans: dict[str, dict] = {}
    labels: dict[str, str] = {}
    for rid, item in regions.items():
        if item["from_name"] == C.BOILERPLATE:
            continue  # shown to annotators, never imported: the article's boilerplate is in data/
        v = item.get("value") or {}
        label = _one(v.get("labels") or [])
        if label not in C.SPAN_LABELS:
            ctx.issue(rid, "labels", f"label {label!r} is not one of {', '.join(C.SPAN_LABELS)}", "give the region one label")
            continue
        try:
            s, e, _how = span_from_region(m, v.get("start"), v.get("end"), v.get("text"))
        except OffsetError as err:
            ctx.issue(rid, f"{label} span", str(err), "select the words again in the editor")
            continue
        if s == e:
            ctx.issue(rid, f"{label} span", "the region is empty", "select at least one character, or delete the region")
            continue
        for bs, be, kind in ctx.boilerplate:
            if s < be and bs < e:
                ctx.issue(rid, f"{label} span", f"{ctx.text[s:e]!r} ({s}-{e}) runs into boilerplate ({kind}, {bs}-{be}: {ctx.text[bs:be][:40]!r})",
                          "no claim words in boilerplate: shrink the region to the article's own text")
                break
        spans[rid] = {"start": s, "end": e, "text": ctx.text[s:e]}
        labels[rid] = label
    claim_names = {n for n, _, _ in C.CLAIM_CONTROLS}
    heads = [r for r in spans if labels[r] == C.CONTENT and claim_names & set(attrs.get(r, {}))]
    for rid, a in attrs.items():
        if rid in regions and rid not in spans:
            continue
        if rid not in spans:
            ctx.issue(rid, ", ".join(sorted(a)), "answers for a region that is not in the annotation", "delete them or redraw the region")
    members: dict[str, list[str]] = {h: [] for h in heads}
    for a, b in relations:
        if a in members and b in members:
            ctx.issue(a, "relation", f"relates two claims' first Content regions ({a} and {b})", "relate each region to one claim's first Content region")
        elif a in members or b in members:
            h, other = (a, b) if a in members else (b, a)
            if other in spans and other not in members[h]:
                members[h].append(other)
        elif a in spans and b in spans:
            ctx.issue(a, "relation", f"relates {labels[a]} {a} and {labels[b]} {b}, neither of which is a claim's first Content region "
                      "(the one with the claim fields)", "relate each region to its claim's first Content region")
    tied = {r for rs in members.values() for r in rs} | set(heads)
    for rid in spans:
        if rid not in tied:
            ctx.issue(rid, labels[rid], f"{ctx.text[spans[rid]['start']:spans[rid]['end']][:40]!r} belongs to no claim",
                      "relate it to its claim's first Content region (the one with the claim fields), or delete it")
    out = []
    seen: dict[str, str] = {}
    for h in sorted(heads, key=lambda r: (spans[r]["start"], spans[r]["end"], r)):
        built = _claim(ctx, h, members[h], spans, labels, attrs, seen)
        if built is not None:
            out.append(built)
    return out


def _claim(ctx, h, parts, spans, labels, attrs, seen) -> Optional[Built]:
    A = attrs.get(h, {})
    n0 = len(ctx.issues)
    cid = _text(ctx, A, h, "claim_id")
    base = None
    if cid is not None:
        if cid in seen:
            ctx.issue(h, "claim_id", f"{cid} is also the claim of region {seen[cid]}", "empty claim_id on one of them (it becomes a new claim)")
        elif cid not in ctx.base:
            ctx.issue(h, "claim_id", f"{cid!r} is not a claim of {ctx.article_id} in this task", "leave claim_id empty for a new claim")
        else:
            base = ctx.base[cid]
        seen[cid] = h
    by = {lab: sorted((r for r in parts if labels[r] == lab), key=lambda r: (spans[r]["start"], spans[r]["end"])) for lab in C.SPAN_LABELS}
    content_ids = sorted([h] + by[C.CONTENT], key=lambda r: (spans[r]["start"], spans[r]["end"]))
    regions = {"content": content_ids}
    paraphrase = _text(ctx, A, h, "claim")
    if paraphrase is None:
        ctx.issue(h, "claim", "no paraphrase", "write the claim as one standalone sentence in the claim box")
    claimant = _choice(ctx, A, h, "claimant")
    if claimant is None:
        ctx.issue(h, "claimant", "no claimant chosen", f"choose the claimant entity (or {C.AUTHOR}) in the claim's claimant list; add a missing entity with claimset new-entity")
    elif claimant != C.AUTHOR and claimant not in ctx.entities:
        ctx.issue(h, "claimant", f"{claimant!r} is not in data/entities/", "choose an entity of the list, or add it with claimset new-entity")
    for lab, fld in ((C.CLAIMANT, "claimant.mention"), (C.CUE, "cue")):
        if len(by[lab]) > 1:
            ctx.issue(by[lab][1], fld, f"the claim has {len(by[lab])} {lab} regions", f"keep one {lab} region for this claim")
    if claimant == C.AUTHOR and by[C.CLAIMANT]:
        ctx.issue(by[C.CLAIMANT][0], "claimant.mention", "the author has no mention", "delete this Claimant region, or choose the entity it names")
    mention = spans[by[C.CLAIMANT][0]] if by[C.CLAIMANT] else None
    base_chain = (base or {}).get("source_chain") or []
    src = _source(ctx, claimant or C.AUTHOR, mention, (base or {}).get("claimant"))
    chain, chain_regions = [src], [by[C.CLAIMANT][0] if by[C.CLAIMANT] else h]
    for r in by[C.RELAY]:
        ref = _choice(ctx, attrs.get(r, {}), r, "relay_entity")
        if ref is None or ref not in ctx.entities:
            ctx.issue(r, "relay_entity", "no relay entity chosen" if ref is None else f"{ref!r} is not in data/entities/", "choose the entity this relay region names")
            continue
        chain.append(_source(ctx, ref, spans[r], None))
        chain_regions.append(r)
    for s in base_chain[1:]:  # relays the text never names have no region: kept from the export
        if s["kind"] == "entity" and s["mention"] is None and s is not base_chain[0]:
            chain.append(s)
            chain_regions.append(h)
    if src["kind"] == "entity":
        chain.append(_source(ctx, C.AUTHOR, None, None))
        chain_regions.append(h)
    regions["source_chain"] = chain_regions
    regions["claimant"] = chain_regions[:1]
    regions["cue"] = by[C.CUE][:1]
    regions["hedges"] = by[C.HEDGE]
    regions["evidence.corroboration_spans"] = by[C.CORROBORATION]
    quantities, event_q = [], None
    regions["quantities"] = []
    for r in by[C.QUANTITY]:
        q = _quantity(ctx, r, spans[r], attrs.get(r, {}))
        role = _choice(ctx, attrs.get(r, {}), r, "q_role") or C.Q_CLAIM
        if q is None:
            continue
        if role in (C.Q_CLAIM, C.Q_BOTH):
            quantities.append(q)
            regions["quantities"].append(r)
        if role in (C.Q_EVENT, C.Q_BOTH):
            if event_q is not None:
                ctx.issue(r, "q_role", "a second quantity for the event", "mark one quantity as the event's")
            event_q, regions["event.quantity"] = q, [r]
    event_type = _choice(ctx, A, h, "event_type")
    ev_fields = {k: (_choice if k in ("agent", "recipient", "item_entity", "location_entity") else _text)(ctx, A, h, f"event_{k}")
                 for k in ("agent", "recipient", "item", "item_entity", "date", "location_name", "location_text", "location_entity")}
    event = None
    if event_type in (None, C.NO_EVENT):
        if any(v is not None for v in ev_fields.values()) or event_q is not None:
            ctx.issue(h, "event_type", "event fields are filled in but the event type is none", "choose the event type, or empty the event fields")
    else:
        loc = None
        if ev_fields["location_name"] or ev_fields["location_text"] or ev_fields["location_entity"]:
            loc = {"name": ev_fields["location_name"], "text": ev_fields["location_text"], "entity_id": ev_fields["location_entity"]}
        event = {"type": event_type, "agent": ev_fields["agent"], "recipient": ev_fields["recipient"], "item": ev_fields["item"],
                 "item_entity_id": ev_fields["item_entity"], "quantity": event_q, "date": ev_fields["date"], "location": loc}
    types = _choice(ctx, A, h, "claim_types", multi=True)
    if not types:
        ctx.issue(h, "claim_types", "no claim type", "tick at least one claim type")
    annotator = _text(ctx, A, h, "annotator") or ctx.annotator
    if annotator is None:
        ctx.issue(h, "annotator", "no annotator", "type your annotator ID (docs/annotators.md) in the annotator box, or pass --annotator")
    if len(ctx.issues) > n0:
        return None
    record = {
        "claim_id": cid, "article_id": ctx.article_id,
        "content": [spans[r] for r in content_ids],
        "claim": paraphrase, "claimant": src, "source_chain": chain,
        "cue": spans[by[C.CUE][0]] if by[C.CUE] else None,
        "statement_date": _text(ctx, A, h, "statement_date"),
        "factuality": {"certainty": _choice(ctx, A, h, "certainty") or "certain", "polarity": _choice(ctx, A, h, "polarity") or "positive"},
        "conditional": _choice(ctx, A, h, "conditional") == C.YES,
        "hedges": [spans[r] for r in by[C.HEDGE]],
        "evidence": {"cited": _choice(ctx, A, h, "cited", multi=True) or ["none_stated"],
                     "corroboration": _choice(ctx, A, h, "corroboration") or "not_addressed",
                     "corroboration_spans": [spans[r] for r in by[C.CORROBORATION]]},
        "claim_types": types, "event": event, "quantities": quantities, "annotator": annotator,
    }
    return Built(record, h, regions, base)


def _quantity(ctx: Context, rid: str, span: dict, A: dict) -> Optional[dict]:
    n0 = len(ctx.issues)
    unit = _text(ctx, A, rid, "q_unit")
    if unit is None:
        ctx.issue(rid, "q_unit", "no unit", "type the unit, singular (artillery shell, person, USD)")
    qualifier = _choice(ctx, A, rid, "q_qualifier") or "exact"
    q = {"span": span, "value": _number(ctx, A, rid, "q_value"), "lower": _number(ctx, A, rid, "q_lower"),
         "upper": _number(ctx, A, rid, "q_upper"), "unit": unit, "per": _text(ctx, A, rid, "q_per"),
         "qualifier": qualifier, "approximate": _choice(ctx, A, rid, "q_approximate") == C.YES}
    return q if len(ctx.issues) == n0 else None
