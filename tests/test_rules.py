"""SchemaStore style: for every rule, a must-fail fixture (code, file, line) and a must-pass one."""

from __future__ import annotations

import copy
import json
import os
import unicodedata
from pathlib import Path

import pytest

from claimset.validation.rules import RULES
from claimset.utils import json_line, sha256_text
from claimset.validation.validate import validate

from conftest import TEXT, claims_path, make_records, span, write_dataset

CLAIMS = "data/articles/tiny-2023-10/claims.jsonl"
ARTICLE = "data/articles/tiny-2023-10/article.json"
TEXTF = "data/articles/tiny-2023-10/text.txt"
KIRBY = "data/entities/john-kirby.json"
CLUSTER = "data/clusters/nk-sent-boxes.json"


def claim(recs, i=1):
    return recs["claims"][i]


def _set(recs, fn):
    fn(recs)
    return recs


# Each case: code -> (fail mutation, (file, line) expected, pass mutation or None for the base dataset).
# A mutation takes (recs, root) and may edit the records (written afterwards) or files (return "raw").


def m_records(fn):
    def run(recs, root):
        fn(recs)

    return run


def m_file(rel, data: bytes):
    def run(recs, root):
        write_dataset(root, recs)
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return "raw"

    return run


def m_claims_lines(fn):
    """Edit claims.jsonl as text lines after writing."""

    def run(recs, root):
        write_dataset(root, recs)
        p = claims_path(root)
        lines = p.read_text(encoding="utf-8").split("\n")
        p.write_bytes(fn(lines).encode("utf-8"))
        return "raw"

    return run


def m_symlink_outside(recs, root):
    write_dataset(root, recs)
    outside = root.parent / f"outside-{root.name}.json"
    outside.write_text(json.dumps(recs["entities"][0]), encoding="utf-8")
    (root / KIRBY).unlink()
    os.symlink(outside, root / KIRBY)
    return "raw"


def m_symlink_inside(recs, root):
    write_dataset(root, recs)
    store = root / "elsewhere.json"
    store.write_text(json.dumps(recs["entities"][0]), encoding="utf-8")
    (root / KIRBY).unlink()
    os.symlink(store, root / KIRBY)
    return "raw"


def m_broken_symlink(recs, root):
    write_dataset(root, recs)
    (root / KIRBY).unlink()
    os.symlink(root / "missing.json", root / KIRBY)
    return "raw"


def m_delete(rel):
    def run(recs, root):
        write_dataset(root, recs)
        (root / rel).unlink()
        return "raw"

    return run


def m_text(new_text, keep_hash=False, rebase=True):
    """Replace the article text; offsets are recomputed for a text of the same shape."""

    def run(recs, root):
        fresh = make_records(new_text) if rebase else recs
        if keep_hash:
            fresh["article"]["text_sha256"] = sha256_text(TEXT)
        recs.clear()
        recs.update(fresh)

    return run


def entity_bytes(recs, **changes) -> bytes:
    e = {**recs["entities"][0], **changes}
    return (json.dumps(e, indent=2) + "\n").encode()


def m_without_claims(recs, root):
    """An article folder without claims.jsonl is complete (claims are optional)."""
    recs["claims"], recs["clusters"] = [], []


E0 = make_records()["entities"][0]
KIRBY_JSON = json.dumps(E0, indent=2)
NESTED = '{"entity_id": "john-kirby", "aliases": ' + "[" * 100_000 + "]" * 100_000 + "}"
ok_kirby = KIRBY_JSON.replace('"Kirby"', '"Kirby", "Mr Kirby"')

