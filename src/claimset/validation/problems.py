"""What a problem is (file, line, column, rule code, field, message) and where a record came from."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from ..sources.jsonio import Failure
from ..sources.jsonpos import line_col, locate
from ..models import TABLES
from .rules import RULES


class UsageError(Exception):
    """A path that does not exist or cannot be read at all: exit code 2."""


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: int
    code: str
    field: str
    message: str

    @property
    def name(self) -> str:
        return RULES[self.code].name

    @property
    def fix(self) -> str:
        return RULES[self.code].fix

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "rule": self.name,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=lambda: {t: 0 for t in TABLES})
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def field_path(path: Sequence[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


@dataclass
class Where:
    file: str
    line: int
    column: int


@dataclass(slots=True)  # one per record read: slots make it cheaper to build
class Origin:
    """Maps a JSON path inside one record to a file position. `raw` may be the record's UTF-8
    bytes (the streaming reader): it is decoded only when a problem needs a position."""

    file: str
    raw: Any  # the record's JSON text (str, or bytes)
    line0: int = 0  # lines before the record (JSONL)
    text_file: Optional[str] = None  # article text stored beside the JSON (data/ layout)

    def text(self) -> str:
        if isinstance(self.raw, bytes):
            self.raw = self.raw.decode("utf-8")
        return self.raw

    def position(self, path: Sequence[Any], key: bool = False) -> tuple[str, int, int]:
        if self.text_file and path and path[0] == "text":
            return self.text_file, 1, 1
        raw = self.text()
        line, col = line_col(raw, locate(raw, path, key=key))
        return self.file, self.line0 + line, col

    def where(self, path: Sequence[Any]) -> Where:
        return Where(*self.position(path))


class Sink:
    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        try:
            return os.path.relpath(path, self.root) if Path(path).is_absolute() else str(path)
        except ValueError:
            return str(path)

    def at(self, file: str, line: int, col: int, code: str, fld: str, msg: str) -> None:
        self.problems.append(Problem(file, line, col, code, fld, msg))

    def failure(self, file: str, f: Failure) -> None:
        self.at(file, f.line, f.column, f.code, f.field, f.message)

    def rec(self, origin: Origin, path: Sequence[Any], code: str, msg: str, key: bool = False) -> None:
        file, line, col = origin.position(path, key=key)
        self.at(file, line, col, code, field_path(path), msg)
