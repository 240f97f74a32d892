"""Hypothesis: mutated valid records always give errors, never tracebacks."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from claimset.validation.validate import Origin, Validator
from claimset.utils import json_line

from conftest import make_records

BASE = make_records()
CLAIM = BASE["claims"][1]


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _nullable_names() -> set:
    from claimset.models import Claim
    from claimset.models.schemas import _unwrap, _kind
    import typing

    out, todo = set(), [Claim]
    while todo:
        model = todo.pop()
        for name, info in model.model_fields.items():
            tp, nullable = _unwrap(info.annotation)
            if nullable:
                out.add(name)
            if _kind(tp) == "list":
                tp, _ = _unwrap(typing.get_args(tp)[0])
            if _kind(tp) == "struct":
                todo.append(tp)
    return out - {"entity_id"}  # null entity_id on an entity source is an error (C431)


NULLABLE = _nullable_names()
FREE_TEXT = {"claim", "name", "annotator", "item", "unit", "per"}
PATHS = [p for p in _paths(CLAIM) if p]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
    max_leaves=6,
)


def _get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


def _validate_claim(obj) -> list:
    v = Validator(root=".")
    raw = json_line(obj)
    v._record("articles", BASE["article"], Origin("a.json", json_line(BASE["article"])))
    for e in BASE["entities"]:
        v._record("entities", e, Origin("e.json", json_line(e)))
    v._record("claims", json.loads(raw), Origin("c.jsonl", raw))
    v.data.finish(v.sink)
    return v.sink.problems


mutation = st.one_of(
    st.tuples(st.just("delete"), st.sampled_from([p for p in PATHS if isinstance(p[-1], str)])),
    st.tuples(st.just("retype"), st.sampled_from(PATHS), json_values),
    st.tuples(st.just("extra"), st.sampled_from([p[:-1] for p in PATHS if isinstance(p[-1], str)]), st.text(min_size=1, max_size=6)),
    st.tuples(st.just("shift"), st.sampled_from([p for p in PATHS if p[-1] in ("start", "end")]), st.integers(-3, 3).filter(bool)),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation)
def test_mutated_claim_is_reported_without_traceback(m):
    obj = copy.deepcopy(CLAIM)
    kind, path = m[0], m[1]
    if kind == "delete":
        del _get(obj, path[:-1])[path[-1]]
    elif kind == "retype":
        before = _get(obj, path)
        new = m[2]
        # a value equal to the original, or the same type where any value of that type is valid, is no mutation
        if json.dumps(new) == json.dumps(before):
            return
        if path[-1] in FREE_TEXT and isinstance(new, str) and new:  # any non-empty text is a valid value there
            return
        if new is None and path[-1] in NULLABLE:
            return
        if isinstance(before, bool) and isinstance(new, bool):
            return
        numeric = isinstance(new, (int, float)) and not isinstance(new, bool)
        if numeric and path[-1] in ("value", "lower", "upper"):  # another figure can be as valid
            return
        _get(obj, path[:-1])[path[-1]] = new
    elif kind == "extra":
        parent = _get(obj, path)
        if not isinstance(parent, dict) or m[2] in parent:
            return
        parent[m[2]] = 1
    elif kind == "shift":
        parent = _get(obj, path[:-1])
        parent[path[-1]] += m[2]
    problems = _validate_claim(obj)
    assert problems, f"mutation {m} was not detected"
    for p in problems:
        assert p.code and p.message and p.line >= 1
