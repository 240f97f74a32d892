"""Two baselines, pure Python, offline and deterministic (no model, no download, no randomness).

author-sentences: every sentence of the article's own text is one claim by the author, certain,
positive, typed with the most frequent type (event). A floor: it finds every claim's sentence
and attributes nothing.

reporting-rules: a sentence is a claim when it has a reporting cue (said, according to, accused,
told, warned, ...) or a quotation. The claimant is the entity (from the entity list's names and
aliases) whose mention is nearest before the cue in the sentence, else the first one after it
("..., said Kirby"), else, for a pronoun subject, the nearest person named earlier in the text, else
the author. Content: the quotation if there is one, else the sentence without its attribution
clause. Certainty and polarity come from hedge and negation words, types and events from keywords,
quantities from numbers, clusters from the (event type, agent, recipient) triple across articles.

The entity list is the release's, so the baseline knows which names exist (not where claims are).
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

BASELINES = ("author-sentences", "reporting-rules")

_SENT_END = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[\"“‘(\[]?[A-Z0-9])")
_CUE = re.compile(
    r"\b(according to|said|says|say|told|tells|tell|accused|accuses|accuse|warned|warns|claimed|claims|stated|states|added|noted|"
    r"confirmed|confirms|denied|denies|deny|believes|believe|believed|stressed|emphasi[sz]ed|reported|reports|announced|insisted|"
    r"suggested|indicated|indicates|assessed|assesses|thinks|think|alleged|condemned|condemns|urged|called on|disclosed|acknowledged)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[“\"]([^”\"]{3,})[”\"]")
_POSSIBLE = re.compile(r"\b(may|might|could|possibly|perhaps|potentially)\b", re.IGNORECASE)
_PROBABLE = re.compile(r"\b(likely|probably|believes?|believed|thinks?|appears?|seems?|suggest(s|ed)?|indicat(es|ed)|reportedly|allegedly|assess(es|ed)?)\b", re.IGNORECASE)
_NEGATIVE = re.compile(r"\b(not|never|no|denied|denies|deny)\b|n't|n’t", re.IGNORECASE)
_PRONOUN = re.compile(r"^\s*(he|she|they)\b", re.IGNORECASE)
_EVENTS = [
    ("missile_strike", r"\bmissiles?\b.*\b(launch|fired|struck|strike|hit|attack)|\b(launch|fired)\w*\b.*\bmissiles?\b"),
    ("air_strike", r"\b(air ?strikes?|drones?|bomb\w*)\b"),
    ("troop_deployment", r"\b(troops|soldiers|deploy\w*)\b"),
    ("sanction", r"\bsanction\w*\b"),
    ("meeting", r"\b(met|meeting|summit|visit\w*)\b"),
    ("military_aid", r"\b(aid|assistance|funding)\b"),
    ("arms_transfer", r"\b(suppl\w+|sen[dt]\w*|provid\w+|transfer\w*|deliver\w*|ship\w*|weapons|ammunition|shells|arms)\b"),
    ("compensation", r"\b(in exchange|in return|compensat\w+|pay\w*)\b"),
    ("military_offensive", r"\b(offensive|invasion|assault)\b"),
]
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "dozen": 12, "hundred": 100, "thousand": 1000}
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_QUANTITY = re.compile(
    r"\b(?P<qual>over|more than|at least|about|around|approximately|up to|nearly|almost|as many as)?\s*"
    r"(?P<num>\d[\d,]*(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")(?:\s+(?P<scale>thousand|million|billion))?\s+(?P<unit>[a-z][a-z-]+)",
    re.IGNORECASE,
)
_QUALIFIER = {"over": "more_than", "more than": "more_than", "at least": "at_least", "up to": "up_to", "nearly": "at_most", "almost": "at_most", "as many as": "up_to"}
_SKIP_UNITS = {"of", "and", "or", "the", "a", "to", "in", "on", "per", "percent"}


def sentences(text: str, boilerplate: Iterable[dict] = ()) -> list[tuple[int, int]]:
    """(start, end) of each sentence outside boilerplate: lines split at sentence ends, trimmed."""
    masked = list(text)
    for b in boilerplate:
        for i in range(b["start"], min(b["end"], len(text))):
            masked[i] = "\n"
    masked_text = "".join(masked)
    out = []
    pos = 0
    for line in masked_text.split("\n"):
        starts = [0] + [m.end() for m in _SENT_END.finditer(line)]
        ends = [m.start() + len(m.group(0).rstrip()) for m in _SENT_END.finditer(line)] + [len(line)]  # a closing quote stays
        for s, e in zip(starts, ends):
            seg = line[s:e]
            lead, trail = len(seg) - len(seg.lstrip()), len(seg) - len(seg.rstrip())
            a, b = pos + s + lead, pos + e - trail
            if len(text[a:b].split()) >= 3:
                out.append((a, b))
        pos += len(line) + 1
    return out


def _span(text: str, a: int, b: int) -> Optional[dict]:
    while a < b and text[a] in " ,;:\"“”‘’(":
        a += 1
    while b > a and text[b - 1] in " ,;:.\"“”‘’)":
        b -= 1
    return {"start": a, "end": b, "text": text[a:b]} if b - a >= 3 else None


def entity_mentions(text: str, entities: list[dict]) -> list[tuple[int, int, dict]]:
    """Non-overlapping mentions of entity names and aliases, longest name first."""
    names = sorted(((n, e) for e in entities for n in [e["name"], *e["aliases"]] if len(n) >= 2), key=lambda t: (-len(t[0]), t[0]))
    taken = [False] * len(text)
    out = []
    for name, e in names:
        for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text):
            if not any(taken[m.start() : m.end()]):
                out.append((m.start(), m.end(), e))
                for i in range(m.start(), m.end()):
                    taken[i] = True
    return sorted(out, key=lambda t: t[0])


def _source(m: Optional[tuple[int, int, dict]], text: str) -> dict:
    if m is None:
        return {"kind": "author", "entity_id": None, "name": "author", "mention": None}
    s, e, ent = m
    return {"kind": "entity", "entity_id": ent["entity_id"], "name": text[s:e], "mention": {"start": s, "end": e, "text": text[s:e]}}


def _quantities(text: str, span: dict) -> list[dict]:
    out = []
    for m in _QUANTITY.finditer(span["text"]):
        unit = m.group("unit").lower()
        if unit in _SKIP_UNITS:
            continue
        num = m.group("num").lower().replace(",", "")
        value = float(_NUMBER_WORDS.get(num, 0) or float(num)) * _SCALE.get((m.group("scale") or "").lower(), 1)
        qual = _QUALIFIER.get((m.group("qual") or "").lower(), "exact")
        lower = value if qual in ("more_than", "at_least") else None
        upper = value if qual in ("up_to", "at_most") else None
        unit = unit[:-1] if unit.endswith("s") and not unit.endswith("ss") else unit
        a = span["start"] + m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        b = span["start"] + m.end()
        out.append({"span": {"start": a, "end": b, "text": text[a:b]}, "value": value, "lower": lower, "upper": upper, "unit": unit, "per": None, "qualifier": qual, "approximate": (m.group("qual") or "").lower() in ("about", "around", "approximately")})
    return out


def _event(sentence: str, mentions: list[tuple[int, int, dict]]) -> Optional[dict]:
    for etype, pattern in _EVENTS:
        if re.search(pattern, sentence, re.IGNORECASE):
            ids = []
            for _, _, e in mentions:
                if e["entity_id"] not in ids:
                    ids.append(e["entity_id"])
            return {"type": etype, "agent": ids[0] if ids else None, "recipient": ids[1] if len(ids) > 1 else None}
    return None


def _claim(aid: str, n: int, content: list[dict], claimant: dict, certainty="certain", polarity="positive", conditional=False, types=("event",), event=None, quantities=()) -> dict:
    chain = [claimant] if claimant["kind"] == "author" else [claimant, _source(None, "")]
    return {
        "claim_id": f"{aid}-c{n:03d}",
        "article_id": aid,
        "content": content,
        "claimant": claimant,
        "source_chain": chain,
        "factuality": {"certainty": certainty, "polarity": polarity},
        "conditional": conditional,
        "claim_types": list(types),
        "event": event,
        "quantities": list(quantities),
        "cluster_id": None,
    }


def author_sentences(article: dict, entities: list[dict]) -> list[dict]:
    text, aid = article["text"], article["article_id"]
    out = []
    for a, b in sentences(text, article["boilerplate"]):
        span = _span(text, a, b)
        if span:
            out.append(_claim(aid, len(out) + 1, [span], _source(None, text)))
    return out


def reporting_rules(article: dict, entities: list[dict]) -> list[dict]:
    text, aid = article["text"], article["article_id"]
    mentions = entity_mentions(text, entities)
    out = []
    for a, b in sentences(text, article["boilerplate"]):
        sent = text[a:b]
        cue = _CUE.search(sent)
        quotes = list(_QUOTE.finditer(sent))
        if not cue and not quotes:
            continue
        inside = [m for m in mentions if a <= m[0] and m[1] <= b]
        claimant = None
        if cue:
            k = a + cue.start()
            before = [m for m in inside if m[1] <= k]
            after = [m for m in inside if m[0] >= a + cue.end()]
            if cue.group(1).lower() == "according to" and after:
                claimant = after[0]
            elif before:
                claimant = before[-1]
            elif _PRONOUN.match(sent):
                people = [m for m in mentions if m[1] <= a and m[2]["type"] == "person"]
                claimant = people[-1] if people else None
            elif after:
                claimant = after[0]
        if quotes:
            content = [s for s in (_span(text, a + q.start(1), a + q.end(1)) for q in quotes) if s]
        elif cue and cue.start() < len(sent) / 2:
            rest = re.match(r"\s*(?:that\s+)?", sent[cue.end():])
            content = [s for s in [_span(text, a + cue.end() + rest.end(), b)] if s]
        elif cue:
            cut = min([m[0] for m in inside if m[0] >= a + cue.start() - 40 and m[0] < a + cue.start()] + [a + cue.start()])
            content = [s for s in [_span(text, a, cut)] if s]
        else:
            content = []
        content = content or [s for s in [_span(text, a, b)] if s]
        if not content:
            continue
        claim_text = " ".join(c["text"] for c in content)
        certainty = "possible" if _POSSIBLE.search(sent) else "probable" if _PROBABLE.search(sent) else "certain"
        polarity = "negative" if _NEGATIVE.search(sent) else "positive"
        in_content = [m for m in inside if any(c["start"] <= m[0] and m[1] <= c["end"] for c in content)]
        event = _event(claim_text, in_content)
        quantities = [q for c in content for q in _quantities(text, c)]
        types = (["event"] if event else []) + (["quantity"] if quantities else []) + (["quote"] if quotes else [])
        types = types or ["position"]
        c = _claim(aid, len(out) + 1, content, _source(claimant, text), certainty, polarity, bool(re.search(r"\bif\b", sent, re.IGNORECASE)), types, None, quantities)
        if event:
            c["event"] = {**event, "item": None, "item_entity_id": None, "quantity": None, "date": None, "location": None}
            c["cluster_id"] = "-".join(["evt", event["type"].replace("_", "-"), event["agent"] or "none", event["recipient"] or "none"])
        out.append(c)
    return out


def predict(name: str, articles: Iterable[dict], entities: list[dict]) -> list[dict]:
    """Predictions of a baseline for the given articles (a list of claim dicts, in article order)."""
    fn = {"author-sentences": author_sentences, "reporting-rules": reporting_rules}.get(name)
    if fn is None:
        raise ValueError(f"unknown baseline {name!r}; choose one of {', '.join(BASELINES)}")
    out = []
    for art in sorted(articles, key=lambda a: a["article_id"]):
        if isinstance(art.get("text"), str):
            out += fn(art, entities)
    return out
