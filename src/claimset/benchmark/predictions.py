"""The prediction format: JSONL of claim records in which only what a task needs is required.

The Prediction model is derived from the Claim model field by field (same types, constraints and
descriptions), so the prediction schema follows every change to models.py; only the requirement
changes: `article_id` and `content` always, the fields of a task when that task is scored
(TASK_FIELDS), nothing else. Nested records are relaxed the same way: a span needs its offsets
(its text is checked when given), a source its kind and entity, a quantity its value, bounds and
unit, an event its type. One field is added: `cluster_id`, the predicted cluster.

A bad file is reported like `claimset validate` reports sources: file, line, column, field, a rule
code and a fix. JSON and schema problems keep the validator's codes (C1xx-C3xx); what only a
prediction can get wrong has a P code (PREDICTION_RULES).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Iterable, Optional, Sequence, Union

from pydantic import BaseModel, Field, create_model

from ..models import Claim, Event, Id, Quantity, Record, Source, Span
from ..validation.rules import RULES, Rule
from ..validation.problems import Origin, Problem, Report, Sink
from ..validation.structure import _ecma_validator_class, _schema_message, check_structure, report_schema_errors
from ..version import SCHEMA_VERSION
from .scorer import TASK_FIELDS, TASKS

# --- the model ---------------------------------------------------------------------------------------


def _substitute(tp: Any, mapping: dict) -> Any:
    """`tp` with every model of `mapping` replaced by its relaxed version (inside lists, Optional, Annotated)."""
    if isinstance(tp, type) and tp in mapping:
        return mapping[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Annotated:
        return Annotated[(_substitute(args[0], mapping), *tp.__metadata__)]
    if origin is list:
        return list[_substitute(args[0], mapping)]
    if origin is Union or (origin is not None and origin.__class__.__name__ == "UnionType") or type(tp).__name__ == "UnionType":
        return Union[tuple(_substitute(a, mapping) for a in args)]
    return tp


def derive(base: type[BaseModel], name: str, required: Iterable[str], mapping: dict, doc: str, extra: Optional[dict] = None) -> type[Record]:
    """A model with `base`'s fields (types, constraints, descriptions) in which only `required` must be given."""
    required = set(required)
    fields: dict[str, Any] = {}
    for fname, info in base.model_fields.items():
        tp = _substitute(info.annotation, mapping)
        if info.metadata:
            tp = Annotated[(tp, *info.metadata)]
        if fname in required:
            fields[fname] = (tp, Field(description=info.description))
        else:
            fields[fname] = (Optional[tp], Field(default=None, description=info.description))
    fields.update(extra or {})
    model = create_model(name, __base__=Record, __module__=__name__, **fields)
    model.__doc__ = doc
    return model


SpanPrediction = derive(Span, "SpanPrediction", ["start", "end"], {}, "A span: code points, end-exclusive; its text is optional and checked when given.")
SourcePrediction = derive(Source, "SourcePrediction", ["kind", "entity_id"], {Span: SpanPrediction}, "A source: author, or an entity of the entities table (scored by entity).")
QuantityPrediction = derive(
    Quantity, "QuantityPrediction", ["value", "lower", "upper", "unit"], {Span: SpanPrediction}, "A quantity: value, bounds and unit are scored."
)
EventPrediction = derive(Event, "EventPrediction", ["type"], {Quantity: QuantityPrediction, Span: SpanPrediction}, "An event: type, agent and recipient are scored.")
_RELAXED = {Span: SpanPrediction, Source: SourcePrediction, Quantity: QuantityPrediction, Event: EventPrediction}
Prediction = derive(
    Claim,
    "Prediction",
    TASK_FIELDS["detection"],
    _RELAXED,
    "One predicted claim: article_id and content always; the fields of each scored task (docs/benchmark.md).",
    extra={"cluster_id": (Optional[Id], Field(default=None, description="Predicted cluster: claims with the same cluster_id assert the same proposition; null or absent for a claim alone."))},
)


@lru_cache(maxsize=1)
def prediction_json_schema() -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:claimset:schema:{SCHEMA_VERSION}:prediction",
        **Prediction.model_json_schema(mode="validation"),
    }


# --- rules and problems --------------------------------------------------------------------------------

