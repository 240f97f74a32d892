"""The fast path of the validator: checks compiled from the published JSON Schema.

The JSON Schema (schemas.json_schema, generated from the models) stays the contract. From it this
module generates, once per process:

* msgspec types (one Struct per object definition, ``forbid_unknown_fields``, every field
  required, enums as Literal, minLength/maxLength/minItems/minimum as msgspec constraints), so
  one C call parses a JSONL line and checks its types, enums, required and unknown fields;
* a walker per definition (Python source generated from the schema and compiled) that checks the
  ``pattern`` keywords msgspec would check slowly, counts the keys the record must have (the
  duplicate-key proof below) and refuses floats whose JSON spelling differs between msgspec and
  Python (so canonical bytes stay identical to ``utils.json_line``);
* boolean versions of the record-semantics checks of validate.py (spans against the text,
  source chains, quantities, dates, ...).

Every function here answers only "certainly valid" (True) or "not sure" (False). A record that is
not certainly valid goes to the slow path (validate.py: stdlib JSON with duplicate-key and NaN
detection, jsonschema, the semantic checks with positions), which alone writes problems, so the
messages, codes, lines and columns are exactly those of the slow path. tests/test_differential.py
runs jsonschema and this fast path on thousands of generated records and asserts that nothing
the fast path accepts is rejected by jsonschema or the semantic checks.

Duplicate keys: msgspec keeps the last value of a repeated key silently. A decoded record has
exactly ``k`` keys (the walker counts them: every field is required and unknown fields are
refused), so the line has at least ``k`` keys, and more only if a key is repeated. Every key is
followed by one ``:`` outside strings, so a line with exactly ``k`` colons has exactly ``k`` keys
and no repeat. A line with more colons (colons inside strings) passes if its colon count equals
that of a re-encoding of the decoded record (a repeated key adds a colon and a string that the
re-encoding lacks); a line that spells a colon as the escape ``\\u003a`` goes to the slow path.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import keyword
import re
import typing
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal, Optional

import msgspec

from .models import DATE_PATTERN, ID_FIELDS, ID_PATTERN, python_regex

_ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-"


def id_ok(v: str) -> bool:
    """ID_PATTERN without a regex: [a-z0-9-] only, no '-' at either end (stricter than re.search)."""
    return bool(v) and not v.strip(_ID_CHARS) and v[0] != "-" and v[-1] != "-"


class _Cached:
    """re.search(pattern, v) (what jsonschema runs) behind a small bounded cache."""

    def __init__(self, pattern: str, size: int = 8192):
        self.rx = re.compile(pattern)
        self.cache: dict[str, bool] = {}
        self.size = size

    def __call__(self, v: str) -> bool:
        r = self.cache.get(v)
        if r is None:
            r = self.rx.search(v) is not None
            if len(self.cache) >= self.size:
                self.cache.clear()
            self.cache[v] = r
        return r


def float_plain(v: float) -> bool:
    """True when msgspec and Python's json spell the float the same (no exponent in either)."""
    return v == 0.0 or 1e-4 <= abs(v) < 1e16


class Unsupported(Exception):
    """A schema keyword the generator does not compile: the table then uses the slow path only."""


_IGNORED = {"title", "description", "default", "examples", "$comment"}


def _unwrap(tp: Any) -> Any:
    """The type under Annotated[...] (msgspec constraints)."""
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


