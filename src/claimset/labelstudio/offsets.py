"""Label Studio positions <-> claimset positions.

Label Studio's editor runs in a browser and counts JavaScript string positions: UTF-16 code units,
so a character outside the Basic Multilingual Plane (an emoji, U+1F600) counts twice. claimset
counts code points (Python's str). Texts without such characters have the same positions in both,
which is why a conversion that is skipped goes unnoticed until the first emoji.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Optional


class OffsetError(ValueError):
    """A UTF-16 position that is not a position in the text (past its end, or inside a surrogate pair)."""


class Utf16Map:
    """Both directions for one text, in O(log n) per lookup after one pass over the text."""

    def __init__(self, text: str):
        self.text = text
        # Code-point indices of the astral characters: each one shifts later UTF-16 positions by one.
        self.astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self.length16 = len(text) + len(self.astral)

    def to_utf16(self, cp: int) -> int:
        if not 0 <= cp <= len(self.text):
            raise OffsetError(f"position {cp} is outside the text (0-{len(self.text)})")
        return cp + bisect_left(self.astral, cp)

    def to_codepoint(self, u: int) -> int:
        if not isinstance(u, int) or isinstance(u, bool) or not 0 <= u <= self.length16:
            raise OffsetError(f"position {u!r} is outside the text (0-{self.length16} in UTF-16 code units)")
        # Largest k astral characters before the position: cp = u - k, with k astral indices < cp.
        lo, hi = 0, len(self.astral)
        while lo < hi:
            mid = (lo + hi) // 2
            # the (mid)th astral char starts at UTF-16 position astral[mid] + mid
            if self.astral[mid] + mid < u:
                lo = mid + 1
            else:
                hi = mid
        k = lo
        if k and self.astral[k - 1] + (k - 1) + 1 == u:
            ch = self.text[self.astral[k - 1]]
            raise OffsetError(f"position {u} falls inside the character {ch!r} (U+{ord(ch):04X}), between its two UTF-16 halves")
        return u - k

    def span(self, start16: int, end16: int) -> tuple[int, int]:
        s, e = self.to_codepoint(start16), self.to_codepoint(end16)
        if s > e:
            raise OffsetError(f"start {start16} is after end {end16}")
        return s, e


def utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def span_from_region(m: Utf16Map, start: object, end: object, said: Optional[str]) -> tuple[int, int, str]:
    """Code-point span of a Label Studio region, checked against the words the region carries.

    Returns (start, end, how): how is "utf16", or "codepoints" when only that reading gives the
    region's own words (an editor build that already counts code points); a region whose words
    match neither reading raises OffsetError, since its offsets cannot be trusted.
    """
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
        raise OffsetError(f"start and end must be whole numbers (got {start!r}, {end!r})")
    try:
        s, e = m.span(start, end)
    except OffsetError:
        if said is not None and 0 <= start <= end <= len(m.text) and m.text[start:end] == said:
            return start, end, "codepoints"
        raise
    if said is None or m.text[s:e] == said:
        return s, e, "utf16"
    if 0 <= start <= end <= len(m.text) and m.text[start:end] == said:
        return start, end, "codepoints"
    raise OffsetError(
        f"the region says {said!r} but the text at {start}-{end} (UTF-16) is {m.text[s:e]!r}; "
        "the task's text differs from the article's, or the offsets were edited"
    )
