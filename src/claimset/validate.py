"""`claimset validate`: structure, record semantics and dataset checks, every problem in one run.

Sources are read one file (or one JSONL line) at a time. Dataset-level checks keep only IDs,
references and locations, never whole records. Each problem names file, line, column, field,
rule code and a message a contributor can act on; nothing raises on bad input.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from . import layout
from .jsonio import Failure, decode_text, parse_record
from .jsonpos import line_col, locate
from .models import _INVISIBLE, ID_FIELDS, TABLES, TEXT_PATTERN, URL_PATTERN, check_partial_date, python_regex
from .rules import RULES
from .utils import read_regular, sha256_text


class UsageError(Exception):
    """A path that does not exist or cannot be read at all: exit code 2."""


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: int
    code: str
    field: str
    message: str

    @property
    def name(self) -> str:
        return RULES[self.code].name

    @property
    def fix(self) -> str:
        return RULES[self.code].fix

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "rule": self.name,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=lambda: {t: 0 for t in TABLES})
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def field_path(path: Sequence[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


# --- where a record came from ------------------------------------------------------------------


@dataclass
class Origin:
    """Maps a JSON path inside one record to a file position."""

    file: str
    raw: str  # the record's JSON text
    line0: int = 0  # lines before the record (JSONL)
    text_file: Optional[str] = None  # article text stored beside the JSON (data/ layout)

    def position(self, path: Sequence[Any], key: bool = False) -> tuple[str, int, int]:
        if self.text_file and path and path[0] == "text":
            return self.text_file, 1, 1
        line, col = line_col(self.raw, locate(self.raw, path, key=key))
        return self.file, self.line0 + line, col


class Sink:
    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        try:
            return os.path.relpath(path, self.root) if Path(path).is_absolute() else str(path)
        except ValueError:
            return str(path)

    def at(self, file: str, line: int, col: int, code: str, fld: str, msg: str) -> None:
        self.problems.append(Problem(file, line, col, code, fld, msg))

    def failure(self, file: str, f: Failure) -> None:
        self.at(file, f.line, f.column, f.code, f.field, f.message)

    def rec(self, origin: Origin, path: Sequence[Any], code: str, msg: str, key: bool = False) -> None:
        file, line, col = origin.position(path, key=key)
        self.at(file, line, col, code, field_path(path), msg)


# --- structure: JSON Schema -----------------------------------------------------------------------


@lru_cache(maxsize=None)
def _ecma_validator_class():
    """Draft 2020-12 as ajv applies it: patterns with ECMA-262's `$` (see models.python_regex), and
    "integer" meaning a JSON integer (jsonschema also counts 1268.0, which Python cannot slice with)."""
    import re

    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def pattern(validator, patrn, instance, schema):
        if validator.is_type(instance, "string") and not _compiled(patrn).search(instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    _compiled = lru_cache(maxsize=None)(lambda p: re.compile(python_regex(p)))
    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, v: isinstance(v, int) and not isinstance(v, bool)
    )
    return validators.extend(Draft202012Validator, validators={"pattern": pattern}, type_checker=checker)


@lru_cache(maxsize=None)
def _schema_validator(table: str):
    from .schemas import json_schema

    return _ecma_validator_class()(json_schema(table))


_KEYWORD_CODES = {
    "type": "C301",
    "required": "C302",
    "additionalProperties": "C303",
    "enum": "C304",
    "const": "C304",
    "pattern": "C305",
    "minimum": "C306",
    "maximum": "C306",
    "minLength": "C306",
    "maxLength": "C306",
    "minItems": "C306",
    "maxItems": "C306",
}
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


def _leaf_errors(err) -> Iterator[Any]:
    """Replace an anyOf failure (from nullable fields) by the errors of the non-null branch."""
    if err.validator == "anyOf" and err.context:
        if err.instance is not None:
            branch = [e for e in err.context if not (e.validator == "type" and e.validator_value == "null")]
            if branch:
                for e in branch:
                    yield from _leaf_errors(e)
                return
        yield err
        return
    yield err


def _schema_message(err) -> str:
    v = err.validator
    if v == "type":
        want = err.validator_value
        if err.validator_value == "object" and not err.absolute_path:
            return f"expected one JSON object per record, found {_JSON_TYPES.get(type(err.instance), '?')}"
        if err.instance is None:
            return f"expected {want}, found null"
        return f"expected {want}, found {_JSON_TYPES.get(type(err.instance), type(err.instance).__name__)} {_short(err.instance)}"
    if v == "anyOf":
        return f"{_short(err.instance)} must be null or match the field's type"
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return f"required field '{missing}' is missing (write null or [] when there is nothing to record)"
    if v == "additionalProperties":
        return err.message.replace("were unexpected", "are not fields of this record").replace(
            "was unexpected", "is not a field of this record"
        )
    if v in ("enum", "const"):
        allowed = err.validator_value if v == "enum" else [err.validator_value]
        return f"{_short(err.instance)} is not allowed; use one of: {', '.join(map(str, allowed))}"
    if v == "pattern":
        return _pattern_message(err.instance, err.validator_value)
    return err.message


# Patterns too long to quote get a rule of their own and say what is wrong instead.
_PATTERN_CODES = {URL_PATTERN: "C307", TEXT_PATTERN: "C308"}


def _pattern_message(value: str, pattern: str) -> str:
    if pattern == URL_PATTERN:
        if not re.match(r"https?://", value):
            return f"{_short(value)} is not an absolute http(s) address; write it as https://..."
    if pattern in _PATTERN_CODES:
        bad = [(i, ch) for i, ch in enumerate(value) if not re.fullmatch(f"[^{_INVISIBLE}]", ch)]
        if bad:
            i, ch = bad[0]
            return (
                f"{_short(value)} has the invisible or control character U+{ord(ch):04X} "
                f"({unicodedata.name(ch, 'unnamed')}) at position {i}; delete it"
            )
        if not value:
            return "empty text; write the text, or null where the field allows it"
        if value != value.strip(_SPACES):
            return f"{_short(value)} starts or ends with white space; trim it"
        return f"{_short(value)} has white space or another character an address cannot have"
    return f"{_short(value)} does not match the pattern {pattern}"


_SPACES = " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"


def _short(value: Any, n: int = 60) -> str:
    r = repr(value)
    return r if len(r) <= n else r[: n - 3] + "..."


def check_structure(table: str, obj: Any, origin: Origin, sink: Sink) -> bool:
    ok = True
    for top in _schema_validator(table).iter_errors(obj):
        for err in _leaf_errors(top):
            ok = False
            path = list(err.absolute_path)
            code = _KEYWORD_CODES.get(err.validator, "C301")
            if code == "C305":
                code = _PATTERN_CODES.get(err.validator_value, code)
            if code == "C303" and isinstance(err.instance, dict):
                allowed = set(err.schema.get("properties", {}))
                for extra in sorted(k for k in err.instance if k not in allowed):
                    hint = " (the text goes in text.txt)" if extra == "text" and origin.text_file else ""
                    sink.rec(origin, path + [extra], code, f"unknown field '{extra}'{hint}", key=True)
                continue
            fld_path = path
            if code == "C302" and "'" in err.message:
                fld_path = path + [err.message.split("'")[1]]  # name the missing field; point at its object
            file, line, col = origin.position(path)
            sink.at(file, line, col, code, field_path(fld_path), _schema_message(err))
    return ok


# --- record semantics -------------------------------------------------------------------------------

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


def check_span(span: dict, text: str, origin: Origin, path: list, sink: Sink) -> bool:
    s, e, quoted = span["start"], span["end"], span["text"]
    if e < s:
        sink.rec(origin, path + ["end"], "C411", f"end {e} is before start {s}")
        return False
    if e == s:
        sink.rec(origin, path + ["end"], "C412", f"empty span at {s} (start == end)")
        return False
    if e > len(text):
        sink.rec(origin, path + ["end"], "C413", f"end {e} is past the end of the text ({len(text)} code points)")
        return False
    if text[s:e] != quoted:
        sink.rec(
            origin,
            path + ["text"],
            "C414",
            f"span text {_short(quoted)} differs from text[{s}:{e}] = {_short(text[s:e])}; {_diagnose(text, s, e, quoted)}",
        )
        return False
    return True


def _date_ok(value: Optional[str], origin: Origin, path: list, sink: Sink) -> bool:
    if value is None:
        return True
    try:
        check_partial_date(value)
        return True
    except ValueError:
        sink.rec(origin, path, "C403", f"{value!r} is not a date on the calendar")
        return False


def date_after(a: str, b: str) -> bool:
    """True when partial date a is certainly later than partial date b."""
    n = min(len(a), len(b))
    return a[:n] > b[:n]


@dataclass
class ArticleInfo:
    text: Optional[str]
    boilerplate: list[tuple[int, int]]
    published: Optional[str]


def check_article(obj: dict, origin: Origin, sink: Sink) -> ArticleInfo:
    text = obj["text"]
    if not unicodedata.is_normalized("NFC", text):
        i = next(i for i, c in enumerate(text) if unicodedata.normalize("NFC", text[: i + 1]) != text[: i + 1])
        file, line, col = (origin.text_file, *line_col(text, i)) if origin.text_file else origin.position(["text"])
        sink.at(file, line, col, "C401", "text", f"the text is not NFC (first at code point {i}); normalise it to NFC")
    elif sha256_text(text) != obj["text_sha256"]:
        sink.rec(origin, ["text_sha256"], "C402", f"text_sha256 is {obj['text_sha256'][:12]}..., the text hashes to {sha256_text(text)[:12]}...")
    published = obj["published"] if _date_ok(obj["published"], origin, ["published"], sink) else None
    spans = []
    prev_end = -1
    for i, bp in enumerate(obj["boilerplate"]):
        if check_span(bp, text, origin, ["boilerplate", i], sink):
            if bp["start"] < prev_end:
                sink.rec(origin, ["boilerplate", i], "C416", "boilerplate spans overlap or are not in text order")
            prev_end = bp["end"]
            spans.append((bp["start"], bp["end"]))
    return ArticleInfo(text, spans, published)


def _sources(obj: dict) -> Iterator[tuple[list, dict]]:
    yield ["claimant"], obj["claimant"]
    for i, s in enumerate(obj["source_chain"]):
        yield ["source_chain", i], s


def _all_spans(obj: dict) -> Iterator[tuple[list, dict]]:
    for i, s in enumerate(obj["content"]):
        yield ["content", i], s
    for path, src in _sources(obj):
        if src["mention"] is not None:
            yield path + ["mention"], src["mention"]
    if obj["cue"] is not None:
        yield ["cue"], obj["cue"]
    for i, s in enumerate(obj["hedges"]):
        yield ["hedges", i], s
    for i, s in enumerate(obj["evidence"]["corroboration_spans"]):
        yield ["evidence", "corroboration_spans", i], s
    for i, q in enumerate(obj["quantities"]):
        yield ["quantities", i, "span"], q["span"]
    ev = obj["event"]
    if ev is not None and ev["quantity"] is not None:
        yield ["event", "quantity", "span"], ev["quantity"]["span"]


def _check_quantity(q: dict, origin: Origin, path: list, sink: Sink) -> None:
    lo, v, hi = q["lower"], q["value"], q["upper"]
    pairs = [("lower", lo, "value", v), ("value", v, "upper", hi), ("lower", lo, "upper", hi)]
    for na, a, nb, b in pairs:
        if a is not None and b is not None and a > b:
            sink.rec(origin, path + [na], "C421", f"{na} {a:g} is greater than {nb} {b:g}")
            return


def _dupes(values: list) -> list:
    seen, out = set(), []
    for v in values:
        if v in seen and v not in out:
            out.append(v)
        seen.add(v)
    return out


def check_claim(obj: dict, origin: Origin, art: Optional[ArticleInfo], sink: Sink) -> None:
    cid, aid = obj["claim_id"], obj["article_id"]
    if not cid.startswith(aid + "-c"):
        sink.rec(origin, ["claim_id"], "C436", f"claim ID {cid!r} should start with '{aid}-c'")
    for path, src in _sources(obj):
        if (src["kind"] == "author") != (src["entity_id"] is None):
            want = "null" if src["kind"] == "author" else "an entity ID"
            sink.rec(origin, path + ["entity_id"], "C431", f"a source of kind {src['kind']!r} needs entity_id {want}")
    chain, claimant = obj["source_chain"], obj["claimant"]
    if chain[-1]["kind"] != "author":
        sink.rec(origin, ["source_chain", len(chain) - 1], "C432", "the source chain must end with the author ({\"kind\": \"author\", ...})")
    if (chain[0]["kind"], chain[0]["entity_id"]) != (claimant["kind"], claimant["entity_id"]):
        sink.rec(origin, ["source_chain", 0], "C432", f"the source chain must start with the claimant ({claimant['entity_id'] or 'author'})")
    cited = obj["evidence"]["cited"]
    if not cited or ("none_stated" in cited and len(cited) > 1):
        sink.rec(origin, ["evidence", "cited"], "C433", "list what the claimant cites, or none_stated alone")
    has_q = bool(obj["quantities"])
    if ("quantity" in obj["claim_types"]) != has_q:
        msg = "claim_types has quantity but quantities is empty" if not has_q else "quantities are given but claim_types lacks quantity"
        sink.rec(origin, ["claim_types"], "C434", msg)
    for fld, values in (("claim_types", obj["claim_types"]), ("evidence.cited", cited)):
        for d in _dupes(values):
            sink.rec(origin, fld.split("."), "C435", f"{d!r} is listed twice")
    for fld, spans in (("hedges", obj["hedges"]), ("evidence.corroboration_spans", obj["evidence"]["corroboration_spans"])):
        keys = [(sp["start"], sp["end"]) for sp in spans]
        for (a, b) in _dupes(keys):
            i = len(keys) - 1 - keys[::-1].index((a, b))  # point at the repeat
            sink.rec(origin, fld.split(".") + [i], "C435", f"the span {a}-{b} is listed twice")
    for i, q in enumerate(obj["quantities"]):
        _check_quantity(q, origin, ["quantities", i], sink)
    ev = obj["event"]
    if ev is not None:
        if ev["quantity"] is not None:
            _check_quantity(ev["quantity"], origin, ["event", "quantity"], sink)
        _date_ok(ev["date"], origin, ["event", "date"], sink)
    sdate = obj["statement_date"]
    if _date_ok(sdate, origin, ["statement_date"], sink) and sdate and art and art.published and date_after(sdate, art.published):
        sink.rec(origin, ["statement_date"], "C404", f"statement date {sdate} is after the article's publication ({art.published})")
    if art is None or art.text is None:
        return
    content_ok = []
    for path, span in _all_spans(obj):
        ok = check_span(span, art.text, origin, path, sink)
        if path[0] == "content":
            content_ok.append(ok)
    prev = -1
    for i, span in enumerate(obj["content"]):
        if not content_ok[i]:
            continue
        s, e = span["start"], span["end"]
        if s < prev:
            sink.rec(origin, ["content", i], "C416", "content spans overlap or are not in text order")
        prev = e
        for bs, be in art.boilerplate:
            if s < be and bs < e:
                sink.rec(origin, ["content", i], "C415", f"content span {s}-{e} overlaps boilerplate {bs}-{be} {_short(art.text[bs:be], 40)}")
                break


def check_entity(obj: dict, origin: Origin, sink: Sink) -> None:
    for d in _dupes(obj["aliases"]):
        sink.rec(origin, ["aliases"], "C435", f"alias {d!r} is listed twice")


def check_cluster(obj: dict, origin: Origin, sink: Sink) -> None:
    for d in _dupes(obj["claim_ids"]):
        sink.rec(origin, ["claim_ids"], "C435", f"claim {d!r} is listed twice")


# --- the dataset ---------------------------------------------------------------------------------------


@dataclass
class Where:
    file: str
    line: int
    column: int


class Dataset:
    """IDs and references only; checked once every record has been read."""

    def __init__(self):
        self.ids: dict[str, dict[str, Where]] = {t: {} for t in TABLES}
        self.entity_refs: list[tuple[str, Where, str]] = []
        self.article_refs: list[tuple[str, Where]] = []
        self.contents: dict[tuple, str] = {}
        self.cluster_members: list[tuple[str, str, Where, str]] = []  # claim, cluster, where, field
        self.cluster_sizes: list[tuple[str, int, Where]] = []
        # IDs of records that exist but failed a check of their own (already reported), and
        # articles whose claims could not be read: references to them are not reported again.
        self.present: dict[str, set[str]] = {t: set() for t in TABLES}
        self.unread: set[str] = set()

    def exists(self, table: str, rid: str) -> bool:
        if rid in self.ids[table] or rid in self.present[table]:
            return True
        if table == "claims":
            aid, sep, _ = rid.rpartition("-c")
            return bool(sep) and aid in self.unread
        return False

    def add_id(self, table: str, rid: str, where: Where, sink: Sink) -> None:
        seen = self.ids[table]
        if rid in seen:
            first = seen[rid]
            what = ID_FIELDS[table].replace("_id", " ID")
            sink.at(where.file, where.line, where.column, "C501", ID_FIELDS[table], f"{what} {rid!r} is already used at {first.file}:{first.line}")
            if first.file != where.file:  # either file may be the new one: annotate both
                sink.at(first.file, first.line, first.column, "C501", ID_FIELDS[table], f"{what} {rid!r} is used again at {where.file}:{where.line}")
        else:
            seen[rid] = where

    def finish(self, sink: Sink) -> None:
        for rid, where in self.article_refs:
            if not self.exists("articles", rid):
                sink.at(where.file, where.line, where.column, "C502", "article_id", f"no article has ID {rid!r}")
        for rid, where, fld in self.entity_refs:
            if not self.exists("entities", rid):
                sink.at(where.file, where.line, where.column, "C503", fld, f"no entity has ID {rid!r}")
        for cid, size, where in self.cluster_sizes:
            if size == 0:
                sink.at(where.file, where.line, where.column, "C506", "claim_ids", f"cluster {cid!r} has no claim")
        first_cluster: dict[str, str] = {}
        for claim, cluster, where, fld in self.cluster_members:
            if claim not in self.ids["claims"]:
                if not self.exists("claims", claim):
                    sink.at(where.file, where.line, where.column, "C504", fld, f"no claim has ID {claim!r}")
            elif claim in first_cluster and first_cluster[claim] != cluster:
                sink.at(where.file, where.line, where.column, "C507", fld, f"claim {claim!r} is already in cluster {first_cluster[claim]!r}")
            else:
                first_cluster.setdefault(claim, cluster)


def _entity_refs(obj: dict) -> Iterator[tuple[list, str]]:
    for path, src in _sources(obj):
        if src["entity_id"] is not None:
            yield path + ["entity_id"], src["entity_id"]
    ev = obj["event"]
    if ev is not None:
        for k in ("agent", "recipient", "item_entity_id"):
            if ev[k] is not None:
                yield ["event", k], ev[k]
        if ev["location"] is not None and ev["location"]["entity_id"] is not None:
            yield ["event", "location", "entity_id"], ev["location"]["entity_id"]


# --- reading sources ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Unit:
    """One source to read: a JSON file, a JSONL file, or an article folder."""

    kind: str  # json | jsonl | article
    table: Optional[str]
    path: Path | str  # a str for the folders listed in data/articles/: a million Paths take 300 MB more


def _jsonl_table(name: str) -> Optional[str]:
    for t in TABLES:
        if name == f"{t}.jsonl" or (name.startswith(f"{t}-") and name.endswith(".jsonl")):
            return t
    return None


def discover(paths: Sequence[Path], root: Path, sink: Sink) -> list[Unit]:
    units: list[Unit] = []
    for p in paths:
        p = Path(p)
        if not p.exists() and not p.is_symlink():
            raise UsageError(f"{p}: no such file or directory")
        if p.is_dir():
            units += _discover_dir(p, root, sink)
        else:
            units += _discover_file(p, sink)
    order = {"articles": 0, "entities": 1, "claims": 2, "clusters": 3, None: 0}
    units.sort(key=lambda u: (order[u.table], str(u.path)))
    return units


def is_article_folder(p: Path, names) -> bool:
    """An article folder has article.json or text.txt, or sits in articles/. A folder with
    claims.jsonl beside other table files (articles.jsonl, entities.jsonl, ...) is a folder of
    table JSONL files, not an article missing its parts."""
    names = set(names)
    if {layout.ARTICLE_FILE, layout.TEXT_FILE} & names:
        return True
    tables = {n for n in names if _jsonl_table(n)}
    return layout.CLAIMS_FILE in names and (Path(p).parent.name == layout.ARTICLES or tables == {layout.CLAIMS_FILE})


def datasets_of(files: Sequence[Path]) -> list[Path]:
    """The sources to validate when `files` changed (the pre-commit hook): for a file inside a
    data/ layout, that whole data/ folder (a change can break a reference elsewhere in it); for a
    table JSONL file, the folder of table files it is in; for an article folder's file, that
    data/ or, outside one, the article folder. Each dataset once, in order."""
    out: list[Path] = []
    for f in files:
        f = Path(f)
        target = None
        for parent in [f.parent, *f.parent.parents] if f.is_file() or not f.exists() else [f, *f.parents]:
            if parent.name == "data" and any((parent / d).is_dir() for d in (layout.ARTICLES, layout.ENTITIES, layout.CLUSTERS)):
                target = parent
                break
        if target is None:
            if _jsonl_table(f.name):
                target = f.parent
            elif f.name in ARTICLE_FILES:
                target = f.parent
            else:
                target = f
        if target not in out:
            out.append(target)
    return out


def _discover_dir(p: Path, root: Path, sink: Sink) -> list[Unit]:
    names = _listing(p, sink)
    if names is None:
        return []
    if is_article_folder(p, names):
        return [Unit("article", "articles", p)]
    units: list[Unit] = []
    found_layout = False
    for sub, table in ((layout.ARTICLES, None), (layout.ENTITIES, "entities"), (layout.CLUSTERS, "clusters")):
        d = p / sub
        if not d.is_dir():
            continue
        found_layout = True
        if table is None:
            units += _article_folders(d, sink)
            continue
        for child in sorted(d / n for n in _listing(d, sink) or ()):
            if child.suffix == ".json" and (child.is_file() or child.is_symlink()):
                units.append(Unit("json", table, child))
            else:
                sink.at(sink.rel(child), 1, 1, "C103", "", f"only <id>.json files belong in data/{sub}/")
    if not found_layout:
        for child in sorted(p / n for n in names):
            t = _jsonl_table(child.name)
            if t and child.is_file():
                units.append(Unit("jsonl", t, child))
    if not units:
        sink.at(sink.rel(p), 1, 1, "C102", "", "no claimset sources here (data/ layout or <table>.jsonl files)")
    return units


_FILE_FAULTS = {"C101", "C104", "C111", "C112", "C113", "C114"}


def note_unread(data: "Dataset", problems: Sequence[Problem], rel: str, article_id: str) -> None:
    """A file-level fault in an article's claims.jsonl: none of its claims were read."""
    if any(p.code in _FILE_FAULTS and p.file == rel for p in problems):
        data.unread.add(article_id)


