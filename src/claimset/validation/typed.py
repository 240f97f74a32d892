"""The structure layer's cheap check: msgspec types generated from the published JSON Schema.

The JSON Schema (schemas.json_schema, generated from the models) stays the contract. From it this
module generates, once per process:

* msgspec types (one Struct per object definition, ``forbid_unknown_fields``, every field
  required, enums as Literal, minLength/maxLength/minItems/minimum as msgspec constraints), so
  one C call parses a JSONL line and checks its types, enums, required and unknown fields;
* a walker per table (Python source generated from the schema and compiled) that checks the
  ``pattern`` keywords, counts the keys the record must have (the duplicate-key proof below) and
  refuses floats whose JSON spelling differs between msgspec and Python (so canonical bytes stay
  identical to ``utils.json_line``).

A line that decodes and walks has a valid structure; any other line goes to the reference parser
and jsonschema (structure.py), which word its problems. The record rules (records.py) then run on
the decoded struct in both cases (``to_struct`` converts a dict jsonschema accepted).

Duplicate keys: msgspec keeps the last value of a repeated key silently. A decoded record has
exactly ``k`` keys (the walker counts them: every field is required and unknown fields are
refused), so the line has at least ``k`` keys, and more only if a key is repeated. Every key is
followed by one ``:`` outside strings, so a line with exactly ``k`` colons has exactly ``k`` keys
and no repeat. A line with more colons (colons inside strings) passes if its colon count equals
that of a re-encoding of the decoded record (a repeated key adds a colon and a string that the
re-encoding lacks); a line that spells a colon as the escape ``\\u003a`` goes to the slow path.
"""
from __future__ import annotations

import keyword
import re
import typing
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal, Optional

import msgspec

from ..models import ID_FIELDS, ID_PATTERN, python_regex

_ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-"


def id_ok(v: str) -> bool:
    """ID_PATTERN without a regex: [a-z0-9-] only, no '-' at either end (stricter than re.search)."""
    return bool(v) and not v.strip(_ID_CHARS) and v[0] != "-" and v[-1] != "-"


class _Cached:
    """re.search(pattern, v) (what jsonschema runs), remembering values that match in a bounded set;
    the walkers test that set inline (`v in ok`), so a repeated value costs no call."""

    def __init__(self, pattern: str, size: int = 8192):
        self.rx = re.compile(pattern)
        self.ok: set[str] = set()
        self.size = size

    def __call__(self, v: str) -> bool:
        if v in self.ok:
            return True
        if self.rx.search(v) is None:
            return False
        if len(self.ok) >= self.size:
            self.ok.clear()  # in place: the walkers hold this set
        self.ok.add(v)
        return True


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
    def __init__(self, schema: dict, lax: bool = False):
        self.schema = schema
        self.lax = lax  # integers unbounded: for to_struct, after jsonschema accepted the record
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
            if self.lax:
                return int
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
            fn = _Cached(python_regex(pattern))
            self.preds[pattern] = (fname, fn)
            self.ns[fname] = fn
            self.ns[fname + "ok"] = fn.ok
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
            if "pattern" in node:
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
                    if not expr.isidentifier():
                        body.append(f"{ind}{v} = {expr}\n")
                        expr = v
                    p = self.pred(node["pattern"])
                    body.append(f"{ind}if {expr} not in {p}ok and not {p}({expr}):\n{ind}    return -1\n")
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

    def compile(self, own_id: str = ""):
        self.own_id = own_id
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
        exec(compile(source, "<claimset.validation.typed generated>", "exec"), self.ns)
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


class TableCheck:
    """The compiled fast path for one table: decode + walker (None when the schema is unsupported)."""

    def __init__(self, table: str, schema: dict | None = None, drop: tuple[str, ...] = ()):
        from ..models.schemas import json_schema

        schema = dict(schema or json_schema(table))
        if drop:  # e.g. article.json: every Article field but the text, which lives in text.txt
            schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in drop}
            schema["required"] = [k for k in schema["required"] if k not in drop]
        self.table = table
        try:
            comp = _Compiler(schema)
            self.type, self.walk, self.source = comp.compile(ID_FIELDS[table])
            self.walk_raw = comp.walk_raw
            self.decoder = msgspec.json.Decoder(self.type)
            self.decode = self.decoder.decode
        except Unsupported as e:
            self.type = self.walk = self.walk_raw = self.decoder = self.decode = None
            self.source = f"# unsupported: {e}"

    @property
    def ok(self) -> bool:
        return self.decode is not None


@cache
def table_check(table: str, meta_only: bool = False) -> TableCheck:
    return TableCheck(table, drop=("text",) if meta_only else ())


_ENCODE = msgspec.json.Encoder().encode
_ENCODE_LINES = msgspec.json.Encoder().encode_lines


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


def decode_block(tc: "TableCheck", lines: list, block: Optional[bytes] = None, encode: bool = False) -> tuple[list, Any]:
    """(recs, canon): each line decoded and walked (the record, or None where the types refuse it;
    the reference path words why), and with `encode` the canonical bytes the build writes (one
    msgspec encode). canon is None without `encode`; the block's own bytes when every line decoded
    and already is canonical (the build then keeps the source bytes); else a list of each line's
    canonical bytes (None where refused). A line equal to its canonical bytes needs no other proof.

    The duplicate-key proof (module doc) is made for the whole block at once when its bytes are
    given: a decoded line has at least as many colons as keys, so if the block's colons, less those
    of the refused lines, equal the keys counted, every decoded line has exactly as many colons as
    keys. Counting a block's colons with numpy costs a fifth of counting each line's with
    bytes.count. Otherwise (or when the sums differ) each line is proved alone."""
    dec, walk = tc.decode, tc.walk
    out: list = []
    counts: list = []
    keys = 0
    refused = []
    for raw in lines:
        try:
            rec = dec(raw)
        except Exception:
            rec = None
        if rec is not None:
            k = walk(rec)
            if k >= 0:
                out.append(rec)
                counts.append(k)
                keys += k
                continue
        out.append(None)
        counts.append(-1)
        refused.append(raw)
    canon = None
    if encode:
        if block is not None and not refused:
            whole = _ENCODE_LINES(out)
            if len(whole) == len(block) + 1 and whole.startswith(block):  # every line is its own canonical form
                return out, block
        canon = [None if rec is None else _ENCODE(rec) for rec in out]
    elif block is not None and len(lines) > 1:
        import numpy as np

        colons = int(np.count_nonzero(np.frombuffer(block, np.uint8) == 58))
        if colons - sum(r.count(b":") for r in refused) == keys:
            return out, None
    for i, (raw, rec) in enumerate(zip(lines, out)):
        if rec is not None and (canon is None or canon[i] != raw) and not no_duplicate_keys(raw, rec, counts[i]):
            out[i] = None
            if canon is not None:
                canon[i] = None
    return out, canon


def no_duplicate_keys(raw: bytes, obj: Any, nkeys: int) -> bool:
    """Proof that the JSON text `raw`, decoded to `obj` with `nkeys` keys, repeats no key (see module doc)."""
    colons = raw.count(b":")
    if colons == nkeys:
        return True
    return b"\\u003" not in raw and colons == _ENCODE(obj).count(b":")




@cache
def _lax_type(table: str, meta_only: bool = False):
    from ..models.schemas import json_schema

    schema = dict(json_schema(table))
    return _Compiler(schema, lax=True).struct_inline(schema, "Root")


def to_struct(table: str, obj: dict):
    """The typed record of a dict whose structure jsonschema accepted (integers unbounded)."""
    return msgspec.convert(obj, _lax_type(table))
