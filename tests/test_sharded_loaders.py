"""A sharded release (tables above the shard size as `<table>-0000K-of-0000N.parquet`) loads whole in
pyarrow, pandas, DuckDB, Polars and Dask, through the glob the dataset card and croissant.json give
(issue 14). The synthetic corpus and the small shard size are those of tests/test_scale.py."""

from __future__ import annotations

import json

import pytest

import claimset
from claimset.sources import synth
from claimset.publish import tablewriter
from claimset.publish.build import build


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("corpus")
    synth.write_dirs(root, 300, seed=11, claims_per_article=7, text_chars=800, n_entities=25)
    mp = pytest.MonkeyPatch()
    mp.setattr(tablewriter, "SHARD_BYTES", 60_000)
    mp.setattr(tablewriter, "ROW_GROUP_BYTES", 20_000)
    try:
        out = build(root, tmp_path_factory.mktemp("rel") / "release").out
    finally:
        mp.undo()
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    shards = [n for n in man["tables"]["claims"]["files"] if n.endswith(".parquet")]
    assert len(shards) > 1, "the fixture must shard the claims table"
    expected = claimset.load("claims", out)
    return {
        "out": out,
        "glob": str(out / f"claims-*-of-{len(shards):05d}.parquet"),  # the card's data_files and Croissant's includes
        "files": [str(out / n) for n in shards],
        "rows": man["tables"]["claims"]["rows"],
        "ids": expected.column("claim_id").to_pylist(),
        "claimants": sorted(str(v) for v in expected.column("claimant").combine_chunks().field("entity_id").to_pylist()),
    }


def _check(s: dict, ids, claimants) -> None:
    assert len(ids) == s["rows"]
    assert sorted(ids) == sorted(s["ids"]) and len(set(ids)) == len(ids)
    assert sorted(str(v) for v in claimants) == s["claimants"]  # a nested field reads too


def test_pyarrow(sharded):
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    t = pq.read_table(sharded["files"])
    _check(sharded, t.column("claim_id").to_pylist(), t.column("claimant").combine_chunks().field("entity_id").to_pylist())
    d = ds.dataset(sharded["files"], format="parquet").to_table(columns=["claim_id"])
    assert d.num_rows == sharded["rows"]


def test_pandas(sharded):
    import pandas as pd

    df = pd.concat([pd.read_parquet(f) for f in sharded["files"]], ignore_index=True)
    _check(sharded, df["claim_id"].tolist(), [c["entity_id"] for c in df["claimant"]])
    assert len(pd.read_parquet(sharded["files"][0])) < sharded["rows"]


def test_duckdb(sharded):
    import duckdb

    con = duckdb.connect()
    rows = con.execute(f"SELECT claim_id, claimant.entity_id FROM read_parquet('{sharded['glob']}')").fetchall()
    _check(sharded, [r[0] for r in rows], [r[1] for r in rows])


def test_polars(sharded):
    import polars as pl

    df = pl.scan_parquet(sharded["glob"]).select("claim_id", pl.col("claimant").struct.field("entity_id")).collect()
    _check(sharded, df["claim_id"].to_list(), df["entity_id"].to_list())


def test_dask(sharded):
    import dask.dataframe as dd  # in the test extra: pip install -c constraints.txt -e ".[test]"

    df = dd.read_parquet(sharded["glob"], columns=["claim_id", "claimant"])
    assert df.npartitions >= len(sharded["files"])
    pdf = df.compute()
    _check(sharded, pdf["claim_id"].tolist(), [c["entity_id"] for c in pdf["claimant"]])