def _listing(d, sink: Sink) -> Optional[list[str]]:
    """The names in folder `d`, or None when it cannot be listed (reported as C101)."""
    try:
        return os.listdir(d)
    except OSError as e:
        sink.at(sink.rel(d), 1, 1, "C101", "", f"cannot read the folder ({e.strerror})")
        return None


def _article_folders(d: Path, sink: Sink) -> list[Unit]:
    """A unit per folder in data/articles/, in name order (Path order, for siblings). A scandir entry
    knows from the listing whether it is a folder; only a link needs Path.is_dir to follow it."""
    try:
        with os.scandir(d) as entries:
            found = sorted((e.name, Path(e.path).is_dir() if e.is_symlink() else e.is_dir()) for e in entries)
    except OSError as e:
        sink.at(sink.rel(d), 1, 1, "C101", "", f"cannot read the folder ({e.strerror})")
        return []
    base = os.path.join(d, "")
    units = []
    for name, is_dir in found:
        if is_dir:
            units.append(Unit("article", "articles", base + name))
        else:
            sink.at(sink.rel(base + name), 1, 1, "C103", "", "only article folders belong in data/articles/")
    return units


def _discover_file(p: Path, sink: Sink) -> list[Unit]:
    t = _jsonl_table(p.name)
    if t:
        return [Unit("jsonl", t, p)]
    if p.name in (layout.ARTICLE_FILE, layout.TEXT_FILE, layout.CLAIMS_FILE):
        return [Unit("article", "articles", p.parent)]
    if p.suffix == ".json" and p.parent.name in (layout.ENTITIES, layout.CLUSTERS):
        return [Unit("json", p.parent.name, p)]
    sink.at(sink.rel(p), 1, 1, "C102", "", "not a claimset source: expected <table>.jsonl, an article file or data/entities|clusters/<id>.json")
    return []


