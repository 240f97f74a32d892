"""`claimset verify`: every checksum and row count recomputed; any damage, loss or addition fails."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from claimset.publish.build import build
from claimset.cli.main import app
from claimset.publish.verify import verify

from conftest import ROOT
from release_helpers import refresh_manifest

runner = CliRunner()


@pytest.fixture
def release(tiny, tmp_path):
    return build(tiny, tmp_path / "release").out


def test_fresh_release_verifies(release):
    v = verify(release)
    assert v.ok, v.problems
    assert v.checked == len(json.loads((release / "manifest.json").read_text())["files"])
    r = runner.invoke(app, ["verify", str(release)])
    assert r.exit_code == 0 and "match the manifest" in r.output


def test_committed_release_verifies():
    if not (ROOT / "release" / "manifest.json").exists():
        pytest.skip("no committed release")
    v = verify(ROOT / "release")
    assert v.ok, v.problems


def test_flipped_byte_fails(release):
    p = release / "claims.parquet"
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x01
    p.write_bytes(bytes(data))
    v = verify(release)
    assert any(x.startswith("claims.parquet: SHA-256") for x in v.problems), v.problems
    assert not any("bytes, the manifest says" in x for x in v.problems)  # same size, only the hash tells
    r = runner.invoke(app, ["verify", str(release)])
    assert r.exit_code == 1 and "claims.parquet: SHA-256" in r.output


def test_truncated_jsonl_fails_on_size_hash_and_rows(release):
    p = release / "claims.jsonl"
    lines = p.read_bytes().splitlines(keepends=True)
    p.write_bytes(b"".join(lines[:-1]))
    problems = verify(release).problems
    assert any(x.startswith("claims.jsonl:") and "bytes, the manifest says" in x for x in problems)
    assert any(x.startswith("claims.jsonl: SHA-256") for x in problems)
    assert "claims.jsonl: 2 rows, the manifest says 3 for table claims" in problems


def test_truncated_parquet_cannot_be_read(release):
    p = release / "articles.parquet"
    p.write_bytes(p.read_bytes()[:-100])
    problems = verify(release).problems
    assert any(x.startswith("articles.parquet: cannot be read as Parquet") for x in problems), problems


def test_missing_file_fails(release):
    (release / "entities.jsonl").unlink()
    problems = verify(release).problems
    assert "entities.jsonl: missing (the manifest lists it)" in problems
    assert runner.invoke(app, ["verify", str(release)]).exit_code == 1


def test_extra_file_fails(release):
    (release / "notes.txt").write_text("not part of the release\n")
    problems = verify(release).problems
    assert problems == ["notes.txt: extra file, not in the manifest"]


def test_sha256sums_must_agree_with_manifest(release):
    sums = release / "SHA256SUMS"
    lines = sums.read_text().splitlines()
    sums.write_text("\n".join(lines[1:]) + "\n")
    problems = verify(release).problems
    assert any(x.startswith("SHA256SUMS: does not list") for x in problems), problems


def test_croissant_hashes_must_agree_with_manifest(release):
    """A croissant.json whose own hash is in the manifest but whose file hashes are stale."""
    p = release / "croissant.json"
    doc = json.loads(p.read_text())
    doc["distribution"][0]["sha256"] = "0" * 64
    p.write_text(json.dumps(doc, indent=2) + "\n")
    refresh_manifest(release)
    problems = verify(release).problems
    assert len(problems) == 1 and problems[0].startswith("croissant.json: ") and "0" * 64 in problems[0]


def test_row_count_mismatch_in_manifest_fails(release):
    man = json.loads((release / "manifest.json").read_text())
    man["tables"]["entities"]["rows"] = 4
    (release / "manifest.json").write_text(json.dumps(man, indent=2) + "\n")
    problems = verify(release).problems
    assert "entities.parquet: 3 rows, the manifest says 4 for table entities" in problems
    assert "entities.jsonl: 3 rows, the manifest says 4 for table entities" in problems


def test_unreadable_manifest_and_missing_folder(tmp_path):
    (tmp_path / "manifest.json").write_text("{")
    assert "cannot read the manifest" in verify(tmp_path).problems[0]
    assert runner.invoke(app, ["verify", str(tmp_path / "nope")]).exit_code == 2
