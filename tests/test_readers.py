"""The readers against the contract: jsonschema, the reference parser and the one-process reader.

Structure comes from the types generated from the JSON Schema (validation/typed.py); jsonschema only
words the problems. On thousands of generated records (valid ones from claimset.sources.synth, and seeded
mutations of them: missing, extra, mistyped, out-of-range, badly patterned, duplicated keys, NaN,
huge numbers, lone surrogates, ...) these tests assert that

* every line the generated types accept is accepted by the reference parser and by jsonschema, and
  every valid line is accepted by them (so no valid record pays for jsonschema);
* the streaming reader reports exactly the one-process reader's problems, counts and files, for
  JSONL files and the data/ layout, with 1 job and with 2 (files cut into byte ranges).
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from claimset.validation import parallel
from claimset.sources import synth
from claimset.validation import ids, stream, typed
from claimset.sources.jsonio import parse_record
from claimset.utils import json_line
from claimset.validation.validate import Validator, _schema_validator

N_RECORDS = 400  # claims; with their articles, entities and mutations: thousands of lines


@pytest.fixture(scope="module")
def corpus():
    out = {"entity": [], "article": [], "claim": [], "cluster": []}
    for kind, rec in synth.corpus(N_RECORDS, seed=7, claims_per_article=8, text_chars=900, n_entities=40):
        out[kind].append(rec)
    return out


TABLE = {"entity": "entities", "article": "articles", "claim": "claims", "cluster": "clusters"}
ODD_VALUES = [None, True, False, 0, -1, 1.5, 2**70, "", "x", "Z Z", "2024-02-30", "\n", [], {}, [1], {"a": 1}, 10**25, -0.0, "a" * 130]


def _paths(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def _get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


def mutations(rec: dict, rng: random.Random, n: int) -> list[str]:
    """n mutated JSON texts of rec (most invalid, some still valid)."""
    out = []
    paths = list(_paths(rec))
    for _ in range(n):
        obj = copy.deepcopy(rec)
        kind = rng.randrange(9)
        path = rng.choice(paths)
        parent = _get(obj, path[:-1])
        if kind == 0 and isinstance(path[-1], str):
            del parent[path[-1]]
        elif kind == 1:
            parent[path[-1]] = rng.choice(ODD_VALUES)
        elif kind == 2 and isinstance(_get(obj, path), dict):
            _get(obj, path)[rng.choice(["extra", "text", "kind", "Start"])] = 1
        elif kind == 3 and isinstance(_get(obj, path), int) and not isinstance(_get(obj, path), bool):
            parent[path[-1]] = _get(obj, path) + rng.choice([-1, 1, 1000, 0.5])
        elif kind == 4 and isinstance(_get(obj, path), str):
            parent[path[-1]] = _get(obj, path) + rng.choice(["-", "\n", " ", "\u00e9", "A", ":"])
        text = json_line(obj)
        if kind == 5:  # a repeated key, written in the ways JSON allows
            key = rng.choice([k for k in obj if isinstance(k, str)] or ["x"])
            sep = rng.choice([":", " :", ": ", "\t:"])
            text = text[:-1] + f',"{key}"{sep}{json.dumps(obj.get(key))}' + "}"
        elif kind == 6:
            text = text.replace(":", " : ", rng.randint(1, 3))
        elif kind == 7:
            text = rng.choice([text.replace("null", "NaN", 1), text.replace('"', '"\\ud800', 1)[:], text.replace("0", "1e400", 1), text.replace(":", ":\\u003a", 0) + " ", text[:-2]])
        elif kind == 8:
            text = text.replace(",", ', "', 1) if rng.random() < 0.3 else text.replace(":", ":\\u003a", 0)
        out.append(text)
    return out


def reference_accepts(table: str, text: str) -> bool:
    obj, fail = parse_record(text)
    if fail:
        return False
    return not any(True for _ in _schema_validator(table).iter_errors(obj))


def fast_accepts(table: str, text: str) -> bool:
    """What the streaming reader takes as structurally valid without jsonschema: decode + walker."""
    tc = typed.table_check(table)
    raw = text.encode("utf-8", "surrogatepass")
    try:
        rec = tc.decode(raw)
    except Exception:
        return False
    return tc.walk_raw(rec, raw) >= 0


@pytest.mark.parametrize("kind", ["entity", "article", "claim", "cluster"])
def test_fast_structure_never_accepts_what_jsonschema_rejects(kind, corpus):
    table = TABLE[kind]
    rng = random.Random(hash(kind) & 0xFFFF)
    valid = [json_line(r) for r in corpus[kind]]
    assert valid
    fast_valid = sum(fast_accepts(table, t) for t in valid)
    assert fast_valid == len(valid), "valid records must take the fast path"
    checked = 0
    for rec in corpus[kind][:120]:
        for text in mutations(rec, rng, max(12, 600 // len(corpus[kind][:120]))):
            checked += 1
            if fast_accepts(table, text):
                assert reference_accepts(table, text), f"fast path accepted what the contract rejects: {text[:300]}"
    assert checked >= 400


def _mutate_file(path: Path, rng: random.Random, rate: float) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if line and rng.random() < rate:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            lines[i] = mutations(rec, rng, 1)[0]
    if rng.random() < 0.3 and len(lines) > 3:  # a duplicated record: C501 / C505
        lines.insert(rng.randrange(len(lines)), lines[1])
    path.write_text("\n".join(lines), encoding="utf-8")


def _same(root: Path, paths: list[Path], jobs: int):
    ref = Validator(root).run(paths)
    got = parallel.run(paths, root, jobs=jobs)
    assert [p.as_dict() for p in got.problems] == [p.as_dict() for p in ref.problems]
    assert got.records == ref.records and got.files == ref.files
    return ref


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engine_equals_reference_on_jsonl(tmp_path, seed, monkeypatch):
    monkeypatch.setattr(parallel, "SPLIT_BYTES", 20_000)  # cut even small files into byte ranges
    files = synth.write_jsonl(tmp_path / "j", 150, seed=seed, claims_per_article=6, text_chars=700, n_entities=30)
    rng = random.Random(seed)
    for t in ("claims", "articles", "entities", "clusters"):
        _mutate_file(files[t], rng, 0.05 if t != "articles" else 0.03)
    paths = [files[t] for t in ("entities", "articles", "claims", "clusters")]
    for jobs in (1, 2):
        ref = _same(tmp_path, paths, jobs)
    assert ref.problems and ref.records["claims"] > 100


@pytest.mark.parametrize("seed", [4, 5])
def test_engine_equals_reference_on_folders(tmp_path, seed):
    data = synth.write_dirs(tmp_path, 120, seed=seed, claims_per_article=6, text_chars=700, n_entities=30)
    rng = random.Random(seed)
    claims = sorted(data.glob("articles/*/claims.jsonl"))
    for p in rng.sample(claims, 5):
        _mutate_file(p, rng, 0.2)
    # a claim filed under the wrong article, an article with a broken hash, a file with CRLF
    a, b = claims[0], claims[1]
    b.write_text(b.read_text(encoding="utf-8") + a.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")
    art = claims[2].parent / "article.json"
    art.write_text(art.read_text(encoding="utf-8").replace('"text_sha256": "', '"text_sha256": "0'), encoding="utf-8")
    claims[3].write_bytes(claims[3].read_bytes().replace(b"\n", b"\r\n", 1))
    for jobs in (1, 2):
        ref = _same(tmp_path, [data], jobs)
    assert ref.problems


@pytest.mark.parametrize("flush", [ids.FLUSH, 7])
def test_engine_file_level_failures_match(tmp_path, monkeypatch, flush):
    """Invalid UTF-8, CR, BOM, blank files and long lines found mid-stream roll the file back (with
    flush=7, the IDs rolled back have already been moved into Arrow chunks)."""
    monkeypatch.setattr(parallel, "SPLIT_BYTES", 5_000)
    monkeypatch.setattr(ids, "FLUSH", flush)
    files = synth.write_jsonl(tmp_path / "j", 60, seed=9, claims_per_article=6, text_chars=600, n_entities=10)
    base = files["claims"].read_bytes()
    cases = {
        "utf8-late": base[:-200] + b"\xff" + base[-200:],
        "cr-then-utf8": base.replace(b"\n", b"\r\n", 1)[:-100] + b"\xc3" + base[-100:],
        "cr": base[: len(base) // 2] + b"\r" + base[len(base) // 2 :],
        "bom": b"\xef\xbb\xbf" + base,
        "blank": b"\n \n\n",
        "empty": b"",
        "blank-lines": base.replace(b"\n", b"\n\n", 3),
    }
    for name, data in cases.items():
        files["claims"].write_bytes(data)
        paths = [files[t] for t in ("entities", "articles", "claims")]
        for jobs in (1, 2):
            _same(tmp_path, paths, jobs)


@pytest.mark.parametrize("shape", ["jsonl", "dirs"])
def test_engine_equals_reference_on_mutated_files(tmp_path, shape, monkeypatch):
    monkeypatch.setattr(parallel, "SPLIT_BYTES", 20_000)
    rng = random.Random(21)
    if shape == "jsonl":
        files = synth.write_jsonl(tmp_path / "j", 100, seed=21, claims_per_article=6, text_chars=700, n_entities=30)
        for t in ("claims", "articles"):
            _mutate_file(files[t], rng, 0.05)
        paths = [files[t] for t in ("entities", "articles", "claims", "clusters")]
    else:
        data = synth.write_dirs(tmp_path, 80, seed=21, claims_per_article=6, text_chars=700, n_entities=30)
        for p in rng.sample(sorted(data.glob("articles/*/claims.jsonl")), 5):
            _mutate_file(p, rng, 0.2)
        paths = [data]
    for jobs in (1, 2):
        ref = _same(tmp_path, paths, jobs)
    assert ref.problems and ref.records["claims"] > 50


def test_canonical_bytes_equal_the_reference_serialisation(corpus):
    """The build's fast path writes msgspec's encoding; it must be utils.json_line(build.canonical(...))."""
    from claimset.publish.tablewriter import canonical

    rng = random.Random(5)
    odd = ["\u2028", "\u2029", "\x7f", "\x00", "\x1f", '"', "\\", "/", "\u00e9", "\U0001f600", "<>&", "\t", "\n", "\ud7ff", "\ufeff"]
    floats = [0.0, -0.0, 1.0, 2.5, 1e15, 9999999999999998.0, 0.0001, 123456.789, 1 / 3, 1e-4 * 3, 5e15 + 0.5]
    tc = typed.table_check("claims")
    checked = 0
    for c in corpus["claim"][:300]:
        obj = copy.deepcopy(c)
        visible = ['"', "\\", "/", "\u00e9", "\U0001f600", "<>&", "\ud7ff"]
        obj["claim"] = "a" + "".join(rng.choice(visible + ["a", " "]) for _ in range(12)) + "a"
        # span texts are stored exactly (free text is one visible line since schema 1.1.0)
        obj["content"][0]["text"] = rng.choice(odd) + "".join(rng.choice(odd + ["a"]) for _ in range(6))
        if obj["quantities"]:
            obj["quantities"][0]["value"] = rng.choice(floats + [3, 10**6])
        raw = json.dumps(obj, ensure_ascii=rng.random() < 0.5).encode()
        rec = tc.decode(raw)
        if tc.walk(rec) < 0:  # floats msgspec and Python spell differently never take the fast path
            continue
        assert typed._ENCODE(rec) == json_line(canonical("claims", json.loads(raw))).encode("utf-8"), raw[:200]
        checked += 1
    assert checked > 250


def test_unknown_cluster_member_is_found_even_when_its_hash_collides(tmp_path, monkeypatch):
    """C504 is exact: with every string hashing alike in the engine, an unknown claim ID in a cluster
    still gets the reference's C504 (the dataset layer compares the ID strings themselves)."""
    import builtins

    files = synth.write_jsonl(tmp_path / "j", 40, seed=31, claims_per_article=5, text_chars=600, n_entities=10)
    clusters = [json.loads(l) for l in files["clusters"].read_text(encoding="utf-8").splitlines() if l]
    assert clusters
    clusters[0]["claim_ids"].append("zz-no-such-claim")
    files["clusters"].write_text("".join(json_line(c) + "\n" for c in clusters), encoding="utf-8")
    for module in (stream, parallel):
        monkeypatch.setattr(module, "hash", lambda x: 7 if isinstance(x, str) else builtins.hash(x), raising=False)
    paths = [files[t] for t in ("entities", "articles", "claims", "clusters")]
    for jobs in (1, 2):
        ref = _same(tmp_path, paths, jobs)
    assert [p.code for p in ref.problems] == ["C504"]