ARTICLE_FILES = (layout.ARTICLE_FILE, layout.TEXT_FILE, layout.CLAIMS_FILE)
ARTICLE_EXTRA = "an article folder holds only article.json, text.txt and claims.jsonl"


class Validator:
    def __init__(self, root: Path, on_record: Optional[Callable[[str, dict], None]] = None):
        self.root = Path(root).resolve()
        self.sink = Sink(Path(root))
        self.report = Report()
        self.data = Dataset()
        self.articles: dict[str, ArticleInfo] = {}
        self.on_record = on_record

    def _outside(self, path: Path) -> Optional[str]:
        """Why `path` may not be read: a link (the file's or a parent folder's) out of the repository."""
        absolute = Path(os.path.abspath(path))
        try:
            target = Path(path).resolve(strict=True)
        except (OSError, RuntimeError):
            return None  # a dangling link or a loop: reading it reports C101
        if target == absolute or target.is_relative_to(self.root):
            return None
        if Path(path).is_symlink() or absolute.is_relative_to(self.root) or absolute.is_relative_to(Path(os.path.abspath(self.sink.root))):
            return f"symbolic link to {target}, outside the repository"
        return None

    def _read(self, path: Path, *, allow_cr: bool = False) -> Optional[str]:
        rel = self.sink.rel(path)
        why = self._outside(path)
        if why:
            self.sink.at(rel, 1, 1, "C104", "", why)
            return None
        try:
            data = read_regular(path)
        except OSError as e:
            self.sink.at(rel, 1, 1, "C101", "", f"cannot read the file ({e.strerror})")
            return None
        self.report.files += 1
        text, fail = decode_text(data, allow_cr=allow_cr)
        if fail:
            self.sink.failure(rel, fail)
            return None
        return text

    def _record(self, table: str, obj: Any, origin: Origin, expect_id: Optional[tuple[str, str]] = None) -> None:
        self.report.records[table] += 1
        if not check_structure(table, obj, origin, self.sink):
            rid = obj.get(ID_FIELDS[table]) if isinstance(obj, dict) else None
            if isinstance(rid, str):
                self.data.present[table].update((rid, rid.strip()))
            return
        id_field = ID_FIELDS[table]
        rid = obj[id_field]
        file, line, col = origin.position([id_field])
        where = Where(file, line, col)
        self.data.add_id(table, rid, where, self.sink)
        if expect_id and expect_id[1] != obj[expect_id[0]]:
            self.sink.rec(origin, [expect_id[0]], "C437", f"{expect_id[0]} {obj[expect_id[0]]!r} does not match its file or folder name {expect_id[1]!r}")
        if table == "articles":
            self.articles[rid] = check_article(obj, origin, self.sink)
        elif table == "claims":
            art = self.articles.get(obj["article_id"])
            check_claim(obj, origin, art, self.sink)
            self.data.article_refs.append((obj["article_id"], Where(*origin.position(["article_id"]))))
            for path, ref in _entity_refs(obj):
                self.data.entity_refs.append((ref, Where(*origin.position(path)), field_path(path)))
            key = (obj["article_id"], tuple((s["start"], s["end"]) for s in obj["content"]))
            if key in self.data.contents:
                self.sink.rec(origin, ["content"], "C505", f"claim {self.data.contents[key]!r} has the same content spans")
            else:
                self.data.contents[key] = rid
        elif table == "entities":
            check_entity(obj, origin, self.sink)
        elif table == "clusters":
            check_cluster(obj, origin, self.sink)
            self.data.cluster_sizes.append((rid, len(obj["claim_ids"]), Where(*origin.position(["claim_ids"]))))
            for i, c in enumerate(obj["claim_ids"]):
                self.data.cluster_members.append((c, rid, Where(*origin.position(["claim_ids", i])), f"claim_ids[{i}]"))
        if self.on_record is not None:
            self.on_record(table, obj)

    def _json_file(self, unit: Unit) -> None:
        raw = self._read(unit.path)
        if raw is None:
            return
        rel = self.sink.rel(unit.path)
        if not raw.strip():
            self.sink.at(rel, 1, 1, "C114", "", "the file is empty")
            return
        obj, fail = parse_record(raw)
        if fail:
            self.sink.failure(rel, fail)
            return
        self._record(unit.table, obj, Origin(rel, raw), (ID_FIELDS[unit.table], unit.path.stem))

    def _jsonl_file(self, path: Path, table: str, expect: Optional[tuple[str, str]] = None) -> None:
        raw = self._read(path)
        if raw is None:
            return
        rel = self.sink.rel(path)
        if not raw.strip():
            self.sink.at(rel, 1, 1, "C114", "", "the file is empty")
            return
        lines = raw.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for n, line in enumerate(lines):
            if not line.strip():
                self.sink.at(rel, n + 1, 1, "C205", "", "empty line in a JSONL file")
                continue
            obj, fail = parse_record(line, n)
            if fail:
                self.sink.failure(rel, fail)
                continue
            self._record(table, obj, Origin(rel, line, n), expect)

    def _article_dir(self, folder: Path) -> None:
        folder = Path(folder)
        meta_path, text_path, claims_path = (folder / n for n in ARTICLE_FILES)
        why = self._outside(folder)
        if why:
            self.sink.at(self.sink.rel(folder), 1, 1, "C104", "", why)
            return
        # the folder exists: claims and clusters naming this article are not "unknown" (no cascade)
        self.data.present["articles"].add(folder.name)
        names = _listing(folder, self.sink)
        if names is None:
            self.data.unread.add(folder.name)
            return
        for name in sorted(names):
            if name not in ARTICLE_FILES:
                self.sink.at(self.sink.rel(folder / name), 1, 1, "C103", "", ARTICLE_EXTRA)
        for part in (meta_path, text_path):
            if part.name not in names:
                self.sink.at(self.sink.rel(part), 1, 1, "C105", "", f"{folder.name}/ has no {part.name}")
        text_rel = self.sink.rel(text_path)
        text = self._article_text(self._read(text_path), text_rel) if text_path.name in names else None
        if meta_path.name in names:
            raw = self._read(meta_path)
            if raw is not None:
                self._article_meta(raw, self.sink.rel(meta_path), text, text_rel, folder.name)
        if claims_path.name in names:
            before = len(self.sink.problems)
            self._jsonl_file(claims_path, "claims", ("article_id", folder.name))
            note_unread(self.data, self.sink.problems[before:], self.sink.rel(claims_path), folder.name)

    def _article_text(self, text: Optional[str], rel: str) -> Optional[str]:
        """The text read from text.txt, or None when there is none to check spans against."""
        if text is not None and not text.strip():
            self.sink.at(rel, 1, 1, "C114", "", "the article text is empty")
            return None
        return text

    def _article_meta(self, raw: str, rel: str, text: Optional[str], text_rel: str, name: str) -> None:
        """article.json: its syntax is always checked, the record only with a text to join it to."""
        obj, fail = parse_record(raw) if raw.strip() else (None, Failure("C114", 1, 1, "the file is empty"))
        if fail:
            self.sink.failure(rel, fail)
        elif text is not None:
            if isinstance(obj, dict):
                if "text" in obj:
                    self.sink.rec(Origin(rel, raw), ["text"], "C303", "unknown field 'text' in article.json (the text goes in text.txt)", key=True)
                obj = {**obj, "text": text}
            self._record("articles", obj, Origin(rel, raw, 0, text_rel), ("article_id", name))

    def read(self, paths: Sequence[Path]) -> None:
        """Read and check every source under `paths`; dataset checks wait for finish()."""
        units = discover(paths, self.root, self.sink)
        for u in units:
            if u.kind == "article":
                self._article_dir(u.path)
            elif u.kind == "json":
                self._json_file(u)
        # claims in JSONL tables need every article first
        for u in sorted((u for u in units if u.kind == "jsonl"), key=lambda u: list(TABLES).index(u.table)):
            self._jsonl_file(u.path, u.table)

    def finish(self) -> Report:
        self.data.finish(self.sink)
        self.report.problems = sorted(set(self.sink.problems))
        return self.report

    def run(self, paths: Sequence[Path]) -> Report:
        self.read(paths)
        return self.finish()