class _Compiler:
    def __init__(self, schema: dict):
        self.schema = schema
        self.defs = schema.get("$defs", {})
        self.structs: dict[str, type] = {}
        self.preds: dict[str, tuple[str, Callable]] = {}
        self.ns: dict[str, Any] = {"float_plain": float_plain}

    # --- types -----------------------------------------------------------------------------------

    def _check_keywords(self, node: dict, allowed: set) -> None:
        extra = set(node) - allowed - _IGNORED
        if extra:
            raise Unsupported(f"keywords {sorted(extra)}")

    def type_of(self, node: dict, name_hint: str):
        if "$ref" in node:
            self._check_keywords(node, {"$ref"})
            return self.struct(self._ref(node["$ref"]))
        if "anyOf" in node:
            self._check_keywords(node, {"anyOf"})
            branches = node["anyOf"]
            nulls = [b for b in branches if b == {"type": "null"}]
            rest = [b for b in branches if b != {"type": "null"}]
            if len(nulls) != 1 or len(rest) != 1:
                raise Unsupported("anyOf other than X-or-null")
            return Optional[self.type_of(rest[0], name_hint)]
        if "enum" in node:
            self._check_keywords(node, {"enum", "type"})
            values = node["enum"]
            if node.get("type", "string") != "string" or not all(isinstance(v, str) for v in values):
                raise Unsupported("non-string enum")
            return Literal[tuple(values)]
        t = node.get("type")
        if t == "object":
            return self.struct_inline(node, name_hint)
        if t == "string":
            self._check_keywords(node, {"type", "minLength", "maxLength", "pattern"})
            meta = {}
            if "minLength" in node:
                meta["min_length"] = node["minLength"]
            if "maxLength" in node:
                meta["max_length"] = node["maxLength"]
            return Annotated[str, msgspec.Meta(**meta)] if meta else str
        if t == "integer":
            # bounded to int64, stricter than the schema: the reference parser refuses integers of
            # more than 20 digits (jsonio.MAX_INT_DIGITS) and Arrow stores int64
            self._check_keywords(node, {"type", "minimum"})
            return Annotated[int, msgspec.Meta(ge=max(node.get("minimum", -(2**63)), -(2**63)), le=2**63 - 1)]
        if t == "number":
            self._check_keywords(node, {"type"})
            return float
        if t == "boolean":
            self._check_keywords(node, {"type"})
            return bool
        if t == "array":
            self._check_keywords(node, {"type", "items", "minItems", "maxItems"})
            inner = self.type_of(node["items"], name_hint)
            meta = {}
            if "minItems" in node:
                meta["min_length"] = node["minItems"]
            if "maxItems" in node:
                meta["max_length"] = node["maxItems"]
            tp = list[inner]
            return Annotated[tp, msgspec.Meta(**meta)] if meta else tp
        raise Unsupported(f"type {t!r}")

    def _ref(self, ref: str) -> str:
        prefix = "#/$defs/"
        if not ref.startswith(prefix):
            raise Unsupported(f"$ref {ref}")
        return ref[len(prefix) :]

    def struct(self, name: str):
        if name not in self.structs:
            self.structs[name] = None  # recursion guard
            self.structs[name] = self.struct_inline(self.defs[name], name)
        s = self.structs[name]
        if s is None:
            raise Unsupported("recursive definitions")
        return s

    def struct_inline(self, node: dict, name: str):
        self._check_keywords(node, {"type", "properties", "required", "additionalProperties", "$defs", "$schema", "$id"})
        if node.get("type") != "object" or node.get("additionalProperties") is not False:
            raise Unsupported("object without additionalProperties: false")
        props = node.get("properties", {})
        if set(node.get("required", [])) != set(props):
            raise Unsupported("optional properties")
        fields = []
        for key, sub in props.items():
            if not key.isidentifier() or keyword.iskeyword(key) or key.startswith("_"):
                raise Unsupported(f"property name {key!r}")
            fields.append((key, self.type_of(sub, f"{name}_{key}")))
        return msgspec.defstruct(name, fields, forbid_unknown_fields=True, kw_only=True, gc=False)

    # --- walkers ---------------------------------------------------------------------------------
    # One flat function per table: nested objects are inlined (no calls), so the walk costs about
    # one attribute load per field. IDs other than the record's own ID repeat (article and entity
    # IDs), so they are checked once and remembered in a bounded set.

    def pred(self, pattern: str) -> str:
        if pattern not in self.preds:
            fname = f"_p{len(self.preds)}"
            fn = id_ok if pattern == ID_PATTERN else _Cached(python_regex(pattern))
            self.preds[pattern] = (fname, fn)
            self.ns[fname] = fn
        return self.preds[pattern][0]

    def walk_value(self, expr: str, node: dict, body: list, ind: str, depth: int, own_id: bool = False, path: str = "") -> int:
        """Append checks of `expr` to body; return the constant number of keys it always adds."""
        v = f"v{depth}"
        if "$ref" in node:
            return self.walk_value(expr, self.defs[self._ref(node["$ref"])], body, ind, depth, path=path)
        if "anyOf" in node:
            inner = [b for b in node["anyOf"] if b != {"type": "null"}][0]
            sub: list[str] = []
            const = self.walk_value(v, inner, sub, ind + "    ", depth + 1, path=path)
            if sub and v not in "".join(sub):  # the value was not needed under its own name
                sub = []
                const = self.walk_value(expr, inner, sub, ind + "    ", depth + 1, path=path)
            if sub or const:
                body.append(f"{ind}{v} = {expr}\n{ind}if {v} is not None:\n")
                if const:
                    body.append(f"{ind}    n += {const}\n")
                body.extend(sub)
            return 0
        t = node.get("type")
        if "enum" in node or t in ("integer", "boolean"):
            return 0
        if t == "string":
            if "pattern" in node and path not in self.covered:
                if node["pattern"] == ID_PATTERN and own_id:
                    body.append(
                        f"{ind}{v} = {expr}\n{ind}if not {v} or {v}.strip(_IDC) or {v}[0] == '-' or {v}[-1] == '-':\n{ind}    return -1\n"
                    )
                elif node["pattern"] == ID_PATTERN:
                    if not expr.isidentifier():
                        body.append(f"{ind}{v} = {expr}\n")
                        expr = v
                    body.append(f"{ind}if {expr} not in _ids and not _id_seen({expr}):\n{ind}    return -1\n")
                else:
                    body.append(f"{ind}if not {self.pred(node['pattern'])}({expr}):\n{ind}    return -1\n")
            return 0
        if t == "number":
            body.append(f"{ind}if not float_plain({expr}):\n{ind}    return -1\n")
            return 0
        if t == "object":
            sub = []
            name = v if depth > 0 and not expr.isidentifier() else expr
            const = len(node.get("properties", {}))
            for key, prop in node.get("properties", {}).items():
                const += self.walk_value(
                    f"{name}.{key}", prop, sub, ind, depth + 1, own_id=depth == 0 and key == self.own_id, path=f"{path}.{key}".lstrip(".")
                )
            if sub and name != expr:
                body.append(f"{ind}{name} = {expr}\n")
            body.extend(sub)
            return const
        if t == "array":
            x = f"x{depth}"
            sub = []
            const = self.walk_value(x, node["items"], sub, ind + "    ", depth + 1, path=path)
            if not sub:
                if const:
                    body.append(f"{ind}n += {const} * len({expr})\n")
                return 0
            body.append(f"{ind}for {x} in {expr}:\n")
            if const:
                body.append(f"{ind}    n += {const}\n")
            body.extend(sub)
            return 0
        raise Unsupported(f"type {t!r}")

    def compile(self, own_id: str = "", covered: frozenset = frozenset()):
        self.own_id = own_id
        self.covered = covered
        root_type = self.struct_inline(self.schema, "Root")
        body: list[str] = []
        const = self.walk_value("o", self.schema, body, "    ", 0)
        source = f"def walk(o):\n    n = {const}\n" + "".join(body) + "    return n\n"
        # walk_raw: the same, and -1 unless the raw line provably repeats no key (no_duplicate_keys)
        source += (
            f"def walk_raw(o, raw):\n    n = {const}\n"
            + "".join(body)
            + "    if raw.count(b':') == n or no_duplicate_keys(raw, o, n):\n        return n\n    return -1\n"
        )
        self.ns.update(_IDC=_ID_CHARS, _ids=_IDS, _id_seen=_id_seen, no_duplicate_keys=no_duplicate_keys)
        exec(compile(source, "<claimset.fastcheck generated>", "exec"), self.ns)
        self.walk_raw = self.ns["walk_raw"]
        return root_type, self.ns["walk"], source


