"""The one-process reader: whole files, every record through the same layers as the streaming
reader (files, JSON, structure, record rules, dataset). `claimset add-claim` (check_new) and
on_record callers use it; tests hold the streaming reader to its reports."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from ..sources.jsonio import Failure, decode_text, parse_record
from ..models import ID_FIELDS, TABLES
from ..utils import read_regular
from .dataset import Dataset
from .files import ARTICLE_EXTRA, ARTICLE_FILES, Unit, _listing, discover, note_unread
from .problems import Origin, Problem, Report, Sink, field_path
from .records import (
    ArticleInfo,
    check_article,
    check_claim,
    check_cluster,
    check_entity,
    check_place,
    content_key,
    entity_refs,
)
from .structure import check_structure
from .typed import to_struct


class Validator:
    def __init__(self, root: Path, on_record: Optional[Callable[[str, dict], None]] = None):
        self.root = Path(root).resolve()
        self.sink = Sink(Path(root))
        self.report = Report()
        self.data = Dataset()
        self.articles: dict[str, ArticleInfo] = {}
        self.on_record = on_record

    def _outside(self, path: Path) -> Optional[str]:
        """Why `path` may not be read: a link (the file's or a parent folder's) out of the repository."""
        absolute = Path(os.path.abspath(path))
        try:
            target = Path(path).resolve(strict=True)
        except (OSError, RuntimeError):
            return None  # a dangling link or a loop: reading it reports C101
        if target == absolute or target.is_relative_to(self.root):
            return None
        if Path(path).is_symlink() or absolute.is_relative_to(self.root) or absolute.is_relative_to(Path(os.path.abspath(self.sink.root))):
            return f"symbolic link to {target}, outside the repository"
        return None

    def _read(self, path: Path, *, allow_cr: bool = False) -> Optional[str]:
        rel = self.sink.rel(path)
        why = self._outside(path)
        if why:
            self.sink.at(rel, 1, 1, "C104", "", why)
            return None
        got = self._load(read_regular, path, rel, allow_cr)
        return None if got is None else got[1]

    def _load(self, read: Callable, path, rel: str, allow_cr: bool = False) -> Optional[tuple[bytes, str]]:
        """The file layer for one file: C101 when it cannot be read, C111-C113 for its encoding;
        else its bytes and text."""
        try:
            data = read(path)
        except OSError as e:
            self.sink.at(rel, 1, 1, "C101", "", f"cannot read the file ({e.strerror})")
            return None
        self.report.files += 1
        text, fail = decode_text(data, allow_cr=allow_cr)
        if fail:
            self.sink.failure(rel, fail)
            return None
        return data, text

    def _record(self, table: str, obj: Any, origin: Origin, expect_id: Optional[tuple[str, str]] = None) -> None:
        """A parsed record: structure first (jsonschema words its problems); the rules only on a valid one."""
        self.report.records[table] += 1
        if not check_structure(table, obj, origin, self.sink):
            rid = obj.get(ID_FIELDS[table]) if isinstance(obj, dict) else None
            if isinstance(rid, str):
                self.data.present[table].update((rid, rid.strip()))
            return
        self.accept(table, to_struct(table, obj), origin, expect_id)
        if self.on_record is not None:
            self.on_record(table, obj)

    def accept(self, table: str, rec, origin: Origin, expect_id: Optional[tuple[str, str]] = None, text: Optional[str] = None) -> None:
        """A record whose structure is valid: its record rules and its dataset facts (every reader).
        text: an article's text when the record is article.json (the text is in text.txt)."""
        if table == "claims":
            self.accept_claim(rec, origin, expect_id)
            return
        id_field = ID_FIELDS[table]
        rid = getattr(rec, id_field)
        self.add_id(table, rid, origin, id_field)
        if expect_id:
            check_place(rec, expect_id[0], expect_id[1], origin, self.sink)
        if table == "articles":
            self.register_article(rid, check_article(rec, rec.text if text is None else text, origin, self.sink))
        elif table == "entities":
            check_entity(rec, origin, self.sink)
        else:
            check_cluster(rec, origin, self.sink)
            self.data.cluster_sizes.append((rid, len(rec.claim_ids), origin.where(["claim_ids"])))
            for i, c in enumerate(rec.claim_ids):
                self.data.cluster_members.append((c, rid, origin.where(["claim_ids", i]), f"claim_ids[{i}]"))

    def accept_claim(self, rec, origin: Origin, expect_id: Optional[tuple[str, str]] = None) -> None:
        """accept() of a claim: its place, its record rules, then its dataset facts through the hooks
        below (which the streaming reader overrides to keep them compactly)."""
        rid = rec.claim_id
        self.add_id("claims", rid, origin, "claim_id")
        if expect_id:
            check_place(rec, expect_id[0], expect_id[1], origin, self.sink)
        aid = rec.article_id
        check_claim(rec, origin, self.article_of(aid, origin), self.sink)
        self.ref_article(aid, origin)
        self.ref_entities(rec, origin)
        self.add_content(content_key(rec), rid, origin)

    # --- dataset facts: kept whole here; the streaming reader keeps them compactly -------------------

    def add_id(self, table: str, rid: str, origin: Origin, id_field: str) -> None:
        self.data.add_id(table, rid, origin.where([id_field]), self.sink)

    def article_of(self, aid: str, origin: Origin) -> Optional[ArticleInfo]:
        return self.articles.get(aid)

    def register_article(self, rid: str, info: ArticleInfo) -> None:
        self.articles[rid] = info

    def ref_article(self, aid: str, origin: Origin) -> None:
        self.data.article_refs.append((aid, origin.where(["article_id"])))

    def ref_entities(self, rec, origin: Origin) -> None:
        for path, eid in entity_refs(rec):
            self.data.entity_refs.append((eid, origin.where(path), field_path(path)))

    def add_content(self, key: tuple, rid: str, origin: Origin) -> None:
        if key in self.data.contents:
            self.sink.rec(origin, ["content"], "C505", f"claim {self.data.contents[key]!r} has the same content spans")
        else:
            self.data.contents[key] = rid

    def _json_file(self, unit: Unit) -> None:
        raw = self._read(unit.path)
        if raw is None:
            return
        rel = self.sink.rel(unit.path)
        if not raw.strip():
            self.sink.at(rel, 1, 1, "C114", "", "the file is empty")
            return
        obj, fail = parse_record(raw)
        if fail:
            self.sink.failure(rel, fail)
            return
        self._record(unit.table, obj, Origin(rel, raw), (ID_FIELDS[unit.table], unit.path.stem))

    def _jsonl_file(self, path: Path, table: str, expect: Optional[tuple[str, str]] = None) -> None:
        raw = self._read(path)
        if raw is None:
            return
        rel = self.sink.rel(path)
        if not raw.strip():
            self.sink.at(rel, 1, 1, "C114", "", "the file is empty")
            return
        lines = raw.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for n, line in enumerate(lines):
            if not line.strip():
                self.sink.at(rel, n + 1, 1, "C205", "", "empty line in a JSONL file")
                continue
            obj, fail = parse_record(line, n)
            if fail:
                self.sink.failure(rel, fail)
                continue
            self._record(table, obj, Origin(rel, line, n), expect)

    def _article_dir(self, folder: Path) -> None:
        folder = Path(folder)
        meta_path, text_path, claims_path = (folder / n for n in ARTICLE_FILES)
        why = self._outside(folder)
        if why:
            self.sink.at(self.sink.rel(folder), 1, 1, "C104", "", why)
            return
        # the folder exists: claims and clusters naming this article are not "unknown" (no cascade)
        self.data.present["articles"].add(folder.name)
        names = _listing(folder, self.sink)
        if names is None:
            self.data.unread.add(folder.name)
            return
        for name in sorted(names):
            if name not in ARTICLE_FILES:
                self.sink.at(self.sink.rel(folder / name), 1, 1, "C103", "", ARTICLE_EXTRA)
        for part in (meta_path, text_path):
            if part.name not in names:
                self.sink.at(self.sink.rel(part), 1, 1, "C105", "", f"{folder.name}/ has no {part.name}")
        text_rel = self.sink.rel(text_path)
        text = self._article_text(self._read(text_path), text_rel) if text_path.name in names else None
        if meta_path.name in names:
            raw = self._read(meta_path)
            if raw is not None:
                self._article_meta(raw, self.sink.rel(meta_path), text, text_rel, folder.name)
        if claims_path.name in names:
            before = len(self.sink.problems)
            self._jsonl_file(claims_path, "claims", ("article_id", folder.name))
            note_unread(self.data, self.sink.problems[before:], self.sink.rel(claims_path), folder.name)

    def _article_text(self, text: Optional[str], rel: str) -> Optional[str]:
        """The text read from text.txt, or None when there is none to check spans against."""
        if text is not None and not text.strip():
            self.sink.at(rel, 1, 1, "C114", "", "the article text is empty")
            return None
        return text

    def _article_meta(self, raw: str, rel: str, text: Optional[str], text_rel: str, name: str) -> None:
        """article.json: its syntax is always checked, the record only with a text to join it to."""
        obj, fail = parse_record(raw) if raw.strip() else (None, Failure("C114", 1, 1, "the file is empty"))
        if fail:
            self.sink.failure(rel, fail)
        elif text is not None:
            if isinstance(obj, dict):
                if "text" in obj:
                    self.sink.rec(Origin(rel, raw), ["text"], "C303", "unknown field 'text' in article.json (the text goes in text.txt)", key=True)
                obj = {**obj, "text": text}
            self._record("articles", obj, Origin(rel, raw, 0, text_rel), ("article_id", name))

    def read(self, paths: Sequence[Path]) -> None:
        """Read and check every source under `paths`; dataset checks wait for finish()."""
        units = discover(paths, self.root, self.sink)
        for u in units:
            if u.kind == "article":
                self._article_dir(u.path)
            elif u.kind == "json":
                self._json_file(u)
        # claims in JSONL tables need every article first
        for u in sorted((u for u in units if u.kind == "jsonl"), key=lambda u: list(TABLES).index(u.table)):
            self._jsonl_file(u.path, u.table)

    def finish(self) -> Report:
        self.data.finish(self.sink)
        self.report.problems = sorted(set(self.sink.problems))
        return self.report

    def run(self, paths: Sequence[Path]) -> Report:
        self.read(paths)
        return self.finish()


def check_new(
    root: Path,
    table: str,
    obj: dict,
    origin: Origin,
    expect_id: Optional[tuple[str, str]] = None,
    paths: Optional[Sequence[Path]] = None,
) -> list[Problem]:
    """The problems a record not yet written would have once added to the sources.

    The existing sources (default: data/ under root) are read first, so duplicate IDs, unknown
    references and spans against the article text are all checked. Only the problems located in
    the new record (origin.file, at its lines) are returned; the record is written by the caller.
    """
    root = Path(root)
    v = Validator(root)
    paths = list(paths) if paths else [p for p in [root / "data"] if p.exists()]
    if paths:
        v.read(paths)
    before = len(v.sink.problems)
    v._record(table, obj, origin, expect_id)
    new = set(v.sink.problems[before:])
    v.data.finish(v.sink)
    lines = range(origin.line0 + 1, origin.line0 + origin.raw.count("\n") + 2)
    files = {origin.file, origin.text_file}
    new |= {p for p in v.sink.problems if p.file in files and (p.file == origin.text_file or p.line in lines)}
    return sorted(new)