def default_data(root: Path) -> Path:
    """root/data, or UsageError when `root` is not a claimset repository."""
    data = Path(root) / "data"
    if not data.is_dir():
        raise UsageError(f"{data}: no such folder; run claimset in the root of a claimset repository, or pass --root or the paths to check")
    return data


def require_repository(root: Path, *needs: str) -> Path:
    """`root` if it is a claimset repository (data/ and the named files or folders), else UsageError:
    commands that write generated files or read the changelog must not act on another folder."""
    default_data(root)
    missing = [n for n in needs if not (Path(root) / n).exists()]
    if missing:
        raise UsageError(f"{root}: not a claimset repository (no {', '.join(missing)}); run claimset in the repository root, or pass --root")
    return Path(root)


def validate(
    paths: Optional[Sequence[Path]] = None, root: Optional[Path] = None, on_record=None, jobs: int = 1, progress: bool = False
) -> Report:
    """Validate sources (default: data/ under root); raises UsageError only for a missing path.

    Runs the streaming engine (engine.py: same problems, constant memory, `jobs` processes); with
    an on_record callback, the reference Validator above, in one process.
    """
    root = Path(root or Path.cwd())
    paths = list(paths) if paths else [default_data(root)]
    if on_record is None:
        from .engine import run

        return run(paths, root, jobs=jobs, progress=progress)
    return Validator(root, on_record).run(paths)


def check_new(
    root: Path,
    table: str,
    obj: dict,
    origin: Origin,
    expect_id: Optional[tuple[str, str]] = None,
    paths: Optional[Sequence[Path]] = None,
) -> list[Problem]:
    """The problems a record not yet written would have once added to the sources.

    The existing sources (default: data/ under root) are read first, so duplicate IDs, unknown
    references and spans against the article text are all checked. Only the problems located in
    the new record (origin.file, at its lines) are returned; the record is written by the caller.
    """
    root = Path(root)
    v = Validator(root)
    paths = list(paths) if paths else [p for p in [root / "data"] if p.exists()]
    if paths:
        v.read(paths)
    before = len(v.sink.problems)
    v._record(table, obj, origin, expect_id)
    new = set(v.sink.problems[before:])
    v.data.finish(v.sink)
    lines = range(origin.line0 + 1, origin.line0 + origin.raw.count("\n") + 2)
    files = {origin.file, origin.text_file}
    new |= {p for p in v.sink.problems if p.file in files and (p.file == origin.text_file or p.line in lines)}
    return sorted(new)
