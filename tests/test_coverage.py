"""Completeness: every sentence that carries a claim has one; the rest were reviewed by hand."""

from __future__ import annotations

import json

from claimset.coverage import sentences, uncovered

from conftest import ROOT


def test_sentence_split():
    t = "Kirby said the U.S. believes it. Mr. Kirby left.\n\u201cWe are concerned.\u201d He said so."
    assert [t[s:e] for s, e in sentences(t)] == [
        "Kirby said the U.S. believes it.",
        "Mr. Kirby left.",
        "\u201cWe are concerned.\u201d",
        "He said so.",
    ]


def test_uncovered_skips_boilerplate_and_covered():
    t = "One claim here.\nAdvertisement:\nNo claim here."
    claims = [{"content": [{"start": 0, "end": 5}]}]
    assert uncovered(t, [(16, 30)], claims) == ["No claim here."]


def test_every_uncovered_sentence_was_reviewed():
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from uncovered import REVIEWED, current

    reviewed = json.loads(REVIEWED.read_text(encoding="utf-8"))
    now = current()
    for article, sents in now.items():
        got = reviewed.get(article, {})
        missing = [s for s in sents if s not in got]
        assert not missing, f"{article}: sentences with no claim and no review: {missing} (run scripts/uncovered.py --update)"
        stale = [s for s in got if s not in sents]
        assert not stale, f"{article}: reviewed sentences that are now covered: {stale} (run scripts/uncovered.py --update)"
        assert all(reason.strip() for reason in got.values()), f"{article}: a reviewed sentence has no reason"