_IDS: set[str] = set()


def _id_seen(v: str) -> bool:
    """id_ok, remembering valid IDs (bounded: the set is emptied when it grows past 200,000)."""
    if not id_ok(v):
        return False
    if len(_IDS) > 200_000:
        _IDS.clear()
    _IDS.add(v)
    return True


# Pattern checks the walker leaves to claim_fast, which proves them otherwise: references must equal
# IDs already registered (which passed this same pattern when their own records were checked), and
# dates go through date_ok (the same regular expression, plus the calendar).
COVERED = {
    "articles": frozenset({"text_sha256", "published"}),  # article_ok: equal to the computed hash; date_ok
    "claims": frozenset(
        {
            "article_id",
            "claimant.entity_id",
            "source_chain.entity_id",
            "statement_date",
            "event.agent",
            "event.recipient",
            "event.item_entity_id",
            "event.date",
            "event.location.entity_id",
        }
    )
}


class TableCheck:
    """The compiled fast path for one table: decode + walker (None when the schema is unsupported)."""

    def __init__(self, table: str, schema: dict | None = None, drop: tuple[str, ...] = ()):
        from .schemas import json_schema

        schema = dict(schema or json_schema(table))
        if drop:  # e.g. article.json: every Article field but the text, which lives in text.txt
            schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in drop}
            schema["required"] = [k for k in schema["required"] if k not in drop]
        self.table = table
        try:
            comp = _Compiler(schema)
            self.type, self.walk, self.source = comp.compile(ID_FIELDS[table], COVERED.get(table, frozenset()))
            self.walk_raw = comp.walk_raw
            self.decoder = msgspec.json.Decoder(self.type)
            self.decode = self.decoder.decode
        except Unsupported as e:
            self.type = self.walk = self.walk_raw = self.decoder = self.decode = None
            self.source = f"# unsupported: {e}"
        self.claim_fast = claim_fast

    @property
    def ok(self) -> bool:
        return self.decode is not None