CASES = {
    "C101": (m_broken_symlink, (KIRBY, 1), m_symlink_inside),
    "C102": ("empty-dir", ("data", 1), None),
    "C103": (m_file("data/articles/tiny-2023-10/notes.txt", b"x"), ("data/articles/tiny-2023-10/notes.txt", 1), None),
    "C104": (m_symlink_outside, (KIRBY, 1), m_symlink_inside),
    "C105": (m_delete(TEXTF), (TEXTF, 1), m_without_claims),
    "C111": (m_file(KIRBY, b"\xef\xbb\xbf" + KIRBY_JSON.encode()), (KIRBY, 1), m_file(KIRBY, KIRBY_JSON.encode())),
    "C112": (m_file(KIRBY, KIRBY_JSON.replace("US official.", "US \xff official.").encode("latin-1")), (KIRBY, 8), None),
    "C113": (m_file(KIRBY, KIRBY_JSON.replace("\n", "\r\n").encode()), (KIRBY, 1), m_file(KIRBY, KIRBY_JSON.encode())),
    "C114": (m_file(KIRBY, b"  \n"), (KIRBY, 1), None),
    "C115": (m_claims_lines(lambda ls: "\n".join(ls[:2] + ['{"x": "' + "a" * (10 * 1024 * 1024 + 10) + '"}'] + ls[2:])), (CLAIMS, 3), None),
    "C201": (m_file(KIRBY, KIRBY_JSON[:-20].encode()), (KIRBY, 9), m_file(KIRBY, ok_kirby.encode())),
    "C202": (m_file(KIRBY, KIRBY_JSON.replace('"type": "person",', '"type": "person",\n  "type": "person",').encode()), (KIRBY, 5), None),
    "C203": (m_file(KIRBY, KIRBY_JSON.replace('"wikidata": null', '"wikidata": NaN').encode()), (KIRBY, 9), None),
    "C204": (m_file(KIRBY, NESTED.encode()), (KIRBY, 1), None),
    "C205": (m_claims_lines(lambda ls: "\n".join(ls[:1] + [""] + ls[1:])), (CLAIMS, 2), None),
    "C301": (m_records(lambda r: claim(r)["content"][0].update(start="5")), (CLAIMS, 2), None),
    "C302": (m_records(lambda r: claim(r).pop("annotator")), (CLAIMS, 2), m_records(lambda r: claim(r).update(annotator="ann-z"))),
    "C303": (m_records(lambda r: claim(r).update(notes="x")), (CLAIMS, 2), None),
    "C304": (m_records(lambda r: claim(r)["factuality"].update(certainty="sure")), (CLAIMS, 2), m_records(lambda r: claim(r)["factuality"].update(certainty="possible"))),
    "C305": (m_records(lambda r: claim(r).update(statement_date="October 2023")), (CLAIMS, 2), m_records(lambda r: claim(r).update(statement_date="2023-10"))),
    "C306": (m_records(lambda r: claim(r).update(content=[])), (CLAIMS, 2), None),
    "C307": (m_records(lambda r: r["article"].update(url="javascript:alert(1)")), (ARTICLE, 5), m_records(lambda r: r["article"].update(url="https://example.org/news?id=1#top"))),
    "C308": (m_records(lambda r: claim(r).update(claim="North Korea sent\x00 boxes.")), (CLAIMS, 2), m_records(lambda r: claim(r).update(claim="North Korea sent \u201cboxes\u201d \u2014 über 1000."))),
    "C401": (m_text(TEXT + "Cafe\u0301.\n"), (TEXTF, 5), m_text(unicodedata.normalize("NFC", TEXT + "Cafe\u0301.\n"))),
    "C402": (m_records(lambda r: r["article"].update(text_sha256="0" * 64)), (ARTICLE, 12), None),
    "C403": (m_records(lambda r: claim(r).update(statement_date="2023-02-30")), (CLAIMS, 2), m_records(lambda r: claim(r)["event"].update(date="2020-02-29"))),
    "C404": (m_records(lambda r: claim(r).update(statement_date="2023-11")), (CLAIMS, 2), m_records(lambda r: claim(r).update(statement_date="2023-10"))),
    "C411": (m_records(lambda r: claim(r)["cue"].update(start=claim(r)["cue"]["end"] + 1)), (CLAIMS, 2), None),
    "C412": (m_records(lambda r: claim(r)["cue"].update(end=claim(r)["cue"]["start"], text="")), (CLAIMS, 2), None),
    "C413": (m_records(lambda r: claim(r)["cue"].update(start=len(TEXT) - 1, end=len(TEXT) + 3)), (CLAIMS, 2), m_records(lambda r: claim(r)["hedges"].append({"start": len(TEXT) - 2, "end": len(TEXT), "text": TEXT[-2:]}))),
    "C414": (m_records(lambda r: claim(r)["cue"].update(start=claim(r)["cue"]["start"] + 1, end=claim(r)["cue"]["end"] + 1)), (CLAIMS, 2), None),
    "C415": (m_records(lambda r: claim(r)["content"].insert(0, span(TEXT, "Advertisement"))), (CLAIMS, 2), m_records(lambda r: claim(r)["content"].insert(0, span(TEXT, "shells\n")))),
    "C416": (m_records(lambda r: claim(r)["content"].append(span(TEXT, "over 1000"))), (CLAIMS, 2), m_records(lambda r: claim(r)["content"].append(span(TEXT, "Kirby said")))),
    "C421": (m_records(lambda r: claim(r)["quantities"][0].update(upper=10.0)), (CLAIMS, 2), m_records(lambda r: claim(r)["quantities"][0].update(upper=1000.0))),
    "C431": (m_records(lambda r: claim(r)["source_chain"][1].update(entity_id="john-kirby")), (CLAIMS, 2), None),
    "C432": (m_records(lambda r: claim(r)["source_chain"].pop()), (CLAIMS, 2), m_records(lambda r: claim(r)["source_chain"].insert(1, claim(r, 2)["claimant"]))),
    "C433": (m_records(lambda r: claim(r)["evidence"]["cited"].append("intelligence")), (CLAIMS, 2), m_records(lambda r: claim(r)["evidence"].update(cited=["intelligence", "imagery"]))),
    "C434": (m_records(lambda r: claim(r).update(quantities=[])), (CLAIMS, 2), None),
    "C435": (m_records(lambda r: claim(r)["claim_types"].append("quote")), (CLAIMS, 2), None),
    "C436": (m_records(lambda r: claim(r).update(claim_id="claim-1")), (CLAIMS, 2), None),
    "C437": (m_file(KIRBY, KIRBY_JSON.replace('"john-kirby"', '"jon-kirby"').encode()), (KIRBY, 2), None),
    "C501": (m_records(lambda r: claim(r, 2).update(claim_id=claim(r)["claim_id"])), (CLAIMS, 3), None),
    "C502": ("jsonl-unknown-article", ("claims.jsonl", 1), "jsonl-known-article"),
    "C503": (m_records(lambda r: claim(r)["event"].update(recipient="ukraine")), (CLAIMS, 2), m_records(lambda r: claim(r)["event"].update(recipient="north-korea"))),
    "C504": (m_records(lambda r: r["clusters"][0]["claim_ids"].append("tiny-2023-10-c099")), (CLUSTER, 7), None),
    "C505": (m_records(lambda r: claim(r, 2).update(content=copy.deepcopy(claim(r)["content"]))), (CLAIMS, 3), None),
    "C506": (m_records(lambda r: r["clusters"][0].update(claim_ids=[])), (CLUSTER, 4), None),
    "C507": (m_records(lambda r: r["clusters"].append({**r["clusters"][0], "cluster_id": "again"})), ("data/clusters/nk-sent-boxes.json", 5), None),
}


