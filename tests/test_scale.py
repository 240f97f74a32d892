"""The streamed build: sorted runs, shards, same bytes for any number of jobs, loaders over shards."""

from __future__ import annotations

import itertools
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


def _variant(corpus: Path, dest: Path, rewrite) -> Path:
    """A copy of `corpus` with every claims.jsonl passed through rewrite(lines) -> text."""
    import shutil

    shutil.copytree(corpus, dest)
    for p in sorted((dest / "data" / "articles").glob("*/claims.jsonl")):
        p.write_text(rewrite(p.read_text(encoding="utf-8").splitlines()), encoding="utf-8")
    return dest


@pytest.mark.parametrize(
    "form",
    ["spaced", "reversed", "no final newline", "mixed", "some files"],
)
def test_source_lines_in_any_form_give_the_same_release(corpus, tmp_path, form):
    """Canonical source lines in ID order are copied into the release as they are; lines in any other
    form or order are re-encoded and sorted. Either way the release is the same, byte for byte."""
    ref = _files(build(corpus, tmp_path / "ref").out)
    nth = itertools.count()

    def some_files(ls):  # every third file spaced: its buffered run spans kept ranges of other files, so runs are merged
        spaced = next(nth) % 3 == 0
        return "".join((json.dumps(json.loads(l)) if spaced else l) + "\n" for l in ls)

    rewrite = {
        "spaced": lambda ls: "".join(json.dumps(json.loads(l)) + "\n" for l in ls),  # ", " and ": "
        "reversed": lambda ls: "".join(l + "\n" for l in reversed(ls)),
        "no final newline": lambda ls: "\n".join(ls),
        "mixed": lambda ls: "".join((json.dumps(json.loads(l)) if i % 2 else l) + "\n" for i, l in enumerate(ls)),
        "some files": some_files,
    }[form]
    src = _variant(corpus, tmp_path / "src", rewrite)
    for jobs in (1, 2):
        assert _files(build(src, tmp_path / f"out{jobs}", jobs=jobs).out) == ref