@cache
def table_check(table: str, meta_only: bool = False) -> TableCheck:
    return TableCheck(table, drop=("text",) if meta_only else ())


_ENCODE = msgspec.json.Encoder().encode


class _Span(msgspec.Struct, gc=False):
    start: int
    end: int


class ArticleText(msgspec.Struct, gc=False):
    """What claims need of an article, decoded again from its JSONL line (other fields skipped)."""

    article_id: str
    text: str
    boilerplate: list[_Span]
    published: str | None


decode_article_text = msgspec.json.Decoder(ArticleText).decode


def no_duplicate_keys(raw: bytes, obj: Any, nkeys: int) -> bool:
    """Proof that the JSON text `raw`, decoded to `obj` with `nkeys` keys, repeats no key (see module doc)."""
    colons = raw.count(b":")
    if colons == nkeys:
        return True
    return b"\\u003" not in raw and colons == _ENCODE(obj).count(b":")


# --- record semantics, boolean versions of validate.check_* -----------------------------------------

_DATE_RX = re.compile(python_regex(DATE_PATTERN))
_dates: dict[str, bool] = {}


def date_ok(v: str) -> bool:
    """Pattern and calendar (validate._date_ok), cached: dates repeat."""
    r = _dates.get(v)
    if r is None:
        r = _DATE_RX.search(v) is not None
        if r and len(v) == 10:
            try:
                _dt.date.fromisoformat(v)
            except ValueError:
                r = False
        if len(_dates) > 65536:
            _dates.clear()
        _dates[v] = r
    return r


def span_ok(sp, text: str) -> bool:
    s = sp.start
    e = sp.end
    return s < e <= len(text) and text[s:e] == sp.text


def article_ok(a, text: str) -> tuple[list, str | None, bytes] | None:
    """None unless check_article would report nothing; else (boilerplate spans, published, UTF-8 text)."""
    if not unicodedata.is_normalized("NFC", text):
        return None
    data = text.encode("utf-8")
    if hashlib.sha256(data).hexdigest() != a.text_sha256:
        return None
    pub = a.published
    if pub is not None and not date_ok(pub):
        return None
    spans = []
    prev = -1
    for bp in a.boilerplate:
        s = bp.start
        e = bp.end
        if not (s < e <= len(text) and text[s:e] == bp.text) or s < prev:
            return None
        prev = e
        spans.append((s, e))
    return spans, pub, data


def _quantity_ok(q, text: str, n: int) -> bool:
    """Bounds in order (lower <= value <= upper) and the span quotes the text."""
    lo, v, hi = q.lower, q.value, q.upper
    if (lo is not None and v is not None and lo > v) or (v is not None and hi is not None and v > hi) or (lo is not None and hi is not None and lo > hi):
        return False
    m = q.span
    return m.start < m.end <= n and text[m.start : m.end] == m.text


