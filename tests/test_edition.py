"""The annotations-only edition and `claimset rehydrate`: no text out, the same bytes back, no wrong text in."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from claimset.publish.build import build
from claimset.cli.main import app
from claimset.publish.rehydrate import RehydrateError, export_texts, first_difference, rehydrate
from claimset.publish.texts import FINGERPRINTS, fingerprint, iter_spans, quote_hash
from claimset.loaders import load
from claimset.models import TABLES
from claimset.utils import sha256_text
from claimset.publish.verify import verify
from claimset.version import __version__

from conftest import TEXT
from release_helpers import files_of, read_jsonl, refresh_manifest

runner = CliRunner()
AID = "tiny-2023-10"


@pytest.fixture
def editions(tiny, tmp_path):
    full = build(tiny, tmp_path / "full").out
    bare = build(tiny, tmp_path / "bare", edition="annotations-only").out
    texts = tmp_path / "texts"
    export_texts(full, texts)
    return full, bare, texts


def test_annotations_only_has_no_text(editions):
    full, bare, _ = editions
    man = json.loads((bare / "manifest.json").read_text())
    assert man["edition"] == "annotations-only"
    assert verify(bare).ok
    art = load("articles", bare).to_pylist()[0]
    assert art["text"] == "" and art["text_sha256"] == sha256_text(TEXT)
    spans = 0
    for table in TABLES:
        for row in load(table, bare).to_pylist():
            for s in iter_spans(TABLES[table], row):
                assert s["text"].startswith("sha256:") and len(s["text"]) == 7 + 64
                spans += 1
    assert spans > 10  # content, cues, mentions, quantities and boilerplate are all covered
    quote = "North Korea sent over 1000 boxes"
    for name, data in files_of(bare).items():
        assert quote.encode() not in data, name
        assert "Kirby\u00a0says".encode() not in data, name
    for p in bare.glob("*.parquet"):  # decompressed too: no text in any string column
        assert quote not in json.dumps(pq.read_table(p).to_pylist(), ensure_ascii=False)


def test_annotations_only_keeps_the_schema_and_offsets(editions):
    full, bare, _ = editions
    for table in TABLES:
        assert pq.read_schema(bare / f"{table}.parquet").equals(pq.read_schema(full / f"{table}.parquet"))
    f, b = read_jsonl(full / "claims.jsonl"), read_jsonl(bare / "claims.jsonl")
    assert [s["start"] for c in f for s in c["content"]] == [s["start"] for c in b for s in c["content"]]
    assert b[1]["content"][0]["text"] == "sha256:" + sha256_text(f[1]["content"][0]["text"])
    prints = read_jsonl(bare / FINGERPRINTS)
    assert prints[0]["length"] == len(TEXT) and len(prints[0]["blocks"]) == -(-len(TEXT) // 64)


def test_rehydrate_round_trip_is_byte_identical(editions, tmp_path):
    full, bare, texts = editions
    out, man = rehydrate(bare, texts, tmp_path / "again")
    assert man["edition"] == "full"
    assert files_of(out) == files_of(full)


def test_rehydrate_from_data_layout(tiny, editions, tmp_path):
    full, bare, _ = editions
    out, _ = rehydrate(bare, tiny / "data" / "articles", tmp_path / "from-data")
    assert files_of(out) == files_of(full)


def test_differing_text_is_refused_with_article_and_position(editions, tmp_path):
    full, bare, texts = editions
    p = texts / f"{AID}.txt"
    pos = TEXT.index("1000")
    p.write_text(TEXT[:pos] + "2000" + TEXT[pos + 4 :], encoding="utf-8")
    out = tmp_path / "never"
    with pytest.raises(RehydrateError) as e:
        rehydrate(bare, texts, out)
    msg = str(e.value)
    assert msg.startswith(f"{AID}: the text differs")
    lo, hi = (int(x) for x in msg.split("between code points ")[1].split(" (")[0].split(" and "))
    assert lo <= pos <= hi and hi - lo < 64
    assert not out.exists()


def test_quotes_narrow_the_first_difference(editions):
    """"Kirby" (0-5) still matches and "says" (6-10) does not: the change is in 5..9, not just in block 0-63."""
    full, bare, texts = editions
    pos = TEXT.index("says") + 3
    (texts / f"{AID}.txt").write_text(TEXT[:pos] + "z" + TEXT[pos + 1 :], encoding="utf-8")
    with pytest.raises(RehydrateError, match=r"first difference between code points 5 and 9 \(line 1, column 6 of your text\)"):
        rehydrate(bare, texts, texts.parent / "x")


def test_first_difference_exact_when_quotes_pin_it():
    text = "Kirby says so.\n"
    fp = fingerprint(AID, text)
    spans = [{"start": 0, "end": 5, "text": quote_hash("Kirby")}, {"start": 5, "end": 6, "text": quote_hash(" ")}, {"start": 6, "end": 10, "text": quote_hash("says")}]
    d = first_difference(AID, "Kirby_says so.\n", fp, spans)
    assert (d.position, d.upto) == (5, 6)
    assert "first difference at code point 5 (line 1, column 6" in d.message()
    longer = first_difference(AID, text + "more", fp, spans)
    assert longer.position <= len(text) < longer.upto and "your text has 19 code points, the release text 15" in longer.message()


def test_crlf_and_missing_texts_are_explained(editions, tmp_path):
    full, bare, texts = editions
    (texts / f"{AID}.txt").write_bytes(TEXT.replace("\n", "\r\n").encode())
    with pytest.raises(RehydrateError, match="CR line endings"):
        rehydrate(bare, texts, tmp_path / "x")
    (texts / f"{AID}.txt").unlink()
    with pytest.raises(RehydrateError, match=f"{AID}: no text found"):
        rehydrate(bare, texts, tmp_path / "x")


def test_damaged_quote_hash_is_caught(editions, tmp_path):
    full, bare, texts = editions
    p = bare / "claims.jsonl"
    rows = read_jsonl(p)
    rows[0]["cue"]["text"] = "sha256:" + "0" * 64
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    refresh_manifest(bare)
    with pytest.raises(RehydrateError, match="does not match its hash"):
        rehydrate(bare, texts, tmp_path / "x")


def test_full_edition_is_not_rehydrated(editions, tmp_path):
    full, _, texts = editions
    with pytest.raises(RehydrateError, match="not 'annotations-only'"):
        rehydrate(full, texts, tmp_path / "x")


def test_cli_build_edition_and_rehydrate(tiny, tmp_path):
    r = runner.invoke(app, ["build", "--root", str(tiny), "--edition", "annotations-only"])
    assert r.exit_code == 0, r.output
    bare = tiny / "dist" / f"claimset-{__version__}-annotations-only"
    assert json.loads((bare / "manifest.json").read_text())["edition"] == "annotations-only"
    assert not (tiny / "README.md").exists()  # only the full edition in release/ regenerates the card
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / f"{AID}.txt").write_text(TEXT.replace("Kirby said", "Kirby sad"), encoding="utf-8")
    r = runner.invoke(app, ["rehydrate", str(bare), "--texts", str(texts)])
    assert r.exit_code == 1 and f"refused: {AID}: the text differs" in r.output and "nothing was written" in r.output
    (texts / f"{AID}.txt").write_text(TEXT, encoding="utf-8")
    r = runner.invoke(app, ["rehydrate", str(bare), "--texts", str(texts)])
    assert r.exit_code == 0, r.output
    assert verify(bare.with_name(bare.name + "-full")).ok
    assert runner.invoke(app, ["build", "--root", str(tiny), "--edition", "none"]).exit_code == 2


def test_full_release_publishes_the_annotations_only_edition_inside(editions, tmp_path):
    """release/annotations-only/ holds the annotations-only tables and fingerprints, byte for byte those
    of `build --edition annotations-only`; manifest.json lists them (rows under `editions`, hashes under
    `files`) and SHA256SUMS covers them, so `claimset verify` checks them (issue 14)."""
    import shutil

    from claimset.publish.verify import verify

    full, bare, _ = editions
    sub = full / "annotations-only"
    man = json.loads((full / "manifest.json").read_text(encoding="utf-8"))
    bare_man = json.loads((bare / "manifest.json").read_text(encoding="utf-8"))
    ed = man["editions"]["annotations-only"]
    assert {t: m["rows"] for t, m in ed["tables"].items()} == {t: m["rows"] for t, m in bare_man["tables"].items()}
    for t, m in bare_man["tables"].items():
        assert ed["tables"][t]["files"] == [f"annotations-only/{n}" for n in m["files"]]
        for n in m["files"]:
            assert (sub / n).read_bytes() == (bare / n).read_bytes(), n
    assert ed["metadata"] == ["annotations-only/text_fingerprints.jsonl"]
    assert (sub / "text_fingerprints.jsonl").read_bytes() == (bare / "text_fingerprints.jsonl").read_bytes()
    sums = (full / "SHA256SUMS").read_text(encoding="utf-8")
    for n in [*(f for m in ed["tables"].values() for f in m["files"]), *ed["metadata"]]:
        assert n in man["files"] and f"  {n}\n" in sums
    assert "editions" not in bare_man and not (bare / "annotations-only").exists()
    assert verify(full).ok, verify(full).problems

    damaged = tmp_path / "damaged"
    shutil.copytree(full, damaged)
    with open(damaged / "annotations-only" / "claims.jsonl", "a", encoding="utf-8") as f:
        f.write("{}\n")
    (damaged / "annotations-only" / "stray.txt").write_text("x", encoding="utf-8")
    problems = "\n".join(verify(damaged).problems)
    assert "annotations-only/claims.jsonl: SHA-256" in problems
    assert "annotations-only/claims.jsonl: 4 rows, the manifest says 3 for table claims (annotations-only)" in problems
    assert "annotations-only/stray.txt: extra file, not in the manifest" in problems
    shutil.rmtree(damaged / "annotations-only")
    assert "annotations-only/claims.parquet: missing (the manifest lists it)" in "\n".join(verify(damaged).problems)
