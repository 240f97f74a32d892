"""The prediction format: must-pass and must-fail for each rule, the published schema, `claimset evaluate`."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from claimset.benchmark.predictions import PREDICTION_RULES, Prediction, PredictionError, prediction_json_schema, read_predictions
from claimset.cli.main import app
from claimset.publish.generated import expected_files

from conftest import ROOT, TEXT, make_records, span

AID = "tiny-2023-10"
TEXTS = {AID: TEXT}
GOOD = {"article_id": AID, "content": [span(TEXT, "Pyongyang sent shells")]}
ATTR = {**GOOD, "claimant": {"kind": "entity", "entity_id": "john-kirby"}, "source_chain": [{"kind": "entity", "entity_id": "john-kirby"}, {"kind": "author", "entity_id": None}]}


def problems(lines, tasks=None, tmp_path=None):
    path = tmp_path / "p.jsonl"
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines), encoding="utf-8")
    try:
        read_predictions(path, TEXTS, tasks)
    except PredictionError as e:
        return e.report.problems
    return []


# rule -> (must pass, must fail, tasks)
CASES = {
    "C201": (GOOD, '{"article_id": "tiny-2023-10", "content": [', None),
    "C301": (GOOD, {**GOOD, "content": "Pyongyang"}, None),
    "C302": (GOOD, {"article_id": AID}, None),
    "C303": (GOOD, {**GOOD, "claimaint": None}, None),
    "C304": ({**GOOD, "factuality": {"certainty": "possible", "polarity": "negative"}}, {**GOOD, "factuality": {"certainty": "sure", "polarity": "negative"}}, None),
    "C305": (GOOD, {**GOOD, "article_id": "Tiny 2023"}, None),
    "C306": (GOOD, {**GOOD, "content": []}, None),
    "P101": (GOOD, {**GOOD, "article_id": "no-such-article"}, None),
    "P102": (ATTR, GOOD, ["attribution"]),
    "P103": ({**GOOD, "content": [{"start": 0, "end": len(TEXT)}]}, {**GOOD, "content": [{"start": 5, "end": len(TEXT) + 1}]}, None),
    "P104": ({**GOOD, "content": [{"start": 0, "end": 5, "text": "Kirby"}]}, {**GOOD, "content": [{"start": 0, "end": 5, "text": "Kirbx"}]}, None),
    "P105": (ATTR, {**ATTR, "claimant": {"kind": "author", "entity_id": "john-kirby"}}, None),
}


@pytest.mark.parametrize("code", list(CASES))
def test_rule_must_pass_and_must_fail(code, tmp_path):
    ok, bad, tasks = CASES[code]
    assert problems([ok], tasks, tmp_path) == []
    found = problems([ok, bad], tasks, tmp_path)
    assert found and {p.code for p in found} == {code}, [p.as_dict() for p in found]
    p = found[0]
    assert p.file.endswith("p.jsonl") and p.line == 2 and p.fix  # file, line and what to do


def test_every_prediction_rule_has_a_case():
    assert set(PREDICTION_RULES) - {"P106"} <= set(CASES)


def test_not_predictions(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(PredictionError) as e:
        read_predictions(tmp_path, TEXTS)
    assert e.value.report.problems[0].code == "P106"


def test_empty_file_is_empty_predictions(tmp_path):
    (tmp_path / "p.jsonl").write_text("")
    preds = read_predictions(tmp_path / "p.jsonl", TEXTS)
    assert preds.claims == [] and preds.tasks == ["detection"]


def test_tasks_follow_the_fields_and_full_claims_are_predictions(tmp_path):
    recs = make_records()
    assert problems(recs["claims"], None, tmp_path) == []  # every claims field is allowed
    path = tmp_path / "p.jsonl"
    preds = read_predictions(path, TEXTS)
    assert preds.tasks == ["detection", "attribution", "factuality", "typing"]
    assert read_predictions([ATTR], TEXTS).tasks == ["detection", "attribution"]
    # a field some predictions give must be given by all
    assert {p.code for p in problems([ATTR, GOOD], None, tmp_path)} == {"P102"}


def test_published_schema_is_current_and_derived_from_the_models():
    path = ROOT / "schema" / "prediction.schema.json"
    assert path.read_text(encoding="utf-8") == expected_files(ROOT)[path], "run `claimset schema export`"
    schema = prediction_json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["article_id", "content"] and schema["additionalProperties"] is False
    from claimset.models import Claim

    assert set(Claim.model_fields) | {"cluster_id"} == set(Prediction.model_fields)
    v = Draft202012Validator(schema)
    for line in (ROOT / "release" / "claims.jsonl").read_text(encoding="utf-8").splitlines()[:20]:
        assert not list(v.iter_errors(json.loads(line)))


def test_cli_evaluate_text_json_and_errors(tmp_path):
    rel = ROOT / "release"
    gold = [json.loads(x) for x in (rel / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    good = tmp_path / "p.jsonl"
    good.write_text("".join(json.dumps({"article_id": g["article_id"], "content": g["content"]}) + "\n" for g in gold[:10]))
    r = CliRunner().invoke(app, ["evaluate", str(good), "--split", "all", "--format", "json", "--bootstrap", "20", "--release", str(rel)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["overall"]["span_exact.precision"] == 1.0 and out["overall"]["span_exact.recall"] < 1.0
    assert out["tasks"] == ["detection"] and out["bootstrap"]["seed"] == 0
    r = CliRunner().invoke(app, ["evaluate", str(good), "--release", str(rel), "--bootstrap", "0"])
    assert r.exit_code == 0 and "| span, exact |" in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"article_id": "no-such-article", "content": [{"start": 0, "end": 1}]}) + "\n")
    r = CliRunner().invoke(app, ["evaluate", str(bad), "--release", str(rel)])
    assert r.exit_code == 2 and "bad.jsonl:1:" in r.output and "P101 [unknown-article]" in r.output and "fix:" in r.output
    for args in (["--split", "dev"], ["--task", "spans"], ["--format", "xml"]):
        r = CliRunner().invoke(app, ["evaluate", str(good), "--release", str(rel), *args])
        assert r.exit_code == 2, (args, r.output)
    assert CliRunner().invoke(app, ["evaluate", str(tmp_path / "none.jsonl")]).exit_code == 2
    r = CliRunner().invoke(app, ["evaluate", str(good), "--release", str(rel), "--task", "attribution"])
    assert r.exit_code == 2 and "P102" in r.output