def claim_fast(c, text: str, boilerplate, published: str | None, entities, prefix: str | None = None) -> int | None:
    """The hash of the claim's content key (validate._record's C505 key) if check_claim would report
    nothing for it against this article text and every entity it names is in `entities`; else None.
    prefix: article_id + "-c", when the caller has it."""
    aid = c.article_id
    if not c.claim_id.startswith(prefix or aid + "-c"):
        return None
    cl = c.claimant
    e = cl.entity_id
    if cl.kind == "author":
        if e is not None:
            return None
    elif e is None or e not in entities:
        return None
    n = len(text)
    m = cl.mention
    if m is not None:
        a = m.start
        b = m.end
        if not (a < b <= n and text[a:b] == m.text):
            return None
    chain = c.source_chain
    for s in chain:
        e = s.entity_id
        if s.kind == "author":
            if e is not None:
                return None
        elif e is None or e not in entities:
            return None
        m = s.mention
        if m is not None:
            a = m.start
            b = m.end
            if not (a < b <= n and text[a:b] == m.text):
                return None
    first = chain[0]
    if chain[-1].kind != "author" or first.kind != cl.kind or first.entity_id != cl.entity_id:
        return None
    ev = c.evidence
    cited = ev.cited
    k = len(cited)
    if not k or (k > 1 and ("none_stated" in cited or len(set(cited)) != k)):
        return None
    types = c.claim_types
    qs = c.quantities
    if ("quantity" in types) != bool(qs) or (len(types) > 1 and len(set(types)) != len(types)):
        return None
    for q in qs:
        if not _quantity_ok(q, text, n):
            return None
    event = c.event
    if event is not None:
        q = event.quantity
        if q is not None and not _quantity_ok(q, text, n):
            return None
        d = event.date
        if d is not None and not (_dates.get(d) or date_ok(d)):
            return None
        for e in (event.agent, event.recipient, event.item_entity_id):
            if e is not None and e not in entities:
                return None
        loc = event.location
        if loc is not None and loc.entity_id is not None and loc.entity_id not in entities:
            return None
    sd = c.statement_date
    if sd is not None:
        if not (_dates.get(sd) or date_ok(sd)):
            return None
        if published:
            k = min(len(sd), len(published))
            if sd[:k] > published[:k]:
                return None
    m = c.cue
    if m is not None:
        a = m.start
        b = m.end
        if not (a < b <= n and text[a:b] == m.text):
            return None
    for spans in (c.hedges, ev.corroboration_spans):
        for m in spans:
            a = m.start
            b = m.end
            if not (a < b <= n and text[a:b] == m.text):
                return None
        if len(spans) > 1 and len({(m.start, m.end) for m in spans}) != len(spans):
            return None  # the same span twice (C435)
    content = c.content
    if len(content) == 1:
        sp = content[0]
        a = sp.start
        b = sp.end
        if not (a < b <= n and text[a:b] == sp.text):
            return None
        for bs, be in boilerplate:
            if a < be and bs < b:
                return None
        return hash((aid, ((a, b),)))
    prev = -1
    for sp in content:
        a = sp.start
        b = sp.end
        if not (a < b <= n and text[a:b] == sp.text) or a < prev:
            return None
        prev = b
        for bs, be in boilerplate:
            if a < be and bs < b:
                return None
    return hash((aid, tuple([(sp.start, sp.end) for sp in content])))


def claim_ok(c, text: str, boilerplate, published: str | None) -> bool:
    """True only if validate.check_claim would report nothing (entity references not checked)."""
    return claim_fast(c, text, boilerplate, published, _ANY) is not None


class _Any:
    def __contains__(self, x) -> bool:
        return True


_ANY = _Any()


def entity_refs(c) -> list[str]:
    """Entity IDs a claim refers to (validate._entity_refs, without paths)."""
    out = [] if c.claimant.entity_id is None else [c.claimant.entity_id]
    for s in c.source_chain:
        if s.entity_id is not None:
            out.append(s.entity_id)
    ev = c.event
    if ev is not None:
        if ev.agent is not None:
            out.append(ev.agent)
        if ev.recipient is not None:
            out.append(ev.recipient)
        if ev.item_entity_id is not None:
            out.append(ev.item_entity_id)
        if ev.location is not None and ev.location.entity_id is not None:
            out.append(ev.location.entity_id)
    return out


def content_key(aid: str, content) -> tuple:
    return (aid, tuple((s.start, s.end) for s in content))


def entity_ok(e) -> bool:
    return len(set(e.aliases)) == len(e.aliases)


def cluster_ok(k) -> bool:
    return len(set(k.claim_ids)) == len(k.claim_ids)


def canonical_line(obj) -> bytes:
    """The record's canonical JSONL bytes (== utils.json_line(build.canonical(...)) for fast-path records)."""
    return _ENCODE(obj)


def to_builtins(obj) -> dict:
    return msgspec.to_builtins(obj)


__all__ = [
    "TableCheck",
    "article_ok",
    "canonical_line",
    "claim_ok",
    "cluster_ok",
    "content_key",
    "date_ok",
    "entity_ok",
    "entity_refs",
    "float_plain",
    "id_ok",
    "no_duplicate_keys",
    "table_check",
]
