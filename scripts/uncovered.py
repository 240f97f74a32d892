"""List the sentences of each article that carry no claim, for review.

Usage: python scripts/uncovered.py [--update]
Prints every uncovered sentence with its reviewed reason (or UNREVIEWED). With --update, adds
unreviewed sentences to docs/uncovered-sentences.json with an empty reason for a reviewer to fill
in and drops entries that are now covered. tests/test_coverage.py fails while any reason is empty.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from claimset.coverage import uncovered

ROOT = Path(__file__).resolve().parents[1]
REVIEWED = ROOT / "docs" / "uncovered-sentences.json"


def current() -> dict[str, list[str]]:
    out = {}
    for folder in sorted((ROOT / "data" / "articles").iterdir()):
        meta = json.loads((folder / "article.json").read_text(encoding="utf-8"))
        text = (folder / "text.txt").read_text(encoding="utf-8")
        claims_file = folder / "claims.jsonl"
        claims = [json.loads(l) for l in claims_file.read_text(encoding="utf-8").splitlines()] if claims_file.exists() else []
        out[folder.name] = uncovered(text, [(b["start"], b["end"]) for b in meta["boilerplate"]], claims)
    return out


def main(update: bool) -> int:
    reviewed = json.loads(REVIEWED.read_text(encoding="utf-8")) if REVIEWED.exists() else {}
    new = {}
    for article, sents in current().items():
        old = reviewed.get(article, {})
        new[article] = {s: old.get(s, "") for s in sents}
        for s in sents:
            print(f"{article}: {s!r}: {old.get(s) or 'UNREVIEWED'}")
    if update:
        REVIEWED.write_text(json.dumps(new, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main("--update" in sys.argv))
