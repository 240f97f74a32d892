"""Everything derived from the models: JSON Schema, Arrow schema, HF features, the field table.

Nothing here is typed by hand; each function walks the pydantic models, so a change to a model
changes every derived schema at once (and tests/test_schemas.py fails until the committed copies
are regenerated with `claimset schema export`).
"""

from __future__ import annotations

import types
import typing
from functools import lru_cache
from typing import Any, Iterator, Literal, Union

from pydantic import BaseModel

from . import TABLES
from ..version import SCHEMA_VERSION

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@lru_cache(maxsize=None)
def json_schema(table: str) -> dict[str, Any]:
    model = TABLES[table]
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:claimset:schema:{SCHEMA_VERSION}:{table}",
        **schema,
    }


# --- a small type walker shared by the Arrow, HF and docs generators -------------------------


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """Strip Annotated and Optional; return (inner type, nullable)."""
    nullable = False
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != len(typing.get_args(tp)):
                nullable = True
            if len(args) != 1:
                raise TypeError(f"unsupported union {tp}")
            tp = args[0]
        else:
            return tp, nullable


def _kind(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        return "list"
    if origin is Literal:
        return "enum"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "struct"
    if tp in (str, int, float, bool):
        return tp.__name__
    raise TypeError(f"unsupported type {tp}")


def arrow_type(tp: Any):
    import pyarrow as pa

    tp, _ = _unwrap(tp)
    kind = _kind(tp)
    if kind == "list":
        inner, inner_null = _unwrap(typing.get_args(tp)[0])
        return pa.list_(pa.field("item", arrow_type(inner), nullable=inner_null))
    if kind == "struct":
        return pa.struct(arrow_fields(tp))
    return {"str": pa.string(), "enum": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}[kind]


def arrow_fields(model: type[BaseModel]) -> list:
    import pyarrow as pa

    out = []
    for name, info in model.model_fields.items():
        _, nullable = _unwrap(info.annotation)
        out.append(pa.field(name, arrow_type(info.annotation), nullable=nullable))
    return out


def arrow_schema(table: str):
    import pyarrow as pa

    return pa.schema(arrow_fields(TABLES[table]), metadata={b"claimset.table": table.encode()})


def hf_feature(tp: Any):
    import datasets

    tp, _ = _unwrap(tp)
    kind = _kind(tp)
    if kind == "list":
        # datasets.List keeps a list of structs as a list of dicts (Sequence would give a dict of lists)
        return datasets.List(hf_feature(typing.get_args(tp)[0]))
    if kind == "struct":
        return {name: hf_feature(info.annotation) for name, info in tp.model_fields.items()}
    return datasets.Value({"str": "string", "enum": "string", "int": "int64", "float": "float64", "bool": "bool"}[kind])


def hf_features(table: str):
    import datasets

    return datasets.Features({name: hf_feature(info.annotation) for name, info in TABLES[table].model_fields.items()})


# --- the field table for the docs ----------------------------------------------------------------


def _type_label(tp: Any) -> str:
    tp, nullable = _unwrap(tp)
    kind = _kind(tp)
    if kind == "list":
        label = f"list of {_type_label(typing.get_args(tp)[0])}"
    elif kind == "struct":
        label = tp.__name__
    elif kind == "enum":
        label = "enum: " + " / ".join(f"`{v}`" for v in typing.get_args(tp))
    else:
        label = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}[kind]
    return label + (" or null" if nullable else "")


def iter_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(dotted path, type label, description) for every field, nested fields included."""
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        yield path, _type_label(info.annotation), (info.description or "").replace("|", "\\|")
        tp, _ = _unwrap(info.annotation)
        suffix = ""
        if _kind(tp) == "list":
            tp, _ = _unwrap(typing.get_args(tp)[0])
            suffix = "[]"
        if _kind(tp) == "struct":
            yield from iter_fields(tp, f"{path}{suffix}.")


def data_model_markdown() -> str:
    out = []
    for table, model in TABLES.items():
        out += [f"### `{table}`", "", (model.__doc__ or "").strip(), "", "| field | type | description |", "|---|---|---|"]
        out += [f"| `{p}` | {t} | {d} |" for p, t, d in iter_fields(model)]
        out.append("")
    return "\n".join(out)
