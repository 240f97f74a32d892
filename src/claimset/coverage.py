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
