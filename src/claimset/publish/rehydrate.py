"""`claimset rehydrate`: the full edition again, from the annotations-only edition and the user's texts.

`rehydrate` takes the texts a user holds (DIR/<article_id>.txt or DIR/<article_id>/text.txt, UTF-8),
checks each against `text_sha256`, refuses any that differs (naming the article and the first
differing position), re-attaches text and quotes, checks every quote against its hash, and writes
the full edition through the same writer as `claimset build`: the round trip gives byte-identical files.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..models import ID_FIELDS, TABLES
from ..utils import sha256_text
from .texts import (
    BLOCK,
    BLOCK_HEX,
    EDITION,
    FINGERPRINTS,
    iter_spans,
    map_spans,
    quote_hash,
)


class RehydrateError(Exception):
    """A text that is missing or differs from the release; nothing was written."""

# --- rehydrating ------------------------------------------------------------------------------------


@dataclass
class Difference:
    article_id: str
    position: int  # first code point that may differ
    upto: int  # the difference lies in [position, upto)
    line: int
    column: int
    hints: list[str]

    def message(self) -> str:
        where = f"at code point {self.position}" if self.upto - self.position <= 1 else f"between code points {self.position} and {self.upto - 1}"
        msg = f"{self.article_id}: the text differs from the release (text_sha256); first difference {where} (line {self.line}, column {self.column} of your text)"
        return msg + "".join(f"; {h}" for h in self.hints)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    pos = min(pos, len(text))
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def first_difference(article_id: str, text: str, fp: dict, spans: list[dict]) -> Difference:
    """Locate the first difference of `text` from the release text, using only hashes.

    The 64-code-point block hashes give the first block that differs; the quote hashes of the
    annotations narrow it further: a quote that matches proves its characters equal, one that
    does not proves a difference before its end.
    """
    n = fp["length"]
    lo, hi = 0, n + 1
    for i, h in enumerate(fp["blocks"]):
        if sha256_text(text[i * BLOCK : (i + 1) * BLOCK])[:BLOCK_HEX] != h:
            lo, hi = i * BLOCK, min((i + 1) * BLOCK, n + 1)  # n: the supplied text goes on
            break
    else:
        lo, hi = n, n + 1  # every block matches: the supplied text is longer
    changed = True
    while changed:  # matching quotes that start inside the known-equal prefix extend it
        changed = False
        for s in spans:
            if s["start"] <= lo < s["end"] and s["end"] <= n and quote_hash(text[s["start"] : s["end"]]) == s["text"]:
                lo, changed = s["end"], True
    for s in spans:
        if lo <= s["start"] and s["end"] <= hi and quote_hash(text[s["start"] : s["end"]]) != s["text"]:
            hi = min(hi, s["end"])
    hi = max(hi, lo + 1)
    hints = []
    if text.startswith("\ufeff"):
        hints.append("your text starts with a byte-order mark; the release text does not")
    if "\r" in text:
        hints.append(f"your text has CR line endings (first at line {_line_col(text, text.index(chr(13)))[0]}); the release text uses LF only")
    if unicodedata.normalize("NFC", text) != text:
        hints.append("your text is not Unicode NFC; the release text is")
    if len(text) != n:
        hints.append(f"your text has {len(text)} code points, the release text {n}")
    line, col = _line_col(text, lo)
    return Difference(article_id, lo, hi, line, col, hints)


def find_text(texts: Path, article_id: str) -> Optional[Path]:
    for p in (texts / f"{article_id}.txt", texts / article_id / "text.txt"):
        if p.is_file():
            return p
    return None


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rehydrate_records(release: Path, texts: Path) -> tuple[dict[str, list[dict]], dict]:
    """The full-edition records of an annotations-only release, with the user's texts attached."""
    release, texts = Path(release), Path(texts)
    man = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    if man.get("edition") != EDITION:
        raise RehydrateError(f"{release}: edition is {man.get('edition')!r}, not {EDITION!r}; nothing to rehydrate")
    records = {t: read_jsonl(release / f"{t}.jsonl") for t in TABLES}
    prints = {f["article_id"]: f for f in read_jsonl(release / FINGERPRINTS)}
    spans_of: dict[str, list[dict]] = {}
    for table, rows in records.items():
        for r in rows:
            aid = r["article_id"] if "article_id" in r else None
            if aid is not None:
                spans_of.setdefault(aid, []).extend(iter_spans(TABLES[table], r))
    problems: list[str] = []
    full_texts: dict[str, str] = {}
    for a in records["articles"]:
        aid = a["article_id"]
        path = find_text(texts, aid)
        if path is None:
            problems.append(f"{aid}: no text found (looked for {texts / (aid + '.txt')} and {texts / aid / 'text.txt'})")
            continue
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append(f"{aid}: {path} is not UTF-8 (byte {e.start}); the release texts are UTF-8")
            continue
        if sha256_text(text) != a["text_sha256"]:
            problems.append(first_difference(aid, text, prints[aid], spans_of.get(aid, [])).message())
            continue
        full_texts[aid] = text
    if problems:
        raise RehydrateError("\n".join(problems))

    def attach(aid: str, where: str):
        text = full_texts[aid]

        def fn(s: dict) -> dict:
            quote = text[s["start"] : s["end"]]
            if quote_hash(quote) != s["text"]:
                raise RehydrateError(f"{where}: the quote at {s['start']}-{s['end']} does not match its hash; the release is damaged")
            return {**s, "text": quote}

        return fn

    out: dict[str, list[dict]] = {}
    for table, rows in records.items():
        model = TABLES[table]
        out[table] = []
        for r in rows:
            if "article_id" in r:  # only articles and claims hold spans
                r = map_spans(model, r, attach(r["article_id"], f"{table} {r[ID_FIELDS[table]]}"))
            out[table].append(r)
    out["articles"] = [{**a, "text": full_texts[a["article_id"]]} for a in out["articles"]]
    return out, man


def rehydrate(release: Path, texts: Path, out: Path) -> tuple[Path, dict]:
    """Write the full edition of an annotations-only `release` to `out`; refuse on any difference."""
    from .build import write_release

    records, man = rehydrate_records(release, texts)
    meta = {}
    croissant = Path(release) / "croissant.json"
    if croissant.is_file():  # the release date and project URL the build recorded
        meta = json.loads(croissant.read_text(encoding="utf-8"))
    rows, manifest = write_release(
        Path(out), records, "full", version=man["version"], released=meta.get("datePublished"), url=meta.get("url")
    )
    return Path(out), manifest


def export_texts(release: Path, out: Path) -> list[Path]:
    """Write each article's text of a full release as out/<article_id>.txt (for tests and users)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for a in read_jsonl(Path(release) / "articles.jsonl"):
        p = out / f"{a['article_id']}.txt"
        p.write_bytes(a["text"].encode("utf-8"))
        written.append(p)
    return written
