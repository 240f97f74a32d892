"""Ingest the five seed articles of the first corpus into data/ (run once; kept for provenance).

Metadata comes from the text itself; where the text states no date, the date is inferred from
the events it reports, at reduced precision, and the basis is written down.
Usage: python scripts/ingest_seeds.py [SEEDS_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from claimset.sources.ingest import find_span, ingest_file
from claimset.sources.layout import write_article

ROOT = Path(__file__).resolve().parents[1]

SEEDS = {
    "000_df178182b5769c97.txt": dict(
        article_id="nk-ballistic-missiles-to-russia-2024-01-05",
        title="North Korea Supplying Ballistic Missiles To Russia For Use Against Ukraine: White House",
        publisher=None,
        published="2024-01-05",
        basis=("stated", "The first line reads 'date 2024-01-05'."),
        extra_boilerplate=[],
    ),
    "001_4ae87a3bd036c1c9.txt": dict(
        article_id="nk-troops-putin-desperation-2024-10-16",
        title="\"New levels of Putin's desperation\": White House on North Korean military in Ukraine",
        publisher="Ukrainska Pravda",
        published="2024-10-16",
        basis=("stated", "The dateline reads 'Wednesday, 16 October 2024, 02:55'."),
        extra_boilerplate=[("Kim Jong Un. Photo: Getty Images", "other", 1)],
    ),
    "002_199f56126d5921ba.txt": dict(
        article_id="us-accuses-nk-supplying-russia-2023-10",
        title="US Accuses North Korea of Supplying Russia for Ukraine War",
        publisher=None,
        published="2023-10",
        basis=(
            "inferred",
            "The text states only 'Copyright 2023'. It reports the White House release of images of over "
            "1,000 containers shipped from North Korea to Russia and Kirby's comment on Russia's new offensive "
            "in eastern Ukraine; both were made public in October 2023.",
        ),
        extra_boilerplate=[],
    ),
    "003_f18964f54b09951a.txt": dict(
        article_id="putin-begging-nk-for-weapons-2024-01",
        title="\u2018Putin is begging North Korea for weapons\u2019",
        publisher=None,
        published="2024-01",
        basis=(
            "inferred",
            "No date in the text. It reports Kirby's briefing on North Korean missiles launched on "
            "30 December 2023 and 2 January 2024 and says the war 'continues into its third year', "
            "so it was written in January 2024.",
        ),
        extra_boilerplate=[("World", "navigation", 1)],
    ),
    "004_8c6f306b990f33ba.txt": dict(
        article_id="wh-accuses-nk-artillery-shells-2022-11",
        title="Ukraine war: White House accuses North Korea of sending artillery to Russia",
        publisher="DayDayNews",
        published="2022-11",
        basis=(
            "inferred",
            "No date in the text. It says the disclosure came 'nearly two months after' the first US "
            "accusation that Russia was buying North Korean shells (September 2022) and refers to "
            "North Korea's denial 'In September', so it was written in November 2022.",
        ),
        extra_boilerplate=[
            ("Russia says nuclear power \u2018on the brink of direct armed conflict\u2019 \u2013 latest news", "navigation", 1),
            ("Has Russia run out of weapons?", "navigation", 1),
        ],
    ),
}


def main(seeds: Path) -> None:
    for name, meta in SEEDS.items():
        ing = ingest_file(seeds / name)
        bp = list(ing.boilerplate)
        for quote, kind, occ in meta["extra_boilerplate"]:
            start, end = find_span(ing.text, quote, occ)
            bp.append({"start": start, "end": end, "kind": kind, "text": quote})
        bp.sort(key=lambda b: (b["start"], b["end"]))
        kind, note = meta["basis"]
        article = {
            "article_id": meta["article_id"],
            "title": meta["title"],
            "publisher": meta["publisher"],
            "url": None,
            "published": meta["published"],
            "published_basis": {"kind": kind, "note": note},
            "language": "en",
            "text": ing.text,
            "text_sha256": ing.sha256,
            "boilerplate": bp,
            "rights": "full_text",
            "provenance": f"seeds/{name}",
        }
        print(write_article(ROOT / "data", article), f"{len(bp)} boilerplate spans")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "seeds")