def _apply(case, tmp_path: Path) -> tuple[Path, list]:
    recs = make_records()
    root = tmp_path / "repo"
    root.mkdir()
    paths = None
    if case == "empty-dir":
        (root / "data").mkdir()
        return root, [root / "data"]
    if case in ("jsonl-unknown-article", "jsonl-known-article"):
        c = claim(recs)
        if case == "jsonl-unknown-article":
            c = {**c, "article_id": "gone", "claim_id": "gone-c001"}
        (root / "articles.jsonl").write_text(json_line(recs["article"]) + "\n", encoding="utf-8")
        (root / "claims.jsonl").write_text(json_line(c) + "\n", encoding="utf-8")
        (root / "entities.jsonl").write_text("".join(json_line(e) + "\n" for e in recs["entities"]), encoding="utf-8")
        return root, [root / "articles.jsonl", root / "claims.jsonl", root / "entities.jsonl"]
    if case(recs, root) != "raw":
        write_dataset(root, recs)
    return root, paths


def test_every_rule_has_cases():
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_must_fail(code, tmp_path):
    fail, (file, line), _ = CASES[code]
    root, paths = _apply(fail, tmp_path)
    report = validate(paths, root=root)
    hits = [p for p in report.problems if p.code == code]
    assert hits, f"{code} not reported; got {[(p.code, p.message) for p in report.problems]}"
    assert any(p.file == file and p.line == line for p in hits), [(p.file, p.line, p.message) for p in hits]
    for p in hits:
        assert p.message and "Traceback" not in p.message


@pytest.mark.parametrize("code", sorted(CASES))
def test_must_pass(code, tmp_path):
    _, _, ok = CASES[code]
    root, paths = _apply(ok or m_records(lambda r: None), tmp_path)
    report = validate(paths, root=root)
    assert report.ok, [(p.file, p.line, p.code, p.message) for p in report.problems]
