"""Turn a raw text file into an article source: checks, NFC, hash, proposed boilerplate."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..utils import read_regular, sha256_text

# Whole lines that are web furniture, not reporting. Proposals only: the contributor confirms.
BOILERPLATE_RULES: list[tuple[str, str]] = [
    (r"Advertisement:?", "advert"),
    (r"\[ad_\d+\]", "advert"),
    (r"Support Us", "share_subscribe"),
    (r"Support \w+ or become our patron!", "share_subscribe"),
    (r"Follow us on \w+!?", "share_subscribe"),
    (r"(Share|Subscribe|Sign up)\b.{0,60}", "share_subscribe"),
    (r"Source link", "source_link"),
    (r"Related Articles", "navigation"),
    (r"Back to top button", "navigation"),
    (r"(#\w+ ?)+", "navigation"),
    (r"Leave a Reply", "other"),
    (r"Your email address will not be published\..*", "other"),
    (r"Please use the Chrome browser.*", "other"),
    (r"Copyright \d{4},?", "other"),
]
_COMPILED = [(re.compile(p), kind) for p, kind in BOILERPLATE_RULES]


class IngestError(ValueError):
    """A raw text that cannot become an article; the message says what to do."""


@dataclass
class Ingested:
    text: str
    sha256: str
    crlf_normalised: int = 0
    nfc_changed: bool = False
    boilerplate: list[dict] = field(default_factory=list)


def decode_raw(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        raise IngestError(f"{name}: starts with a UTF-8 byte-order mark; save the file as UTF-8 without BOM")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise IngestError(f"{name}:{line}: byte {e.start} is not valid UTF-8; re-save the file as UTF-8") from None


def propose_boilerplate(text: str) -> list[dict]:
    """Spans of whole lines (surrounding whitespace excluded) that match a boilerplate rule."""
    spans = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            for rx, kind in _COMPILED:
                if rx.fullmatch(stripped):
                    start = pos + body.index(stripped)
                    spans.append({"start": start, "end": start + len(stripped), "kind": kind, "text": stripped})
                    break
        pos += len(line)
    return spans


def ingest_bytes(data: bytes, name: str, normalise_newlines: bool = True) -> Ingested:
    raw = decode_raw(data, name)
    crlf = raw.count("\r\n") + raw.replace("\r\n", "").count("\r")
    if normalise_newlines and crlf:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", raw)
    if not text.strip():
        raise IngestError(f"{name}: the file holds no text")
    return Ingested(
        text=text,
        sha256=sha256_text(text),
        crlf_normalised=crlf if normalise_newlines else 0,
        nfc_changed=text != raw,
        boilerplate=propose_boilerplate(text),
    )


def ingest_file(path: Path) -> Ingested:
    try:
        data = read_regular(path)
    except OSError as e:
        raise IngestError(f"{path}: cannot read ({e.strerror})") from None
    return ingest_bytes(data, str(path))


def find_span(text: str, quote: str, occurrence: int | None = None) -> tuple[int, int]:
    """Offsets of `quote` in `text`; refuses a missing or ambiguous match unless an occurrence is chosen."""
    if not quote:
        raise IngestError("the quoted passage is empty")
    hits = [m.start() for m in re.finditer(re.escape(quote), text)]
    if not hits:
        hint = ""
        folded = _fold_quotes(text).find(_fold_quotes(quote))
        if folded >= 0:
            hint = f" (it matches at {folded} if straight and curly quotes are treated alike: copy the quote marks from the text)"
        raise IngestError(f"passage not found in the text: {quote!r}{hint}")
    if occurrence is None:
        if len(hits) > 1:
            raise IngestError(
                f"passage occurs {len(hits)} times (at {', '.join(map(str, hits))}); "
                "quote more context or choose one with --occurrence N (1-based)"
            )
        start = hits[0]
    else:
        if not 1 <= occurrence <= len(hits):
            raise IngestError(f"occurrence {occurrence} requested but the passage occurs {len(hits)} time(s)")
        start = hits[occurrence - 1]
    return start, start + len(quote)


_QUOTE_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def _fold_quotes(s: str) -> str:
    return s.translate(_QUOTE_FOLD)
