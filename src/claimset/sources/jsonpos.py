"""Find where a value sits in JSON text, so errors can name a line and column.

The standard parsers forget positions; this scanner walks the text once along a path and
returns the offset of the value (or of the key, for an unknown key). It never raises on bad
input: when the path cannot be followed it returns the deepest position it reached.
"""

from __future__ import annotations

from typing import Sequence, Union

PathItem = Union[str, int]
_WS = " \t\r\n"


def _skip_ws(s: str, i: int) -> int:
    n = len(s)
    while i < n and s[i] in _WS:
        i += 1
    return i


def _skip_string(s: str, i: int) -> int:
    # s[i] == '"'; return the index after the closing quote
    i += 1
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        i += 1
    return n


def _skip_value(s: str, i: int) -> int:
    i = _skip_ws(s, i)
    n = len(s)
    if i >= n:
        return n
    c = s[i]
    if c == '"':
        return _skip_string(s, i)
    if c in "{[":
        depth = 0
        while i < n:
            c = s[i]
            if c == '"':
                i = _skip_string(s, i)
                continue
            if c in "{[":
                depth += 1
            elif c in "}]":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return n
    while i < n and s[i] not in ",}] \t\r\n":
        i += 1
    return i


def _decode_key(raw: str) -> str:
    import json

    try:
        return json.loads(raw)
    except ValueError:
        return raw[1:-1]


def locate(s: str, path: Sequence[PathItem], key: bool = False) -> int:
    """Offset of the value at `path` in JSON text `s` (of the key itself if `key`)."""
    i = _skip_ws(s, 0)
    for depth, step in enumerate(path):
        last = depth == len(path) - 1
        if i >= len(s):
            return min(i, len(s))
        if isinstance(step, str) and s[i] == "{":
            j = _skip_ws(s, i + 1)
            found = None
            while j < len(s) and s[j] == '"':
                kend = _skip_string(s, j)
                name = _decode_key(s[j:kend])
                colon = _skip_ws(s, kend)
                vstart = _skip_ws(s, colon + 1)
                if name == step:
                    found = j if (last and key) else vstart
                    break
                j = _skip_ws(s, _skip_value(s, vstart))
                if j < len(s) and s[j] == ",":
                    j = _skip_ws(s, j + 1)
            if found is None:
                return i
            i = found
        elif isinstance(step, int) and s[i] == "[":
            j = _skip_ws(s, i + 1)
            for _ in range(step):
                j = _skip_ws(s, _skip_value(s, j))
                if j < len(s) and s[j] == ",":
                    j = _skip_ws(s, j + 1)
                else:
                    return i
            i = j
        else:
            return i
    return i


def line_col(s: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in code points) of an offset."""
    offset = max(0, min(offset, len(s)))
    line = s.count("\n", 0, offset) + 1
    col = offset - (s.rfind("\n", 0, offset) + 1) + 1
    return line, col