def test_id_log_truncates_across_arrow_chunks(monkeypatch):
    """A rollback forgets exactly the keys from its position on, pending or already in Arrow chunks."""
    monkeypatch.setattr(ids, "FLUSH", 4)
    for cut in (0, 3, 4, 5, 9, 11, 12):
        log = ids.Log()
        names = [f"id-{i}" for i in range(12)]
        for i, name in enumerate(names):
            log.append(name, i)
        log.truncate(cut)
        log.append("after", 99)
        assert ids.names(log.arrays()) == names[:cut] + ["after"]
        assert list(log.locs) == list(range(cut)) + [99]


def test_repeated_and_present_compare_strings():
    keys = ids.strings(bytearray(b"a\nb\na\nc\nb\nd\n"))
    assert ids.repeated(keys) == [0, 1, 2, 4]
    assert ids.present(keys, {"a", "d", "zz"}) == {"a", "d"}
    assert ids.repeated(ids.strings(bytearray())) == [] and ids.present(ids.strings(bytearray()), {"a"}) == set()


def test_claims_in_jsonl_use_what_check_article_kept(tmp_path):
    """Claims in a JSONL table are checked against their article read again by ID: an article line
    with a problem goes through check_article again (a failing boilerplate span or date is dropped,
    as when it was first read), and an article in a folder is read from the folder."""
    files = synth.write_jsonl(tmp_path / "j", 60, seed=41, claims_per_article=5, text_chars=600, n_entities=10)
    arts = [json.loads(l) for l in files["articles"].read_text(encoding="utf-8").splitlines() if l]
    claims = [json.loads(l) for l in files["claims"].read_text(encoding="utf-8").splitlines() if l]
    first = {}
    for c in claims:
        first.setdefault(c["article_id"], c["content"][0])
    span = lambda a, good: {**first[a["article_id"]], "kind": "advert", "text": first[a["article_id"]]["text"] if good else "not the text"}  # noqa: E731
    arts[0]["text_sha256"] = "0" * 64
    arts[1]["published"] = "2000-02-30"
    arts[2]["boilerplate"] = [span(arts[2], False)]
    arts[3]["boilerplate"] = [span(arts[3], True)]
    files["articles"].write_text("".join(json_line(a) + "\n" for a in arts), encoding="utf-8")
    paths = [files[t] for t in ("entities", "articles", "claims", "clusters")]
    for jobs in (1, 2):
        ref = _same(tmp_path, paths, jobs)
    assert {"C402", "C403", "C414", "C415"} <= {p.code for p in ref.problems}

    data = synth.write_dirs(tmp_path / "d", 40, seed=42, claims_per_article=5, text_chars=600, n_entities=10)
    table = tmp_path / "d" / "extra" / "claims.jsonl"
    table.parent.mkdir()
    lines = [l for p in sorted(data.glob("articles/*/claims.jsonl"))[:3] for l in p.read_text(encoding="utf-8").splitlines() if l]
    table.write_text("".join(l.replace('-c0', '-c9') + "\n" for l in lines), encoding="utf-8")
    for jobs in (1, 2):
        ref = _same(tmp_path / "d", [data, table], jobs)
    assert ref.records["claims"] > len(lines)


