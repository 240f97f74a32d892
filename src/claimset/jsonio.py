"""Strict JSON reading: UTF-8 without BOM, LF only, no duplicate keys, no NaN, bounded size.

Every failure becomes a (rule code, line, column, message) tuple instead of an exception, so the
validator can report it and go on with the next file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional

MAX_RECORD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Failure:
    code: str
    line: int
    column: int
    message: str
    field: str = ""


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str):
    raise _NonFinite(name)


def _pairs_hook(dups: list):
    def hook(pairs):
        obj = {}
        for k, v in pairs:
            if k in obj:
                dups.append(k)
            obj[k] = v
        return obj

    return hook


def decode_text(data: bytes, *, allow_cr: bool = False) -> tuple[Optional[str], Optional[Failure]]:
    if data.startswith(b"\xef\xbb\xbf"):
        return None, Failure("C111", 1, 1, "the file starts with a UTF-8 byte-order mark (BOM)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        return None, Failure("C112", line, col, f"byte 0x{data[e.start]:02x} at byte offset {e.start} is not valid UTF-8")
    if not allow_cr and "\r" in text:
        i = text.index("\r")
        line = text.count("\n", 0, i) + 1
        kind = "CRLF" if text[i + 1 : i + 2] == "\n" else "CR"
        return None, Failure("C113", line, i - (text.rfind("\n", 0, i) + 1) + 1, f"{kind} line ending (first at line {line})")
    return text, None


def parse_record(s: str, line_offset: int = 0) -> tuple[Any, Optional[Failure]]:
    """Parse one JSON document; line numbers are shifted by line_offset (for JSONL)."""
    if len(s) > MAX_RECORD_BYTES:
        return None, Failure("C115", line_offset + 1, 1, f"record of {len(s):,} characters exceeds the {MAX_RECORD_BYTES:,} limit")
    dups: list[str] = []
    try:
        obj = json.loads(s, object_pairs_hook=_pairs_hook(dups), parse_constant=_reject_constant)
    except _NonFinite as e:
        m = re.search(r"(?<![\w\"])(-?Infinity|NaN)(?![\w\"])", s)
        off = m.start() if m else 0
        line, col = s.count("\n", 0, off) + 1, off - (s.rfind("\n", 0, off) + 1) + 1
        return None, Failure("C203", line_offset + line, col, f"{e} is not a JSON number")
    except json.JSONDecodeError as e:
        what = "the JSON ends too early (truncated?)" if e.pos >= len(s.rstrip()) else e.msg
        return None, Failure("C201", line_offset + e.lineno, e.colno, f"invalid JSON: {what}")
    except RecursionError:
        return None, Failure("C204", line_offset + 1, 1, "nesting too deep to be a claimset record")
    if dups:
        key = dups[0]
        hits = [m.start() for m in re.finditer(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:", s)]
        off = hits[1] if len(hits) > 1 else (hits[0] if hits else 0)
        line, col = s.count("\n", 0, off) + 1, off - (s.rfind("\n", 0, off) + 1) + 1
        return None, Failure("C202", line_offset + line, col, f"key {key!r} appears twice in one object", key)
    return obj, None
