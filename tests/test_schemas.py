"""The generated copies (JSON Schema, docs, README table) match the models; derived schemas agree."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from jsonschema import Draft202012Validator

from claimset.publish.generated import expected_files, stale_files
from claimset.models import TABLES
from claimset.models.schemas import arrow_schema, hf_features, json_schema

from conftest import ROOT, make_records


def test_committed_generated_files_are_current():
    stale = stale_files(ROOT)
    assert not stale, f"run `claimset schema export`; stale: {[str(p.relative_to(ROOT)) for p in stale]}"


@pytest.mark.parametrize("table", list(TABLES))
def test_json_schema_is_valid_2020_12_and_closed(table):
    schema = json_schema(table)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    for sub in schema.get("$defs", {}).values():
        if sub.get("type") == "object":
            assert sub["additionalProperties"] is False
    assert set(schema["required"]) == set(TABLES[table].model_fields)


def test_schema_accepts_fixture_records_and_rejects_extra_fields():
    recs = make_records()
    v = Draft202012Validator(json_schema("claims"))
    assert not list(v.iter_errors(recs["claims"][0]))
    assert list(v.iter_errors({**recs["claims"][0], "extra": 1}))


@pytest.mark.parametrize("table", list(TABLES))
def test_arrow_schema_matches_release_parquet(table):
    release = ROOT / "release"
    if not (release / f"{table}.parquet").exists():
        pytest.skip("no release built")
    written = pq.read_schema(release / f"{table}.parquet")
    assert written.remove_metadata().equals(arrow_schema(table).remove_metadata())


@pytest.mark.parametrize("table", list(TABLES))
def test_hf_features_cover_every_field_and_keep_lists_of_structs(table):
    import datasets

    feats = hf_features(table)
    assert list(feats) == list(TABLES[table].model_fields)
    if table == "claims":
        assert isinstance(feats["content"], datasets.List)
        assert isinstance(feats["content"].feature, dict)
        assert feats["event"]["quantity"]["span"]["start"] == datasets.Value("int64")


def test_generated_readme_table_lists_nested_fields():
    readme = expected_files(ROOT)[ROOT / "README.md"]
    for path in ("`content[].start`", "`event.location.name`", "`factuality.certainty`", "`boilerplate[].kind`"):
        assert path in readme


def test_schema_files_are_json():
    for t in TABLES:
        assert json.loads((ROOT / "schema" / f"{t}.schema.json").read_text())["title"] == TABLES[t].__name__
