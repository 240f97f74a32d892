"""Shared by the contributor tools: errors, IDs from titles, dates, suggestions."""

from __future__ import annotations

import difflib
import re
import typing
import unicodedata
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ..models import DATE_PATTERN, Rights, check_partial_date
from ..validation.validate import Problem


def rights_values() -> str:
    """The `rights` values on one line, for --rights errors: "full_text, excerpt, url_only or unknown"."""
    values = list(typing.get_args(Rights))
    return ", ".join(values[:-1]) + " or " + values[-1] + " (if the publisher's terms are not known)"


BOM = b"\xef\xbb\xbf"
AUTHOR = {"kind": "author", "entity_id": None, "name": "author", "mention": None}


class ContributeError(ValueError):
    """Input the tools refuse; the message says why and how to fix it. exit_code 2: the input could
    not be read at all (an I/O or usage error), 1: it was read and refused."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


# --- small helpers ---------------------------------------------------------------------------------


def slugify(text: str, max_len: int = 40) -> str:
    """Lower-case ASCII words joined by hyphens, cut at a word boundary."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_.lower())
    out = ""
    for w in words:
        cand = f"{out}-{w}" if out else w
        if len(cand) > max_len:
            break
        out = cand
    return out or "article"


def article_id_for(title: str, published: Optional[str]) -> str:
    """A stable slug from the title and the publication date: same input, same ID."""
    slug = slugify(title)
    return f"{slug}-{published}" if published else slug


def _check_date(value: Optional[str], option: str) -> Optional[str]:
    if value is None:
        return None
    if not re.fullmatch(DATE_PATTERN, value):
        raise ContributeError(f"{option} {value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        check_partial_date(value)
    except ValueError:
        raise ContributeError(f"{option} {value!r} is not a date on the calendar") from None
    return value


def _problems_text(problems: Sequence[Problem]) -> str:
    return "\n".join(
        f"  {p.file}:{p.line}:{p.column}: {p.code} [{p.name}] {p.field + ': ' if p.field else ''}{p.message}\n    fix: {p.fix}"
        for p in problems
    )


def _rel(root: Path, path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(close)}?)" if close else ""