PREDICTION_RULES: dict[str, Rule] = {
    r.code: r
    for r in [
        Rule("P101", "unknown-article", "prediction", "A prediction for an article_id that the release does not have.", "Use the article_id of a released article (claimset.load('articles')), or drop the prediction."),
        Rule("P102", "task-field-missing", "prediction", "A prediction without a field that a scored task needs (see the task table in docs/benchmark.md).", "Add the field to every prediction, or leave the task out of --task."),
        Rule("P103", "span-outside-text", "prediction", "A span that is reversed, empty or ends past the end of the article text.", "Give offsets in Unicode code points, end-exclusive, within the article text."),
        Rule("P104", "span-text-mismatch", "prediction", "A span whose optional text differs from the article text at its offsets.", "Recompute the offsets (code points, not bytes), or leave the text out."),
        Rule("P105", "source-kind", "prediction", "A source with kind author and an entity_id, or kind entity without one.", "Use entity_id null exactly for the author."),
        Rule("P106", "not-predictions", "prediction", "A path that holds no prediction file (a .jsonl file, or a folder of *claims.jsonl or *predictions.jsonl files).", "Point at the predictions JSONL file, or a folder of them."),
    ]
}
ALL_RULES = {**RULES, **PREDICTION_RULES}


@dataclass(frozen=True, order=True)
class PredictionProblem(Problem):
    @property
    def name(self) -> str:
        return ALL_RULES[self.code].name

    @property
    def fix(self) -> str:
        return ALL_RULES[self.code].fix


class _Sink(Sink):
    def at(self, file: str, line: int, col: int, code: str, fld: str, msg: str) -> None:
        self.problems.append(PredictionProblem(file, line, col, code, fld, msg))


