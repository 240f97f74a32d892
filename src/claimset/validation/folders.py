"""The streaming reader's article folders: one listing and one read per file for a plain folder.

A folder where anything is a link, or odd, goes to the one-process reader's code (reader.py), which
resolves it; the report is the same either way (tests/test_folders.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from ..sources.jsonio import MAX_RECORD_BYTES
from ..utils import open_regular_sized
from .files import ARTICLE_EXTRA, ARTICLE_FILES, note_unread
from .problems import Origin, Sink

CHUNK = 1 << 20


class _Sink(Sink):
    """Sink.rel without os.path.relpath for the common case: a normalised absolute path under the root."""

    def __init__(self, root: Path):
        super().__init__(root)
        self._root_abs = os.path.abspath(root)
        self._prefix = self._root_abs.rstrip(os.sep) + os.sep

    def rel(self, path) -> str:
        p = os.fspath(path)
        if p.startswith(self._prefix) and "/./" not in p and "/../" not in p and "//" not in p and not p.endswith(("/.", "/..")):
            return p[len(self._prefix) :]
        return super().rel(path)


def _slurp(path: str) -> bytes:
    """A whole file through os.read: a third of the cost of open().read() on the small files of
    folders. Each read asks for what is left by the size (plus one byte, to see the end): asking
    for a megabyte would allocate one per file (glibc then maps and unmaps it), and a read that
    returns less than asked has reached the end (a regular file's reads are short only there)."""
    fd, size = open_regular_sized(path)
    try:
        chunks = []
        while True:
            want = min(CHUNK, size + 1)
            chunk = os.read(fd, want)
            chunks.append(chunk)
            size -= len(chunk)
            if len(chunk) < want:
                return chunk if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


class _RawFile:
    """What _stream needs of a file (read, seek) on a bare descriptor, for the same reasons as _slurp;
    only for regular files, where os.read returns short only at the end (after a short read, the
    next one returns nothing without asking the kernel)."""

    __slots__ = ("fd", "left", "end")

    def __init__(self, path: str):
        self.fd, self.left = open_regular_sized(path)
        self.end = False

    def read(self, n: int) -> bytes:
        if self.end:
            return b""
        want = min(n, max(self.left, 0) + 1)
        data = os.read(self.fd, want)
        self.left -= len(data)
        self.end = len(data) < want
        return data

    def fileno(self) -> int:
        return self.fd

    def seek(self, offset: int) -> None:
        self.left += os.lseek(self.fd, 0, os.SEEK_CUR) - os.lseek(self.fd, offset, os.SEEK_SET)
        self.end = False

    def __enter__(self) -> "_RawFile":
        return self

    def __exit__(self, *exc) -> None:
        os.close(self.fd)



class FolderReader:
    """Mixin of the streaming Engine: folders, read with os.scandir and os.read."""

    def _outside(self, path):
        """Validator._outside, resolving each folder once: a file that is not a link, in a folder that
        resolves to itself or into the repository, is never outside."""
        p = os.fspath(path)
        if self._dir_inside(os.path.dirname(os.path.abspath(p))) and not os.path.islink(p):
            return None
        return super()._outside(path)

    def _dir_inside(self, folder: str) -> bool:
        """`folder` resolves to itself or into the repository (cached: every file in it asks)."""
        ok = self._resolved.get(folder)
        if ok is None:
            absolute = os.path.abspath(folder)
            try:
                target = Path(absolute).resolve(strict=True)
                ok = str(target) == absolute or target.is_relative_to(self.root)
            except (OSError, RuntimeError):
                ok = False
            if len(self._resolved) > 64:
                self._resolved.clear()
            self._resolved[folder] = ok
        return ok

    def _article_dir(self, folder) -> None:
        """Validator._article_dir with one listing and one open per file, for a folder where nothing
        is a link; any link (or odd file) goes to the reference reader, which resolves it."""
        plain = self._plain_folder(folder)
        if plain is None:
            return super()._article_dir(folder)
        d, rel, name, names = plain  # d and rel end with "/"
        self.data.present["articles"].add(name)
        meta, text_file, claims = ARTICLE_FILES
        for extra in sorted(names.difference(ARTICLE_FILES)):
            self.sink.at(rel + extra, 1, 1, "C103", "", ARTICLE_EXTRA)
        for part in (meta, text_file):
            if part not in names:
                self.sink.at(rel + part, 1, 1, "C105", "", f"{name}/ has no {part}")
        text = None
        if text_file in names:
            got = self._read_plain(d + text_file, rel + text_file)
            text = self._article_text(got[1], rel + text_file) if got else None
        if meta in names:
            self._meta_plain(d + meta, rel + meta, text, rel + text_file, name)
        if claims in names:
            before = len(self.sink.problems)
            self._claims_plain(d + claims, rel + claims, name)
            note_unread(self.data, self.sink.problems[before:], rel + claims, name)

    def _plain_folder(self, folder) -> Optional[tuple[str, str, str, set]]:
        """(path/, relative path/, name, entry names) of an article folder that is no link, in a folder
        resolving into the repository, whose article files are regular files, not links: then none of
        them can lead outside (Engine._outside), and no check needs a stat. Other entries are only
        named (C103), so they may be anything."""
        d = os.fspath(folder)  # normalised, as discover gives it: a Path, or a folder listed by name
        parent, _, name = d.rpartition("/")
        if not parent or name in (".", "..") or not self._dir_inside(parent):
            return None
        rel = self.sink.rel(d)
        if rel == "." or rel.startswith(".."):  # at or above the root, relpath does not just append names
            return None
        names = set()
        try:
            if os.path.islink(d):
                return None
            with os.scandir(d) as entries:
                for e in entries:  # d_type answers both questions without a stat
                    if e.name in ARTICLE_FILES and (e.is_symlink() or not e.is_file()):
                        return None
                    names.add(e.name)
        except OSError:
            return None
        return d + "/", rel + "/", name, names

    def _read_plain(self, path: str, rel: str) -> Optional[tuple[bytes, str]]:
        """Validator._read of a file _plain_folder vouched for: its bytes and text, or None (reported)."""
        got = self._load(_slurp, path, rel)
        if got is not None:
            self._tick(len(got[1]))
        return got

    def _meta_plain(self, path: str, rel: str, text: Optional[str], text_rel: str, name: str) -> None:
        fidx = self._register_file(path, rel)
        got = self._read_plain(path, rel)
        if got is not None and (text is None or not self._typed_meta(got[0], text, name, fidx, rel, text_rel)):
            self._article_meta(got[1], rel, text, text_rel, name)

    def _typed_meta(self, data: bytes, text: str, name: str, fidx: int, rel: str, text_rel: str) -> bool:
        """An article.json whose structure the generated types accept: straight to the rules;
        False (nothing done) otherwise, for the reference parser and jsonschema to word its problems.
        The build needs the parsed dict for the canonical line, so it keeps the reference path."""
        mc = self.meta_check
        if self.build is not None or not mc.ok or len(data) > MAX_RECORD_BYTES:
            return False
        try:
            rec = mc.decode(data)
        except Exception:
            return False
        if mc.walk_raw(rec, data) < 0:
            return False
        self._cur = (fidx, 0)
        self._line_at = -1
        self.report.records["articles"] += 1
        self.accept("articles", rec, Origin(rel, data, 0, text_rel), ("article_id", name), text=text)
        return True

    def _claims_plain(self, path: str, rel: str, name: str) -> None:
        fidx = self._register_file(path, rel)
        try:
            f = _RawFile(path)
        except OSError as e:
            self.sink.at(rel, 1, 1, "C101", "", f"cannot read the file ({e.strerror})")
            return
        self._jsonl_open(f, rel, fidx, "claims", name, 0, None)

    # --- dataset state ------------------------------------------------------------------------------