@pytest.mark.parametrize("kind", ["entity", "article", "claim", "cluster"])
def test_block_proof_decides_each_line_as_the_line_alone(kind, corpus):
    """typed.decode_block proves "no repeated key" for a whole block at once; whatever the mix of
    valid, mutated and repeated-key lines, it must accept exactly the lines the per-line check does."""
    table = TABLE[kind]
    tc = typed.table_check(table)
    rng = random.Random(hash(kind) & 0xFFF)
    for rec in corpus[kind][:40]:
        lines = [json_line(rec)] + mutations(rec, rng, 6) + [json_line(rec)]
        raws = [t.encode("utf-8", "surrogatepass") for t in lines]
        for encode in (False, True):  # validate, and build (which also gives the canonical bytes)
            got, canon = typed.decode_block(tc, raws, b"\n".join(raws), encode)
            assert [g is not None for g in got] == [fast_accepts(table, t) for t in lines]
            if encode and isinstance(canon, list):
                assert [c is not None for c in canon] == [g is not None for g in got]
            elif encode:  # every line decoded and already canonical: the block itself
                assert canon == b"\n".join(raws) and None not in got
    repeated = json_line(corpus[kind][0])
    key = next(iter(json.loads(repeated)))
    twice = repeated[:-1] + f',"{key}":{json.dumps(json.loads(repeated)[key])}' + "}"
    raws = [repeated.encode(), twice.encode(), repeated.encode()]
    for encode in (False, True):
        assert [g is not None for g in typed.decode_block(tc, raws, b"\n".join(raws), encode)[0]] == [True, False, True]
    canonical = [repeated.encode(), repeated.encode()]  # already canonical: the block itself comes back
    block = b"\n".join(canonical)
    assert typed.decode_block(tc, canonical, block, True)[1] is block