class PredictionError(Exception):
    """A prediction file that cannot be scored; `report` holds every problem."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__(f"{len(report.problems)} problem(s) in the predictions; first: {_line(report.problems[0]) if report.problems else '-'}")


def _line(p: Problem) -> str:
    fld = f" {p.field}:" if p.field else ""
    return f"{p.file}:{p.line}:{p.column}: {p.code} [{p.name}]{fld} {p.message}"


@lru_cache(maxsize=1)
def _validator():
    return _ecma_validator_class()(prediction_json_schema())


def _check_structure(obj: Any, origin: Origin, sink: Sink) -> bool:
    # a prediction may leave optional fields out, so the records' "write null or []" advice is dropped
    return report_schema_errors(_validator(), obj, origin, sink, lambda err: _schema_message(err).replace(" (write null or [] when there is nothing to record)", ""))


def _spans_of(obj: dict) -> Iterable[tuple[list, dict]]:
    for i, s in enumerate(obj.get("content") or []):
        yield ["content", i], s
    for key in ("claimant",):
        if isinstance(obj.get(key), dict) and obj[key].get("mention"):
            yield [key, "mention"], obj[key]["mention"]
    if obj.get("cue"):
        yield ["cue"], obj["cue"]


def check_prediction(obj: Any, origin: Origin, sink: Sink, texts: dict[str, Optional[str]], tasks: Sequence[str]) -> bool:
    """Structure, then what the scorer relies on: a known article, spans inside its text, task fields."""
    if not _check_structure(obj, origin, sink):
        return False
    ok = True
    aid = obj["article_id"]
    if aid not in texts:
        sink.rec(origin, ["article_id"], "P101", f"no released article has the ID {aid!r}")
        return False
    text = texts[aid]
    for path, s in _spans_of(obj):
        start, end = s["start"], s["end"]
        if end <= start or (isinstance(text, str) and end > len(text)):
            where = f"the text has {len(text)} code points" if isinstance(text, str) else "reversed or empty"
            sink.rec(origin, path + ["end"], "P103", f"span {start}-{end} is not inside the article text ({where})")
            ok = False
        elif isinstance(text, str) and s.get("text") is not None and text[start:end] != s["text"]:
            sink.rec(origin, path + ["text"], "P104", f"the text at {start}-{end} is {text[start:end][:60]!r}, not {s['text'][:60]!r}")
            ok = False
    for key in ("claimant",):
        src = obj.get(key)
        if isinstance(src, dict) and (src["kind"] == "author") != (src["entity_id"] is None):
            sink.rec(origin, [key, "entity_id"], "P105", f"kind {src['kind']} with entity_id {src['entity_id']!r}")
            ok = False
    for task in tasks:
        for f in TASK_FIELDS[task]:
            nullable = f in ("event", "cluster_id")
            if f not in obj or (obj[f] is None and not nullable):
                sink.rec(origin, [], "P102", f"task {task} needs the field '{f}'" + ("" if f in obj else " (absent)"))
                ok = False
    return ok


# --- reading ---------------------------------------------------------------------------------------------


@dataclass
class Predictions:
    claims: list[dict]
    clusters: dict[str, str]  # claim_id -> cluster_id, from clusters.jsonl files
    files: list[str]
    tasks: list[str]  # the tasks every prediction carries the fields for


def prediction_files(path: Path) -> tuple[list[Path], list[Path]]:
    """(claim files, clusters files) of a path: a .jsonl file, or a folder of *claims.jsonl /
    *predictions.jsonl files with optional clusters.jsonl files."""
    path = Path(path)
    if path.is_file():
        return [path], [path.with_name("clusters.jsonl")] if path.with_name("clusters.jsonl").is_file() and path.name != "clusters.jsonl" else []
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.jsonl") if p.name.endswith(("claims.jsonl", "predictions.jsonl")))
        return files, sorted(path.rglob("clusters.jsonl"))
    raise FileNotFoundError(f"{path}: no such file or folder")


def _records(path: Path, sink: Sink) -> Iterable[tuple[Any, Origin]]:
    from ..sources.jsonio import decode_text, parse_record

    rel = str(path)
    text, fail = decode_text(path.read_bytes())
    if fail is not None:
        sink.failure(rel, fail)
        return
    for i, line in enumerate(text.split("\n")):
        if not line.strip():
            continue  # blank lines (a trailing newline, a system's spacing) carry nothing
        obj, fail = parse_record(line, i)
        if fail is not None:
            sink.failure(rel, fail)
            continue
        yield obj, Origin(rel, line, i)


def _present_tasks(objs: Sequence[dict]) -> list[str]:
    """Tasks whose fields some prediction gives: then every prediction must give them."""
    return [t for t in TASKS if t != "detection" and any(all(f in o for f in TASK_FIELDS[t]) for o in objs)]


def read_predictions(
    source: Union[str, Path, Sequence[dict]], texts: dict[str, Optional[str]], tasks: Optional[Sequence[str]] = None
) -> Predictions:
    """Read and check predictions (a path, or claim dicts); PredictionError lists every problem."""
    sink = _Sink(Path("."))
    raw: list[tuple[Any, Origin]] = []
    cluster_map: dict[str, str] = {}
    files: list[str] = []
    if isinstance(source, (str, Path)):
        claim_files, cluster_files = prediction_files(Path(source))
        if not claim_files:
            sink.at(str(source), 1, 1, "P106", "", "no *claims.jsonl or *predictions.jsonl file here")
        for f in claim_files:
            files.append(str(f))
            raw += list(_records(f, sink))
        for f in cluster_files:
            for obj, origin in _records(f, sink):
                if check_structure("clusters", obj, origin, sink):
                    for cid in obj["claim_ids"]:
                        cluster_map[cid] = obj["cluster_id"]
    else:
        import json

        for i, obj in enumerate(source):
            raw.append((obj, Origin("<predictions>", json.dumps(obj, ensure_ascii=False), i)))
    dicts = [o for o, _ in raw if isinstance(o, dict)]
    chosen = list(tasks) if tasks is not None else _present_tasks(dicts)
    if "clustering" in chosen and tasks is None and not any("cluster_id" in o for o in dicts):
        chosen.remove("clustering")
    if cluster_map and "clustering" not in chosen:
        chosen.append("clustering")  # labels come from clusters.jsonl: claim records need no cluster_id
    need = [t for t in chosen if t != "detection" and not (t == "clustering" and cluster_map)]
    claims = [obj for obj, origin in raw if check_prediction(obj, origin, sink, texts, need)]
    if sink.problems:
        raise PredictionError(Report(problems=sorted(sink.problems), records={"predictions": len(raw)}, files=len(files)))
    chosen = [t for t in TASKS if t in set(chosen) | {"detection"}]
    return Predictions(claims, cluster_map, files, chosen)
