"""The release build: deterministic, atomic, lossless, and nothing from invalid data."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from claimset.publish import build as build_mod
from claimset.publish import tablewriter
from claimset.publish.build import BuildError, build
from claimset.loaders import load, records
from claimset.utils import sha256_file

from release_helpers import files_of
from conftest import ROOT, make_records


def _files(folder: Path) -> dict[str, bytes]:
    return files_of(folder)


def test_build_twice_is_byte_identical(tiny, tmp_path):
    a = build(tiny, tmp_path / "a")
    b = build(tiny, tmp_path / "b")
    assert _files(a.out) == _files(b.out)
    assert a.rows == {"articles": 1, "claims": 3, "entities": 3, "clusters": 1}


def test_manifest_lists_every_file_with_checksum_and_rows(tiny):
    out = build(tiny).out
    man = json.loads((out / "manifest.json").read_text())
    assert man["offsets"] == "unicode-code-points, end-exclusive"
    assert set(man["files"]) == set(files_of(out)) - {"manifest.json", "SHA256SUMS"}
    for name, meta in man["files"].items():
        assert meta["sha256"] == sha256_file(out / name)
        assert meta["bytes"] == (out / name).stat().st_size
    for table, meta in man["tables"].items():
        assert pq.read_metadata(out / f"{table}.parquet").num_rows == meta["rows"]
        assert sum(1 for _ in open(out / f"{table}.jsonl", encoding="utf-8")) == meta["rows"]
    sums = (out / "SHA256SUMS").read_text().splitlines()
    assert sums == [f"{m['sha256']}  {n}" for n, m in man["files"].items()]


def test_parquet_is_zstd_and_typed(tiny):
    out = build(tiny).out
    meta = pq.read_metadata(out / "claims.parquet")
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_round_trip_sources_jsonl_parquet_records_is_lossless(tiny):
    out = build(tiny).out
    src = make_records()
    expected = {
        "articles": [src["article"]],
        "claims": src["claims"],
        "entities": src["entities"],
        "clusters": src["clusters"],
    }
    for table, rows in expected.items():
        canon = sorted((tablewriter.canonical(table, r) for r in rows), key=lambda r: json.dumps(r, sort_keys=True))
        jsonl = [json.loads(l) for l in (out / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()]
        parquet = load(table, out).to_pylist()
        models = [r.model_dump(mode="json") for r in records(table, out)]
        for got in (jsonl, parquet, models):
            assert sorted(got, key=lambda r: json.dumps(r, sort_keys=True)) == canon
    art = load("articles", out).to_pylist()[0]
    assert art["text"] == src["article"]["text"]  # curly quotes, no-break space and ellipsis kept


def test_invalid_data_writes_nothing(tiny, tmp_path):
    (tiny / "data" / "entities" / "russia.json").write_text('{"entity_id": 3}', encoding="utf-8")
    out = tmp_path / "release"
    with pytest.raises(BuildError) as e:
        build(tiny, out)
    assert not out.exists()
    assert e.value.report.problems
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".release")]


def test_interrupted_build_leaves_previous_release(tiny, monkeypatch):
    out = build(tiny).out
    before = _files(out)

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_mod, "manifest_for", boom)
    with pytest.raises(KeyboardInterrupt):
        build(tiny)
    assert _files(out) == before
    assert [p.name for p in tiny.iterdir() if p.name.startswith(".release")] == []


def test_committed_release_matches_a_rebuild(tmp_path):
    """The release in the repository is exactly what the sources build."""
    committed = ROOT / "release"
    if not committed.exists():
        pytest.skip("no committed release")
    fresh = build(ROOT, tmp_path / "release").out
    assert _files(fresh) == _files(committed), "run `claimset build` and commit release/"
