"""The streamed build: sorted runs, shards, same bytes for any number of jobs, loaders over shards."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import claimset
from claimset.publish import build as build_mod
from claimset.validation import parallel
from claimset.sources import synth
from claimset.publish import tablewriter
from claimset.publish.build import build

from release_helpers import files_of


def _files(folder: Path) -> dict[str, bytes]:
    return files_of(folder)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    synth.write_dirs(root, 300, seed=11, claims_per_article=7, text_chars=800, n_entities=25)
    return root


def test_streamed_build_equals_in_memory_writer(corpus, tmp_path):
    """The streamed tables are byte for byte what the in-memory writer (build.write_table_files) makes."""
    out = build(corpus, tmp_path / "stream").out
    report, records = build_mod.collect(corpus)
    assert report.ok
    ref = tmp_path / "ref"
    ref.mkdir()
    for t, rows in records.items():
        build_mod.write_table_files(t, rows, ref)
    for name, data in _files(ref).items():
        assert (out / name).read_bytes() == data, name


def test_same_bytes_for_any_jobs_and_run_size(corpus, tmp_path, monkeypatch):
    a = build(corpus, tmp_path / "a", jobs=1).out
    monkeypatch.setattr(tablewriter, "RUN_BYTES", 4096)  # many small runs, merged by ID
    monkeypatch.setattr(parallel, "SPLIT_BYTES", 10_000)
    b = build(corpus, tmp_path / "b", jobs=2).out
    assert _files(a) == _files(b)


def test_large_tables_are_sharded_and_load_whole(corpus, tmp_path, monkeypatch):
    whole = build(corpus, tmp_path / "whole").out
    monkeypatch.setattr(tablewriter, "SHARD_BYTES", 60_000)
    monkeypatch.setattr(tablewriter, "ROW_GROUP_BYTES", 20_000)
    out = build(corpus, tmp_path / "sharded").out
    man = json.loads((out / "manifest.json").read_text())
    shards = [n for n in man["tables"]["claims"]["files"] if n.endswith(".parquet")]
    assert len(shards) > 1 and shards[0] == f"claims-00000-of-{len(shards):05d}.parquet"
    assert sum(pq.read_metadata(out / n).num_rows for n in shards) == man["tables"]["claims"]["rows"]
    assert pq.read_metadata(out / shards[0]).num_row_groups > 1
    assert set(man["files"]) >= set(man["tables"]["claims"]["files"])
    for table in ("articles", "claims", "entities"):
        assert claimset.load(table, out).to_pylist() == claimset.load(table, whole).to_pylist()
    jsonl = b"".join((out / n).read_bytes() for n in man["tables"]["claims"]["files"] if n.endswith(".jsonl"))
    assert jsonl == (whole / "claims.jsonl").read_bytes()
    cr = json.loads((out / "croissant.json").read_text())
    sets = [d for d in cr["distribution"] if d["@type"] == "cr:FileSet"]
    assert [s["includes"] for s in sets if s["@id"] == "claims-parquet"] == [f"claims-*-of-{len(shards):05d}.parquet"]
    claims_rs = next(r for r in cr["recordSet"] if r["@id"] == "claims")
    assert claims_rs["field"][0]["source"]["fileSet"] == {"@id": "claims-parquet"}


def test_unsorted_sources_are_sorted(tmp_path):
    """Claims arrive in any order (one big JSONL): the release is sorted by ID all the same."""
    files = synth.write_jsonl(tmp_path / "j", 120, seed=3, claims_per_article=6, text_chars=700, n_entities=20)
    lines = files["claims"].read_text(encoding="utf-8").splitlines()
    files["claims"].write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    with tablewriter.collect_tables(tmp_path, paths=[files[t] for t in ("entities", "articles", "claims", "clusters")]) as (report, tables):
        assert report.ok, report.problems[:3]
        got = [json.loads(l)["claim_id"] for l in tables["claims"].lines()]
    assert got == sorted(got) and len(got) == 120
