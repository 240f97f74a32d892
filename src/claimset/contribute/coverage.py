"""Which sentences of an article carry no claim: the completeness check of the annotation.

Sentences are cut at line breaks and after . ! ? (or a closing quote after them) followed by
a space. Boilerplate is left out. A sentence is covered when any claim's content span overlaps it.
The list of uncovered sentences is reviewed by hand: docs/uncovered-sentences.json gives the
reason for each, and tests fail when a new sentence goes uncovered or a reviewed one is covered.
"""

from __future__ import annotations

import re
from typing import Iterable

_SENT_END = re.compile(r"(?<=[.!?])[\u201d\u2019\"']?\s+|\n+")


_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}$")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|No)\.$")


def sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _SENT_END.finditer(text):
        end = m.start() + (len(m.group(0)) - len(m.group(0).lstrip("\u201d\u2019\"'")))
        nxt = text[m.end() : m.end() + 1]
        # "the U.S. believes": an abbreviation followed by a lower-case word does not end a sentence
        if "\n" not in m.group(0):
            head = text[start:end]
            if _TITLE.search(head) or (_ACRONYM.search(head) and nxt.islower()):
                continue
        out.append((start, end))
        start = m.end()
    out.append((start, len(text)))
    spans = []
    for s, e in out:
        seg = text[s:e]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg.rstrip())
        if seg.strip():
            spans.append((s + lead, s + trail))
    return spans


def uncovered(text: str, boilerplate: Iterable[tuple[int, int]], claims: Iterable[dict]) -> list[str]:
    bp = list(boilerplate)
    content = [(s["start"], s["end"]) for c in claims for s in c["content"]]
    out = []
    for s, e in sentences(text):
        if any(bs <= s and e <= be for bs, be in bp):
            continue
        if not any(cs < e and s < ce for cs, ce in content):
            out.append(text[s:e])
    return out


# --- the review of uncovered sentences (docs/uncovered-sentences.json) ----------------------------

REVIEW_FILE = "docs/uncovered-sentences.json"
HOW_TO = (
    f"run `claimset coverage --update`, then for each listed sentence either annotate the claim it "
    f"makes (claimset add-claim) or write in {REVIEW_FILE} why it carries none (guidelines section 1)"
)


def current(root) -> dict:
    """Every article folder's uncovered sentences, from data/ as it is now."""
    import json
    from pathlib import Path

    out = {}
    base = Path(root) / "data" / "articles"
    for folder in sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []:
        meta = json.loads((folder / "article.json").read_text(encoding="utf-8"))
        text = (folder / "text.txt").read_text(encoding="utf-8")
        claims_file = folder / "claims.jsonl"
        lines = claims_file.read_text(encoding="utf-8").splitlines() if claims_file.exists() else []
        claims = [json.loads(line) for line in lines if line.strip()]
        out[folder.name] = uncovered(text, [(b["start"], b["end"]) for b in meta["boilerplate"]], claims)
    return out


def review(root) -> tuple[dict, list[str]]:
    """(the review as it should be, the problems with the committed one): sentences not reviewed,
    reviews of sentences that are now covered, and reviews without a reason."""
    import json
    from pathlib import Path

    path = Path(root) / REVIEW_FILE
    reviewed = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    problems, wanted = [], {}
    now = current(root)
    for article, sents in now.items():
        got = reviewed.get(article, {})
        wanted[article] = {s: got.get(s, "") for s in sents}
        problems += [f"{article}: not reviewed: {s!r}" for s in sents if s not in got]
        problems += [f"{article}: reviewed but now covered by a claim: {s!r}" for s in got if s not in sents]
        problems += [f"{article}: no reason given for {s!r}" for s in sents if s in got and not str(got[s]).strip()]
    problems += [f"{article}: reviewed, but there is no such article" for article in reviewed if article not in now]
    return wanted, problems


def update(root) -> list[str]:
    """Write the review file: new uncovered sentences with an empty reason, covered ones dropped.
    Returns what is still to do (sentences without a reason)."""
    import json
    from pathlib import Path

    from ..utils import atomic_write_text

    wanted, _ = review(root)
    atomic_write_text(Path(root) / REVIEW_FILE, json.dumps(wanted, ensure_ascii=False, indent=2) + "\n")
    return [f"{a}: no reason given for {s!r}" for a, sents in wanted.items() for s, why in sents.items() if not why.strip()]
