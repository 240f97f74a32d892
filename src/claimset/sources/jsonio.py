"""Strict JSON reading: UTF-8 without BOM, LF only, no duplicate keys, no NaN, bounded size.

Every failure becomes a (rule code, line, column, message) tuple instead of an exception, so the
validator can report it and go on with the next file.
"""

from __future__ import annotations

import json
import math
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


MAX_INT_DIGITS = 20  # any integer field (an offset) is far below this; int64 has 19 digits


class _NonFinite(ValueError):
    pass


class _TooLong(ValueError):
    pass


def _reject_constant(name: str):
    raise _NonFinite(name)


def _finite_float(s: str) -> float:
    f = float(s)
    if math.isinf(f):
        raise _NonFinite(s)
    return f


def _bounded_int(s: str) -> int:
    if len(s.lstrip("-")) > MAX_INT_DIGITS:
        raise _TooLong(s)
    return int(s)


def _bad_string(obj: Any) -> Optional[str]:
    """The first string (key or value) holding a lone surrogate, which no UTF-8 file can store."""
    todo = [obj]
    while todo:
        o = todo.pop()
        if isinstance(o, str):
            try:
                o.encode("utf-8")
            except UnicodeEncodeError:
                return o
        elif isinstance(o, dict):
            todo.extend(o.keys())
            todo.extend(o.values())
        elif isinstance(o, list):
            todo.extend(o)
    return None


_LONE_SURROGATE = re.compile(r"(?<!\\)(?:\\\\)*\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<![0-9a-fA-F]{4})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def _line_col(s: str, off: int) -> tuple[int, int]:
    return s.count("\n", 0, off) + 1, off - (s.rfind("\n", 0, off) + 1) + 1


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
        obj = json.loads(
            s,
            object_pairs_hook=_pairs_hook(dups),
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except _NonFinite as e:
        word = str(e)
        if word in ("NaN", "Infinity", "-Infinity"):
            m = re.search(r"(?<![\w\"])(-?Infinity|NaN)(?![\w\"])", s)
            msg = f"{word} is not a JSON number"
        else:
            m = re.search(r"(?<![\w.])" + re.escape(word) + r"(?![\w.])", s)
            msg = f"{word} is too large for a number (it overflows to infinity)"
        line, col = _line_col(s, m.start() if m else 0)
        return None, Failure("C203", line_offset + line, col, msg)
    except _TooLong as e:
        m = re.search(re.escape(str(e)[:50]), s)
        line, col = _line_col(s, m.start() if m else 0)
        digits = len(str(e).lstrip("-"))
        return None, Failure("C306", line_offset + line, col, f"an integer of {digits:,} digits is out of range (at most {MAX_INT_DIGITS})")
    except json.JSONDecodeError as e:
        if e.pos >= len(s.rstrip()):
            what = "the JSON ends too early (truncated?)"
        elif e.msg.startswith("Unterminated string"):
            what = "a string is never closed (truncated, or a line break inside a string?)"
        elif e.msg == "Expecting value" and e.pos == len(s) - len(s.lstrip()):
            what = f"this is not JSON: a record starts with '{{', not {s.lstrip()[:24]!r}"
        elif s[e.pos : e.pos + 1] == "'":
            what = f"{e.msg}: JSON needs double quotes (\") for names and strings, not single quotes"
        elif e.msg.startswith("Expecting property name") and s[: e.pos].rstrip().endswith(","):
            what = "a comma after the last item (JSON allows no trailing comma)"
        elif e.msg.startswith("Expecting property name") and s[e.pos : e.pos + 2] in ("//", "/*"):
            what = "JSON has no comments; delete the comment"
        else:
            what = e.msg
        return None, Failure("C201", line_offset + e.lineno, e.colno, f"invalid JSON: {what}")
    except RecursionError:
        return None, Failure("C204", line_offset + 1, 1, "nesting too deep to be a claimset record")
    except ValueError as e:  # anything else the parser refuses must still be a report, not a crash
        return None, Failure("C201", line_offset + 1, 1, f"invalid JSON: {e}")
    if "\\u" in s and _bad_string(obj) is not None:
        m = _LONE_SURROGATE.search(s)
        line, col = _line_col(s, m.start() if m else 0)
        esc = m.group(0)[:6] if m else "\\ud800"
        return None, Failure("C201", line_offset + line, col, f"invalid JSON: the escape {esc} is half of a surrogate pair, not a character")
    if dups:
        key = dups[0]
        hits = [m.start() for m in re.finditer(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:", s)]
        off = hits[1] if len(hits) > 1 else (hits[0] if hits else 0)
        line, col = s.count("\n", 0, off) + 1, off - (s.rfind("\n", 0, off) + 1) + 1
        return None, Failure("C202", line_offset + line, col, f"key {key!r} appears twice in one object", key)
    return obj, None
