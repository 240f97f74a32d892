"""The dataset card: generated from the release and the template, committed, and checked for drift."""

from __future__ import annotations

import json
import re
import struct

import pytest

from claimset.benchmark.agree import agree
from claimset.publish.build import build
from claimset.publish.card import CARD_BEGIN, CARD_END, FIGURE, expected_files, figure_available, figure_png, readme_text, stale_files, write_card
from claimset.publish.generated import splice_readme

from conftest import ROOT, TEXT, make_records, span

SECTIONS = [
    "### Motivation",
    "### Composition",
    "### Collection and preprocessing",
    "### Annotation process",
    "### Uses",
    "### Biases and limitations",
    "### Personal information",
    "### Licensing and rights",
    "### Maintenance",
    "### Citation",
]
QUICKSTART = [
    '.venv/bin/pip install -c constraints.txt -e ".[test]" && .venv/bin/claimset build',
    ".venv/bin/python -m pytest",
]


def card_of(readme: str) -> str:
    return readme.split(CARD_BEGIN, 1)[1].split(CARD_END, 1)[0]


@pytest.fixture
def tiny_card(tiny):
    build(tiny)
    (tiny / "README.md").write_text("# tiny\n\nHand-written intro.\n\n## Data model\n\nkept\n", encoding="utf-8")
    write_card(tiny)
    return tiny


def test_committed_card_is_current():
    stale = stale_files(ROOT)
    assert not stale, f"run `claimset build` and commit: stale {[str(p.relative_to(ROOT)) for p in stale]}"


def test_committed_readme_keeps_front_matter_first_and_quickstart():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    for cmd in QUICKSTART:
        assert cmd in text
    assert text.count(CARD_BEGIN) == 1 and text.count(CARD_END) == 1
    assert splice_readme(text) == text  # the generated data-model block is current too
    card = card_of(text)
    assert [s for s in SECTIONS if s in card] == SECTIONS
    assert f"]({FIGURE.as_posix()})" in card and (ROOT / FIGURE).is_file()
    assert "```bibtex\n@misc{claimset," in card
    assert not re.search(r"TODO|TBD|XXX|\{\{ |\{%|\{#", card)  # no placeholder, no unrendered Jinja


def test_drift_is_detected(tiny_card):
    assert stale_files(tiny_card) == []
    readme = tiny_card / "README.md"
    readme.write_text(readme.read_text().replace("### Motivation", "### Why"), encoding="utf-8")
    assert readme in stale_files(tiny_card)
    readme.write_text(readme.read_text().replace("config_name: claims", "config_name: claim"), encoding="utf-8")
    write_card(tiny_card)
    assert stale_files(tiny_card) == []
    build(tiny_card)  # same data: nothing to regenerate
    assert stale_files(tiny_card) == []


def test_card_follows_the_data(tiny_card):
    readme = (tiny_card / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("---\n") and "\n# tiny\n\nHand-written intro.\n" in readme
    assert readme.index(CARD_BEGIN) < readme.index("## Data model")
    card = card_of(readme)
    assert "| `tiny-2023-10` | not named | 2023-10-05 | 3 | 1 |" in card
    assert "| John Kirby | 2 | 66.7% |" in card and "| North Korea | 1 | 33.3% |" in card
    assert "| `certain` | 2 | 1 | 3 |" in card and "| total | 2 | 1 | 3 |" in card
    assert "| `event` | 3 | 100.0% |" in card and "| `quote` | 1 | 33.3% |" in card
    assert "| `test` | 3 |" in card  # claims per annotator
    assert "| `advert` | 1 | 14 |" in card
    assert "Not yet measured" in card
    # a new claim shows up after the next build
    recs = make_records()
    extra = {**recs["claims"][2], "claim_id": "tiny-2023-10-c003", "annotator": "second", "content": [span(TEXT, "North Korea denied it")]}
    with open(tiny_card / "data" / "articles" / "tiny-2023-10" / "claims.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(extra, ensure_ascii=False) + "\n")
    build(tiny_card)
    assert tiny_card / "README.md" in stale_files(tiny_card)
    write_card(tiny_card)
    card = card_of((tiny_card / "README.md").read_text(encoding="utf-8"))
    assert "| North Korea | 2 | 50.0% |" in card and "| `second` | 1 |" in card


def test_agreement_figures_are_read_when_present(tiny_card):
    recs = make_records()
    result = agree(recs["claims"], recs["claims"][:2])
    path = tiny_card / "data" / "agreement" / "agreement.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.as_dict()), encoding="utf-8")
    write_card(tiny_card)
    card = card_of((tiny_card / "README.md").read_text(encoding="utf-8"))
    assert "Not yet measured" not in card
    assert "| exact | 3 | 2 | 2 | 1.000 | 0.667 | 0.800 |" in card
    assert "| certainty |" in card and "Cohen's kappa over 2 overlap-matched pairs" in card


def test_readme_splicing_is_idempotent(tiny_card):
    once = (tiny_card / "README.md").read_text(encoding="utf-8")
    assert readme_text(tiny_card) == once
    assert once.count("\n---\n") == 1 and once.count(CARD_BEGIN) == 1


@pytest.mark.skipif(not figure_available(), reason="matplotlib not installed")
def test_figure_is_a_deterministic_png(tiny_card):
    a = figure_png(tiny_card / "release")
    assert a == figure_png(tiny_card / "release")
    assert a[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", a[16:24])
    assert (width, height) == (900, 450)
    assert b"Software" not in a and b"matplotlib" not in a.lower()
    assert (tiny_card / FIGURE).read_bytes() == a
    assert FIGURE in [p.relative_to(tiny_card) for p in expected_files(tiny_card)]


def test_card_says_what_may_be_redistributed_per_article(tiny_card):
    """The licensing section states each article's terms from its `rights` field (issue 14)."""
    from claimset.models import RIGHTS_TERMS

    card = card_of((tiny_card / "README.md").read_text(encoding="utf-8"))
    assert "| `tiny-2023-10` | not named | 2023-10-05 | 3 | 1 | `full_text` |" in card
    assert f"`full_text`, all 1 articles: {RIGHTS_TERMS['full_text']}." in card
    assert "Every article's text may therefore be redistributed" in card
    meta = tiny_card / "data" / "articles" / "tiny-2023-10" / "article.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"rights": "full_text"', '"rights": "unknown"'), encoding="utf-8")
    build(tiny_card)
    write_card(tiny_card)
    card = " ".join(card_of((tiny_card / "README.md").read_text(encoding="utf-8")).split())
    assert "| `tiny-2023-10` | not named | 2023-10-05 | 3 | 1 | `unknown` |" in card
    assert "`unknown`, all 1 articles: the publisher's terms are not known; the text is included for research only and must not be redistributed outside the dataset." in card
    assert "No article text may therefore be redistributed outside this dataset" in card
    assert "The annotations-only edition carries no article text" in card
    assert "`release/annotations-only/`" in card and "`claims-annotations-only`" in card
    assert "may be redistributed under CC BY 4.0" in card


def test_seed_articles_say_their_terms_are_unknown():
    """None of the five seed articles has a known licence (three name no publisher): `unknown`."""
    metas = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "data" / "articles").glob("*/article.json"))]
    seeds = [m for m in metas if m["provenance"].startswith("seeds/")]
    assert len(seeds) == 5 and {m["rights"] for m in seeds} == {"unknown"}
