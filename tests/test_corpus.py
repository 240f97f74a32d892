"""The seed corpus: texts kept exactly, offsets in code points, the full data/ validates."""

from __future__ import annotations

import json
import unicodedata

import pytest

from claimset.validation.validate import validate

from conftest import ROOT, SEED_FILES, SEEDS


def _articles():
    for folder in sorted((ROOT / "data" / "articles").iterdir()):
        yield folder, json.loads((folder / "article.json").read_text(encoding="utf-8"))


def test_data_validates():
    report = validate(root=ROOT)
    assert report.ok, [(p.file, p.line, p.code, p.message) for p in report.problems[:20]]
    # counts come from the data: every article folder is read (a contribution adds folders)
    assert report.records["articles"] == len([p for p in (ROOT / "data" / "articles").iterdir() if p.is_dir()])
    assert report.records["articles"] >= len(SEED_FILES)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds not beside the repository")
def test_texts_are_the_seeds_exactly():
    """Facts of the seed articles, for the seed articles only: each seed is one article, its text
    exactly the seed's (NFC). Articles contributed later have other provenances."""
    seen = set()
    for folder, meta in _articles():
        if not meta["provenance"].startswith("seeds/"):
            continue
        name = meta["provenance"].removeprefix("seeds/")
        seed = (SEEDS / name).read_bytes().decode("utf-8")
        stored = (folder / "text.txt").read_bytes().decode("utf-8")
        assert stored == unicodedata.normalize("NFC", seed)
        seen.add(name)
    assert seen == {p.name for p in SEEDS.iterdir()} == set(SEED_FILES)


def test_typos_are_kept_and_normalised_elsewhere():
    text = (ROOT / "data/articles/nk-ballistic-missiles-to-russia-2024-01-05/text.txt").read_text(encoding="utf-8")
    assert "Zaparicia" in text
    ent = json.loads((ROOT / "data/entities/zaporizhzhia-oblast.json").read_text(encoding="utf-8"))
    assert "Zaparicia" in ent["aliases"]


def test_code_point_offsets_not_bytes_or_utf16():
    """Byte offsets go wrong after the first curly quote; UTF-16 after the first astral character."""
    from claimset.validation.validate import Origin, Sink, check_span
    from types import SimpleNamespace

    text = (ROOT / "data/articles/putin-begging-nk-for-weapons-2024-01/text.txt").read_text(encoding="utf-8")
    assert "\u2026" in text and "\u201c" in text
    assert "\u00a0" in (ROOT / "data/articles/nk-troops-putin-desperation-2024-10-16/text.txt").read_text(encoding="utf-8")
    quote = "North Korea\u2019s \u201cactual"
    text = text[:300] + " Zelenskyy cited " + quote + " involvement\u201d " + text[300:]
    cp = text.index(quote)
    b = len(text[:cp].encode("utf-8"))
    assert b != cp
    sink = Sink(ROOT)
    origin = Origin("x.jsonl", "{}")
    assert check_span(SimpleNamespace(start=cp, end=cp + len(quote), text=quote), text, origin, ["content", 0], sink)
    assert not check_span(SimpleNamespace(start=b, end=b + len(quote.encode()), text=quote), text, origin, ["content", 0], sink)
    assert "UTF-8 byte offsets" in sink.problems[-1].message and sink.problems[-1].code == "C414"
    astral = "\U0001F4A5 boom " + quote + " and more text after it"
    u16 = len("\U0001F4A5 boom ".encode("utf-16-le")) // 2
    assert not check_span(SimpleNamespace(start=u16, end=u16 + len(quote), text=quote), astral, origin, ["content", 0], sink)
    assert "UTF-16" in sink.problems[-1].message


def test_boilerplate_is_marked_not_removed():
    for folder, meta in _articles():
        text = (folder / "text.txt").read_text(encoding="utf-8")
        for b in meta["boilerplate"]:
            assert text[b["start"] : b["end"]] == b["text"]
    kinds = {b["text"]: b["kind"] for _, m in _articles() for b in m["boilerplate"]}
    assert kinds["Source link"] == "source_link"
    assert kinds["[ad_1]"] == "advert"
    assert kinds["Back to top button"] == "navigation"


def test_no_practice_or_fixture_record_is_in_the_data():
    """CONTRIBUTING's practice article and its example entity are invented: a pull request that
    adds them (following the guide to the letter) fails here, in CI, and never reaches a release."""
    sample = (ROOT / "tests" / "fixtures" / "sample_article.txt").read_text(encoding="utf-8").splitlines()[0]
    for folder, meta in _articles():
        first = (folder / "text.txt").read_text(encoding="utf-8").splitlines()[0]
        assert first != sample, f"{folder.name} is CONTRIBUTING's invented practice article; remove data/articles/{folder.name}/"
        assert meta["provenance"] != "tests/fixtures/sample_article.txt", folder.name
    assert not (ROOT / "data" / "entities" / "sample-news.json").exists(), "sample-news is CONTRIBUTING's invented example entity; delete it"
