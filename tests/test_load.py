"""Loaders on the committed release (ir_datasets style: count plus first, middle and last record)."""

from __future__ import annotations

import pyarrow as pa
import pytest

import claimset
from claimset.models import TABLES
from claimset.models.schemas import arrow_schema

from conftest import ROOT, SEED_FILES

RELEASE = ROOT / "release"


@pytest.fixture(scope="module")
def man():
    return claimset.manifest(RELEASE)


@pytest.mark.parametrize("table", list(TABLES))
def test_count_and_first_middle_last(table, man):
    t = claimset.load(table, RELEASE)
    assert isinstance(t, pa.Table)
    assert t.num_rows == man["tables"][table]["rows"]
    assert t.schema.remove_metadata().equals(arrow_schema(table).remove_metadata())
    recs = list(claimset.records(table, RELEASE))
    assert len(recs) == t.num_rows
    rows = t.to_pylist()
    for i in sorted({0, len(rows) // 2, len(rows) - 1} if rows else set()):
        assert recs[i].model_dump(mode="json") == TABLES[table].model_validate(rows[i]).model_dump(mode="json")
        assert isinstance(recs[i], TABLES[table])


def test_the_five_seeds_are_released(man):
    arts = list(claimset.records("articles", RELEASE))
    assert len(arts) == man["tables"]["articles"]["rows"]
    seeds = sorted(a.provenance for a in arts if a.provenance.startswith("seeds/"))
    assert seeds == sorted(f"seeds/{p}" for p in SEED_FILES)


def test_default_release_is_found():
    assert claimset.load("entities").num_rows == claimset.manifest()["tables"]["entities"]["rows"]


def test_pandas_keeps_nested_lists_of_dicts():
    df = claimset.load_pandas("articles", RELEASE)
    bp = df.loc[df.article_id == "nk-troops-putin-desperation-2024-10-16", "boilerplate"].iloc[0]
    assert isinstance(bp[0], dict) and set(bp[0]) == {"start", "end", "kind", "text"}


def test_hf_datasetdict_with_explicit_features():

    from claimset.models.schemas import hf_features

    dd = claimset.load_hf(RELEASE)
    assert set(dd) == set(TABLES)
    for table in TABLES:
        assert dd[table].features == hf_features(table)
        assert dd[table].num_rows == claimset.load(table, RELEASE).num_rows
    art = dd["articles"][0]
    assert isinstance(art["boilerplate"], list)
    if dd["claims"].num_rows:
        c = dd["claims"][0]
        assert isinstance(c["content"], list) and isinstance(c["content"][0], dict)
        assert c == claimset.load("claims", RELEASE).slice(0, 1).to_pylist()[0]


def test_unknown_table_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown table"):
        claimset.load("claim", RELEASE)


def test_version_is_the_installed_one_or_a_clear_error(man):
    """load/records/load_pandas/load_hf(version=...): the installed release's version loads; any other
    is a ValueError naming both versions and how to get the other one (issue 14)."""
    assert man["version"] == claimset.__version__
    v = claimset.__version__
    assert claimset.load("entities", RELEASE, version=v).num_rows == man["tables"]["entities"]["rows"]
    assert claimset.load("entities", RELEASE, version=f"v{v}").num_rows == man["tables"]["entities"]["rows"]
    assert len(list(claimset.records("clusters", RELEASE, version=v))) == man["tables"]["clusters"]["rows"]
    assert len(claimset.load_pandas("articles", RELEASE, version=v)) == man["tables"]["articles"]["rows"]
    assert claimset.load_hf(RELEASE, tables=["entities"], version=v)["entities"].num_rows == man["tables"]["entities"]["rows"]
    calls = [
        lambda: claimset.load("claims", RELEASE, version="0.0.1"),
        lambda: claimset.records("claims", RELEASE, version="0.0.1"),  # raised at the call, not at next()
        lambda: claimset.load_pandas("claims", RELEASE, version="0.0.1"),
        lambda: claimset.load_hf(RELEASE, version="0.0.1"),
    ]
    for call in calls:
        with pytest.raises(ValueError) as e:
            call()
        msg = str(e.value)
        assert "0.0.1 requested" in msg and f"installed release is {v}" in msg
        assert "pip install claimset==0.0.1" in msg and 'revision="v0.0.1"' in msg