@pytest.mark.parametrize("change", ["touched", "deleted"])
def test_a_source_changed_after_validation_stops_the_build(corpus, tmp_path, monkeypatch, change):
    """Kept source lines are copied after validation: a file changed in between (even only touched)
    or gone stops the build with a clear error, and the release already there stays as it was."""
    import os
    import shutil

    src = tmp_path / "src"
    shutil.copytree(corpus, src)
    out = build(src, tmp_path / "rel").out
    before = _files(out)
    real = build_mod.write_release_into

    def edit_then_write(tmp, *a, **k):
        for p in (src / "data" / "articles").glob("*/claims.jsonl"):
            os.utime(p) if change == "touched" else p.unlink()
        return real(tmp, *a, **k)

    monkeypatch.setattr(build_mod, "write_release_into", edit_then_write)
    why = "changed after it was validated" if change == "touched" else r"cannot be read since it was validated \(No such file or directory\)"
    with pytest.raises(build_mod.BuildError, match=why + ": nothing was written; run the build again"):
        build(src, out)
    assert _files(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["rel", "src"]  # no temporary folder left


@pytest.mark.parametrize("shape", ["dirs", "jsonl"])
def test_a_record_longer_than_a_parse_block_is_written(tmp_path, shape):
    """pyarrow's JSON reader fails on a line that spans more than two of its blocks: an article of
    over two megabytes (records may reach 10 MiB) gets blocks that fit it, in both layouts."""
    if shape == "dirs":
        synth.write_dirs(tmp_path, 4, seed=5, claims_per_article=2, text_chars=3_000_000, n_entities=5)
        out = build(tmp_path, tmp_path / "rel").out
    else:
        files = synth.write_jsonl(tmp_path / "j", 4, seed=5, claims_per_article=2, text_chars=3_000_000, n_entities=5)
        out = tmp_path / "rel"
        out.mkdir()
        with tablewriter.collect_tables(tmp_path, paths=[files[t] for t in ("entities", "articles", "claims", "clusters")]) as (report, tables):
            assert report.ok, report.problems[:3]
            for t in tables:
                build_mod.write_table_files(t, tables[t], out)
    texts = pq.read_table(out / "articles.parquet").column("text").to_pylist()
    assert len(texts) == 2 and min(len(t) for t in texts) > 2 << 20
    assert [json.loads(l)["text"] for l in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()] == texts


def test_the_edition_and_splits_inside_a_sharded_release_are_streamed_the_same(corpus, tmp_path, monkeypatch):
    """The annotations-only tables and the benchmark splits inside a full release are derived from its
    tables a line at a time (constant memory), and are still byte for byte what the in-memory writers
    give: `build --edition annotations-only`, and the rows that `claimset.load(..., split=)` selects."""
    from claimset.benchmark.splits import PUBLISHED, PUBLISHED_TABLES, row_filter

    monkeypatch.setattr(tablewriter, "SHARD_BYTES", 60_000)  # the full tables in shards
    full = build(corpus, tmp_path / "full").out
    bare = build(corpus, tmp_path / "bare", edition="annotations-only").out
    man = json.loads((bare / "manifest.json").read_text(encoding="utf-8"))
    names = [n for m in man["tables"].values() for n in m["files"]] + ["text_fingerprints.jsonl"]
    assert {n: (full / "annotations-only" / n).read_bytes() for n in names} == {n: (bare / n).read_bytes() for n in names}
    root = Path(__file__).resolve().parents[1]  # the seed data: the synthetic articles are in no split
    seed = build(root, tmp_path / "seed").out
    report, records = build_mod.collect(root)
    assert len(json.loads((seed / "manifest.json").read_text())["tables"]["claims"]["files"]) > 2  # shards
    for split in PUBLISHED:
        for t in PUBLISHED_TABLES:
            keep = row_filter(t, split)
            want = [r for r in records[t] if keep is None or keep(r)]
            ref = tmp_path / f"ref-{t}-{split}"
            ref.mkdir()
            build_mod.write_table_files(t, want, ref, stem="x", jsonl=False)
            assert (seed / "splits" / f"{t}-{split}.parquet").read_bytes() == (ref / "x.parquet").read_bytes()
            assert pq.read_metadata(ref / "x.parquet").num_rows == len(want) > 0


def test_jsonl_byte_ranges_and_plain_copies_give_the_same_tables(tmp_path, monkeypatch):
    """One large JSONL file per table, cut into byte ranges read by two processes (each keeps its
    ranges as source runs), and the read-and-write copy of systems without os.copy_file_range:
    the same tables as one process with the kernel's copy."""
    files = synth.write_jsonl(tmp_path / "j", 400, seed=9, claims_per_article=8, text_chars=600, n_entities=20)
    paths = [files[t] for t in ("entities", "articles", "claims", "clusters")]

    def tables_with(name, jobs):
        out = tmp_path / name
        out.mkdir()
        with tablewriter.collect_tables(tmp_path, paths=paths, jobs=jobs) as (report, tables):
            assert report.ok, report.problems[:3]
            if name == "ranges":
                assert len(tables["claims"].runs) > 2 and all(r.stamp for r in tables["claims"].runs)
            for t in tables:
                build_mod.write_table_files(t, tables[t], out)
        return _files(out)

    ref = tables_with("ref", 1)
    monkeypatch.setattr(parallel, "SPLIT_BYTES", 20_000)
    monkeypatch.setattr(tablewriter, "SHARD_BYTES", 100_000)  # cuts inside the kept ranges
    assert tables_with("ranges", 2) == tables_with("sharded", 1)
    monkeypatch.setattr(tablewriter, "_COPY_RANGE", False)
    monkeypatch.setattr(tablewriter, "SHARD_BYTES", 256 << 20)
    assert tables_with("plain", 2) == ref
    assert (tmp_path / "ref" / "claims.jsonl").read_bytes() == files["claims"].read_bytes()  # synth writes canonical lines in order
