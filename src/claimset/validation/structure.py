"""The structure layer (C3xx) as JSON Schema words it: jsonschema runs only on a record whose
structure failed the cheap check (typed.py), to name each problem with its field and message.
The schema is generated from the pydantic models (schemas.json_schema)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Iterator

from ..models import _INVISIBLE, TEXT_PATTERN, URL_PATTERN, python_regex
from .problems import Origin, Sink, field_path

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
    from ..models.schemas import json_schema

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
    return report_schema_errors(_schema_validator(table), obj, origin, sink)


def report_schema_errors(validator, obj: Any, origin: Origin, sink: Sink, message=None) -> bool:
    """Every leaf error of a JSON Schema `validator` on `obj`, reported to `sink` with its C3xx code;
    False when there was one. `message(err)`: the text for an error (default: the records' wording).
    Shared by the records' structure check and the benchmark's prediction files."""
    message = message or _schema_message
    ok = True
    for top in validator.iter_errors(obj):
        for err in _leaf_errors(top):
            ok = False
            path = list(err.absolute_path)
            code = _KEYWORD_CODES.get(err.validator, "C301")
            if code == "C305":
                code = _PATTERN_CODES.get(err.validator_value, code)
            if code == "C303" and isinstance(err.instance, dict):
                allowed = set(err.schema.get("properties", {}))
                for extra in sorted(k for k in err.instance if k not in allowed):
                    hint = " (the text goes in text.txt)" if extra == "text" and getattr(origin, "text_file", None) else ""
                    sink.rec(origin, path + [extra], code, f"unknown field '{extra}'{hint}", key=True)
                continue
            fld_path = path
            if code == "C302" and "'" in err.message:
                fld_path = path + [err.message.split("'")[1]]  # name the missing field; point at its object
            file, line, col = origin.position(path)
            sink.at(file, line, col, code, field_path(fld_path), message(err))
    return ok


