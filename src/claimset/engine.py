"""Streaming, parallel validation: what `claimset validate` and `claimset build` run.

The engine is validate.Validator with four things changed, so that every problem it reports is
the one the reference validator reports (same code, file, line, column, field and message):

1. JSONL files are streamed in 1 MiB chunks, never read whole. Each line first goes through the
   fast path (fastcheck: msgspec types, walker, duplicate-key proof, boolean semantic checks);
   a line the fast path is not sure about goes through Validator._record, the reference path.
   File-level failures found mid-file (invalid UTF-8, CR line endings, all lines blank) roll the
   file back and report the one problem the reference reports for the whole file.
2. Dataset state is compact. Per record the engine keeps a 64-bit hash of the ID and of the
   content spans and the record's location (file, line) packed in 64 bits: 24 bytes per claim,
   16 per other record, in arrays. Duplicates (C501, C505) are found at the end by sorting the
   hashes; the few candidate records are read again to confirm them exactly and to compute the
   reference messages and columns. Entity IDs (few) are kept as strings, so unknown entities are
   reported as soon as a claim is read: entities are read before anything else.
3. Article texts are not kept. A claim in an article folder is checked against that folder's
   text (read just before its claims). For claims in separate JSONL files, each article's text,
   boilerplate and date are written to a spill file on disk when the article is read and looked
   up (by hash, with a small cache) when its claims arrive: memory stays flat.
4. Work is split across processes (fork) by groups of files or byte ranges of large JSONL files,
   in four phases (entities; articles with their folders' claims; claims JSONL; clusters), and
   the parent merges the parts in source order, so results are identical for any --jobs.

Peak memory: the 1 MiB read buffer, one record, one article text, the compact arrays (24 bytes
per claim, 20 per article) and the entity IDs; independent of record sizes and of texts.
"""

from __future__ import annotations

import array
import os
import pickle
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from . import fastcheck as fc
from . import layout
from .jsonio import MAX_RECORD_BYTES, Failure, decode_text, parse_record
from .utils import open_regular, read_regular
from .models import ID_FIELDS, TABLES
from .validate import (
    ARTICLE_EXTRA,
    ARTICLE_FILES,
    ArticleInfo,
    Origin,
    Problem,
    Report,
    Sink,
    Validator,
    Where,
    check_article,
    check_claim,
    discover,
    note_unread,
)

CHUNK = 1 << 20
SPLIT_BYTES = 8 << 20  # JSONL files larger than this are split into byte ranges across jobs
LONG_LINE = 4 * MAX_RECORD_BYTES + (1 << 20)  # a line this long has more characters than the limit
BOM = b"\xef\xbb\xbf"
_HDR = __import__("struct").Struct("<II")
RAW_LINE = 1 << 62  # an article's "spill" that is its own JSONL line (valid as a whole: no copy needed)
LINE_BITS = 32
LINE_MASK = (1 << LINE_BITS) - 1


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# --- context shared by the parent and its forked workers ------------------------------------------


class ArticleIndex:
    """Every registered article: hash of its ID, location, unit, and where its text was spilled."""

    def __init__(self, hashes, locs, units, spills, engine: "Engine"):
        import numpy as np

        self.np = np
        hashes = np.asarray(hashes, dtype=np.int64)
        self.order = np.argsort(hashes, kind="stable")
        self.sorted = hashes[self.order]
        # plain arrays: reading one element is ten times cheaper than from numpy
        self.hashes = array.array("q", hashes.tobytes())
        self.locs = array.array("q", np.asarray(locs, dtype=np.int64).tobytes())
        self.units = array.array("q", np.asarray(units, dtype=np.int64).tobytes())
        self.spills = array.array("q", np.asarray(spills, dtype=np.int64).tobytes())
        self.engine = engine
        self.cache: dict[tuple, Any] = {}
        self.next = 0
        if len(self.sorted) > 1:  # a hash seen once is always the latest: precompute the flag
            import numpy as np

            dup = np.zeros(len(self.sorted), dtype=bool)
            eq = self.sorted[1:] == self.sorted[:-1]
            dup[1:] |= eq
            dup[:-1] |= eq
            unique = np.empty(len(self.sorted), dtype=bool)
            unique[self.order] = ~dup
            self.unique = unique.tolist() if len(unique) < 1 else array.array("b", unique.astype(np.int8).tobytes())
        else:
            self.unique = array.array("b", [1] * len(self.sorted))

    def positions(self, aid: str) -> list[int]:
        """Registration positions with this ID's hash, latest first."""
        h = hash(aid)
        lo = int(self.sorted.searchsorted(h, "left"))
        if lo == len(self.sorted) or int(self.sorted[lo]) != h:
            return []
        hi = int(self.sorted.searchsorted(h, "right"))
        return sorted(self.order[lo:hi].tolist(), reverse=True)

    def lookup(self, aid: str, max_unit: Optional[int] = None) -> Optional[ArticleInfo]:
        """The latest registered article with this ID (before unit max_unit included), as the reference's dict."""
        key = (aid, max_unit)
        if key in self.cache:
            return self.cache[key]
        found = None
        nxt = self.next
        if max_unit is None and nxt < len(self.hashes) and self.hashes[nxt] == hash(aid):
            # claims usually follow their articles' order: try the article after the last one found
            if self.unique[nxt] or self.is_last(nxt):
                got = self.engine.article_at(int(self.locs[nxt]), int(self.spills[nxt]))
                if got is not None and got[0] == aid:
                    self.next = nxt + 1
                    self._remember(key, got[1])
                    return got[1]
        for pos in self.positions(aid):
            if max_unit is not None and self.units[pos] > max_unit:
                continue
            got = self.engine.article_at(int(self.locs[pos]), int(self.spills[pos]))
            if got is not None and got[0] == aid:
                found = got[1]
                break
        self._remember(key, found)
        if found is not None and max_unit is None:
            self.next = self.positions(aid)[0] + 1
        return found

    def _remember(self, key, value) -> None:
        if len(self.cache) > 256:
            self.cache.clear()
        self.cache[key] = value

    def is_last(self, pos: int) -> bool:
        """No later registration has the same hash (the hint may only return the latest article)."""
        return self.positions_of_hash(int(self.hashes[pos]))[0] == pos

    def positions_of_hash(self, h: int) -> list[int]:
        lo = int(self.sorted.searchsorted(h, "left"))
        hi = int(self.sorted.searchsorted(h, "right"))
        return sorted(self.order[lo:hi].tolist(), reverse=True)

    def exists(self, aid: str) -> bool:
        for pos in self.positions(aid):
            got = self.engine.article_at(int(self.locs[pos]), int(self.spills[pos]), need_info=False)
            if got is not None and got[0] == aid:
                return True
        return False


@dataclass
class Context:
    root: Path  # as given (problem paths are relative to it)
    units: list
    tmp: str
    spill: bool = False  # write article texts to spill files (claims JSONL files will need them)
    entities: set = field(default_factory=set)
    index: Optional[ArticleIndex] = None
    files: list = field(default_factory=list)  # global file table: path strings
    progress: Any = None  # multiprocessing.Value of bytes read, or None
    progress_records: Any = None
    seq: list = field(default_factory=list)  # unit index -> position in reading order


_CTX: Optional[Context] = None  # set in the parent before forking; inherited by the workers


# --- compact stand-ins for Validator.data and Validator.articles ---------------------------------------


class _Refs:
    def __init__(self, fn):
        self.append = fn


class _Contents:
    """Validator.data.contents: every key is logged as a hash; duplicates are found at the end."""

    def __init__(self, engine: "Engine"):
        self.engine = engine

    def __contains__(self, key) -> bool:
        return False

    def __setitem__(self, key, rid) -> None:
        self.engine.content.append(hash(key))


class _Data:
    def __init__(self, engine: "Engine"):
        self.engine = engine
        self.article_refs = _Refs(engine.article_ref)
        self.entity_refs = _Refs(engine.entity_ref)
        self.contents = _Contents(engine)
        self.cluster_sizes: list = []
        self.cluster_members: list = []
        self.present: dict[str, set] = {t: set() for t in TABLES}  # as Dataset.present
        self.unread: set = set()

    def add_id(self, table: str, rid: str, where, sink) -> None:
        self.engine.log_id(table, rid)


class _Articles:
    def __init__(self, engine: "Engine"):
        self.engine = engine

    def __setitem__(self, rid: str, info: ArticleInfo) -> None:
        self.engine.register_article(rid, info)

    def get(self, aid: str, default=None):
        return self.engine.article_for(aid)


# --- the engine -----------------------------------------------------------------------------------------


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
    """A whole file through os.read: a third of the cost of open().read() on the small files of folders."""
    fd = open_regular(path)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


class _RawFile:
    """What _stream needs of a file (read, seek) on a bare descriptor, for the same reason as _slurp;
    only for regular files, where os.read returns short only at the end."""

    __slots__ = ("fd",)

    def __init__(self, path: str):
        self.fd = open_regular(path)

    def read(self, n: int) -> bytes:
        return os.read(self.fd, n)

    def seek(self, offset: int) -> None:
        os.lseek(self.fd, offset, os.SEEK_SET)

    def __enter__(self) -> "_RawFile":
        return self

    def __exit__(self, *exc) -> None:
        os.close(self.fd)


class Engine(Validator):
    """One part of a run: a group of files or a byte range, read in a worker (or in the parent)."""

    def __init__(self, ctx: Context, build=None):
        super().__init__(ctx.root)
        self.ctx = ctx
        self.sink = _Sink(Path(ctx.root))
        self._resolved: dict[str, bool] = {}
        self.data = _Data(self)
        self.articles = _Articles(self)
        self.logs = {t: (array.array("q"), array.array("q")) for t in TABLES}
        self.content = array.array("q")
        self.art_units = array.array("q")
        self.art_spills = array.array("q")
        self.entity_counts: dict[str, int] = {}
        self.entity_added: list[str] = []
        self._rel_ids: dict[str, int] = {}
        self._table = "claims"
        self.deferred_refs: list = []  # (article_id, Where): C502 unless some article has that ID
        self.deferred_entity_refs: list = []  # (entity_id, Where, field) of no entity read
        self.deferred_claims: list = []  # (unit, obj, origin): check_claim again with the article read before
        self.files: list[str] = []  # this part's file table (path strings)
        self.file_ids: dict[str, int] = {}
        self.unit = -1
        self.cur_aid: Optional[str] = None
        self.cur_info: Optional[ArticleInfo] = None
        self._cur = (0, 0, None, None)  # file index, line0, obj, origin of the record being read
        self.spill_file = None
        self.spill_path: Optional[str] = None
        self.spill_no = -1
        self.range_info: Optional[dict] = None
        self.build = build  # build.Collector or None: receives (table, id, canonical bytes)
        self.checks = {t: fc.table_check(t) for t in TABLES}
        self.meta_check = fc.table_check("articles", True)  # article.json: the text is in text.txt
        self.nbytes = 0
        self.recs_reported = 0
        self.spill_handles: dict[int, Any] = {}

    # --- files ------------------------------------------------------------------------------------

    def file_id(self, path) -> int:
        key = str(path)
        i = self.file_ids.get(key)
        if i is None:
            i = self.file_ids[key] = len(self.files)
            self.files.append(key)
        return i

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

    def _read(self, path: Path, *, allow_cr: bool = False):
        if Path(path).name != layout.TEXT_FILE:  # texts hold no record: no location ever points at them
            self._register_file(path)
        text = super()._read(path, allow_cr=allow_cr)
        if text is not None:
            self._tick(len(text))
        return text

    def _register_file(self, path, rel: Optional[str] = None) -> int:
        i = self.file_id(path)
        self._rel_ids[self.sink.rel(path) if rel is None else rel] = i
        return i

    def _tick(self, n: int) -> None:
        self.nbytes += n
        if self.ctx.progress is not None and self.nbytes >= 1 << 20:
            self._report_progress()

    def _report_progress(self) -> None:
        recs = sum(self.report.records.values())
        with self.ctx.progress.get_lock():
            self.ctx.progress.value += self.nbytes
            self.ctx.progress_records.value += recs - self.recs_reported
        self.nbytes = 0
        self.recs_reported = recs

    # --- article folders ---------------------------------------------------------------------------

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
        try:
            data = _slurp(path)
        except OSError as e:
            self.sink.at(rel, 1, 1, "C101", "", f"cannot read the file ({e.strerror})")
            return None
        self.report.files += 1
        text, fail = decode_text(data)
        if fail:
            self.sink.failure(rel, fail)
            return None
        self._tick(len(text))
        return data, text

    def _meta_plain(self, path: str, rel: str, text: Optional[str], text_rel: str, name: str) -> None:
        fidx = self._register_file(path, rel)
        got = self._read_plain(path, rel)
        if got is not None and (text is None or not self._fast_meta(got[0], text, name, fidx)):
            self._article_meta(got[1], rel, text, text_rel, name)

    def _fast_meta(self, data: bytes, text: str, name: str, fidx: int) -> bool:
        """Register an article.json that msgspec, the walker and article_ok prove valid with its text,
        without the reference parser; False (nothing done) if not sure. The build needs the
        reference's dict for the canonical line, so it keeps the reference path."""
        mc = self.meta_check
        if self.build is not None or not mc.ok or len(data) > MAX_RECORD_BYTES:
            return False
        try:
            rec = mc.decode(data)
        except Exception:
            return False
        if rec.article_id != name or mc.walk_raw(rec, data) < 0:
            return False
        got = fc.article_ok(rec, text)
        if got is None:
            return False
        self._cur = (fidx, 0, None, None)
        self.report.records["articles"] += 1
        self.log_id("articles", name)
        self.register_article(name, ArticleInfo(text, got[0], got[1]), got[2])
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

    def log_id(self, table: str, rid: str) -> None:
        h, loc = self.logs[table]
        h.append(hash(rid))
        loc.append((self._cur[0] << LINE_BITS) | self._cur[1])
        if table == "entities":
            self.entity_counts[rid] = self.entity_counts.get(rid, 0) + 1
            self.entity_added.append(rid)

    def register_article(self, rid: str, info: ArticleInfo, data: Optional[bytes] = None, line_at: int = -1) -> None:
        """data: the text as UTF-8, when the caller has it; line_at: (file << 40 | offset) of a JSONL
        line holding the whole article, valid, which claims can read again instead of a spill."""
        self.art_units.append(self.ctx.seq[self.unit] if self.unit >= 0 else -1)
        if not self.ctx.spill:
            self.art_spills.append(-1)
        elif line_at >= 0:
            self.art_spills.append(RAW_LINE | line_at)
        else:
            self.art_spills.append(self._spill(rid, info, data))
        self.cur_aid, self.cur_info = rid, info

    def _spill(self, rid: str, info: ArticleInfo, data: Optional[bytes]) -> int:
        """Append the article's text (raw UTF-8), boilerplate and date to this part's spill file."""
        if self.spill_file is None:
            self.spill_path = os.path.join(self.ctx.tmp, f"spill-{os.getpid()}-{id(self)}-{time.monotonic_ns()}")
            self.spill_file = open(self.spill_path, "wb")
            self.spill_off = 0
            self.spill_no = self.file_id(self.spill_path)
        text = info.text if info.text is not None else ""
        data = data if data is not None else text.encode("utf-8", "surrogatepass")
        meta = pickle.dumps((rid, tuple(info.boilerplate), info.published, info.text is None), protocol=pickle.HIGHEST_PROTOCOL)
        off = self.spill_off
        self.spill_file.write(b"".join((_HDR.pack(len(data), len(meta)), data, meta)))
        self.spill_off += _HDR.size + len(data) + len(meta)
        return (self.spill_no << 40) | off

    def article_for(self, aid: str) -> Optional[ArticleInfo]:
        if aid == self.cur_aid:
            return self.cur_info
        if self.ctx.index is not None:
            return self.ctx.index.lookup(aid)
        fidx, line0, obj, origin = self._cur
        self.deferred_claims.append((self.unit, obj, origin))
        return None

    def article_ref(self, item) -> None:
        """Validator.data.article_refs.append: kept only when the article is not known yet."""
        aid, where = item
        if aid == self.cur_aid or (self.ctx.index is not None and self.ctx.index.exists(aid)):
            return
        self.deferred_refs.append(item)

    def entity_ref(self, item) -> None:
        """Validator.data.entity_refs.append: kept only when no entity has the ID (all are read first)."""
        if item[0] not in self.ctx.entities:
            self.deferred_entity_refs.append(item)

    def article_at(self, loc: int, spill: int, need_info: bool = True):
        """(article ID, ArticleInfo) of a registered article, from its spill entry or its source."""
        if spill >= 0:
            raw_line = bool(spill & RAW_LINE)
            spill &= RAW_LINE - 1
            fno, off = spill >> 40, spill & ((1 << 40) - 1)
            fd = self.spill_handles.get(fno)
            if fd is None:  # pread, not mmap: read pages would count in this process's RSS
                fd = self.spill_handles[fno] = os.open(self.ctx.files[fno], os.O_RDONLY)
            if raw_line:
                # most articles fit in the first read; reading more costs a copy per claim file
                line = os.pread(fd, 1 << 13, off)
                cut = line.find(b"\n")
                while cut < 0:
                    more = os.pread(fd, max(len(line), 1 << 16), off + len(line))
                    if not more:
                        cut = len(line)
                        break
                    cut = more.find(b"\n")
                    cut = cut + len(line) if cut >= 0 else -1
                    line += more
                a = fc.decode_article_text(line[:cut])
                return a.article_id, ArticleInfo(a.text, [(b.start, b.end) for b in a.boilerplate], a.published)
            head = os.pread(fd, _HDR.size + 4096, off)
            nt, nm = _HDR.unpack_from(head)
            body = head[_HDR.size :] if len(head) >= _HDR.size + nt + nm else os.pread(fd, nt + nm, off + _HDR.size)
            text = str(body[:nt], "utf-8", "surrogatepass")
            rid, bp, pub, no_text = pickle.loads(body[nt : nt + nm])
            return rid, ArticleInfo(None if no_text else text, list(bp), pub)
        got = fetch_records(self.ctx, [loc]).get(loc)
        if got is None:
            return None
        rel, raw, line0, text_file, text = got
        obj, fail = parse_record(raw, line0)
        if fail or not isinstance(obj, dict) or not isinstance(obj.get("article_id"), str):
            return None
        if not need_info:
            return obj["article_id"], None
        if text is not None and "text" not in obj:
            obj = {**obj, "text": text}
        quiet = Sink(self.ctx.root)
        return obj["article_id"], check_article(obj, Origin(rel, raw, line0, text_file), quiet)

    # --- rollback of one file ----------------------------------------------------------------------

    def snapshot(self) -> tuple:
        return (
            len(self.sink.problems),
            {t: len(h) for t, (h, _) in self.logs.items()},
            len(self.content),
            len(self.art_units),
            len(self.deferred_refs),
            len(self.deferred_claims),
            len(self.deferred_entity_refs),
            dict(self.report.records),
            len(self.data.cluster_sizes),
            len(self.data.cluster_members),
            (self.cur_aid, self.cur_info),
            len(self.entity_added),
        )

    def restore(self, snap: tuple) -> None:
        np_, ids, nc, na, nr, nd, nde, recs, ns, nm, cur, ne = snap
        del self.deferred_entity_refs[nde:]
        del self.sink.problems[np_:]
        for name in self.entity_added[ne:]:
            self.entity_counts[name] -= 1
        del self.entity_added[ne:]
        for t, (h, loc) in self.logs.items():
            del h[ids[t] :]
            del loc[ids[t] :]
        del self.content[nc:]
        del self.art_units[na:]
        del self.art_spills[na:]
        del self.deferred_refs[nr:]
        del self.deferred_claims[nd:]
        self.report.records = recs
        del self.data.cluster_sizes[ns:]
        del self.data.cluster_members[nm:]
        self.cur_aid, self.cur_info = cur

    # --- records ----------------------------------------------------------------------------------

    def _record(self, table: str, obj: Any, origin: Origin, expect_id=None) -> None:
        fidx = self._rel_ids.get(origin.file, 0)
        self._cur = (fidx, origin.line0, obj, origin)
        if isinstance(obj, dict) and self._fast_dict(table, obj, expect_id):
            return
        super()._record(table, obj, origin, expect_id)
        if self.build is not None:
            self.build.slow(table, obj)

    def _fast_dict(self, table: str, obj: dict, expect_id) -> bool:
        """The fast path for a record already parsed by the reference parser (JSON files)."""
        tc = self.checks[table]
        if not tc.ok or table == "clusters":
            return False
        try:
            rec = fc.msgspec.convert(obj, tc.type)
        except Exception:
            return False
        if tc.walk(rec) < 0:
            return False
        return self.fast_register(table, rec, expect_id[1] if expect_id else None, None)

    def fast_register(self, table: str, rec, expect: Optional[str], enc: Optional[bytes], line_at: int = -1) -> bool:
        """Register a record the fast path proved valid in itself; False (nothing done) if not sure."""
        id_field = ID_FIELDS[table]
        rid = getattr(rec, id_field)
        if table == "claims":
            aid = rec.article_id
            if expect is not None and aid != expect:
                return False
            if aid == self.cur_aid:
                art = self.cur_info
            elif self.ctx.index is not None:
                art = self.ctx.index.lookup(aid)
            else:
                return False
            if art is None or art.text is None:
                return False
            ck = self.checks["claims"].claim_fast(rec, art.text, art.boilerplate, art.published, self.ctx.entities)
            if ck is None:
                return False
            self.report.records["claims"] += 1
            self.log_id("claims", rid)
            self.content.append(ck)
        elif table == "articles":
            if expect is not None and rid != expect:
                return False
            got = fc.article_ok(rec, rec.text)
            if got is None:
                return False
            self.report.records["articles"] += 1
            self.log_id("articles", rid)
            self.register_article(rid, ArticleInfo(rec.text, got[0], got[1]), got[2], line_at)
        elif table == "entities":
            if expect is not None and rid != expect:
                return False
            if not fc.entity_ok(rec):
                return False
            self.report.records["entities"] += 1
            self.log_id("entities", rid)
        else:
            return False
        if self.build is not None:
            self.build.add(table, rid, enc if enc is not None else fc.canonical_line(rec))
        return True

    # --- JSONL, streamed ---------------------------------------------------------------------------

    def _jsonl_file(self, path: Path, table: str, expect: Optional[tuple[str, str]] = None) -> None:
        self.jsonl(path, table, expect[1] if expect else None, 0, None)

    def jsonl(self, path: Path, table: str, expect: Optional[str], start: int, end: Optional[int]) -> None:
        """Stream lines of `path` from byte `start` to `end` (None: the whole file, with file checks)."""
        rel = self.sink.rel(path)
        whole = end is None
        fidx = self._register_file(path, rel)
        self._table = table
        if whole:
            why = self._outside(path)
            if why:
                self.sink.at(rel, 1, 1, "C104", "", why)
                return
        try:
            f = os.fdopen(open_regular(path), "rb")
        except OSError as e:
            self.sink.at(rel, 1, 1, "C101", "", f"cannot read the file ({e.strerror})")
            return
        self._jsonl_open(f, rel, fidx, table, expect, start, end)

    def _jsonl_open(self, f, rel: str, fidx: int, table: str, expect: Optional[str], start: int, end: Optional[int]) -> None:
        """jsonl() once the file is open (and closed here): stream it, then the file-level checks."""
        whole = end is None
        self._table = table
        if start == 0:
            self.report.files += 1
        snap = self.snapshot()
        with f:
            if start:
                f.seek(start)
            info = self._stream(f, rel, fidx, table, expect, start, end)
        if not whole:
            self.range_info = info
            return
        fail = info["fail"]
        if fail is not None:
            self.restore(snap)
            self.sink.failure(rel, failure_of(fail, 0))
        elif info["blank"]:
            self.restore(snap)
            self.sink.at(rel, 1, 1, "C114", "", "the file is empty")

    def _stream(self, f, rel: str, fidx: int, table: str, expect: Optional[str], start: int, end: Optional[int]) -> dict:
        """Read lines from f (positioned at `start`) up to `end`; return what the file-level checks need.

        fail: ("bom",) | ("utf8", line, col, offset, byte) | ("cr", line, col, "CR"|"CRLF"), lines
        counted from the start of the range; blank: every line was blank.
        """
        self._remaining = -1 if end is None else end - start
        n = 0
        carry = b""
        pos = start  # absolute offset of the first byte of carry
        fail = None
        cr = None  # the first CR line ending; the reference reports invalid UTF-8 anywhere first
        blank = True
        process = self._lines_claims if table == "claims" else self._lines_generic
        first = start == 0
        while True:
            chunk = self._read_chunk(f)
            if first:
                first = False
                if chunk.startswith(BOM):
                    return {"fail": ("bom",), "blank": False, "lines": 0}
            if not chunk:
                if not carry:
                    break
                block = carry
                carry = b""
            else:
                buf = carry + chunk if carry else chunk
                cut = buf.rfind(b"\n")
                if cut < 0:
                    carry = buf
                    if len(carry) > LONG_LINE:
                        fail, cr2, consumed, carry = self._long_line(f, carry, pos, n, rel, cr is None)
                        cr = cr or cr2
                        if fail is not None:
                            break
                        pos += consumed
                        n += 1
                        blank = False
                    continue
                block = buf[:cut]
                carry = buf[cut + 1 :]
            lines = block.split(b"\n")
            if cr is not None:
                fail = _first_bad_utf8(lines, n, pos)
                if fail is not None:
                    break
                n += len(lines)
            elif b"\r" in block:
                for i, raw in enumerate(lines):
                    if b"\r" in raw:
                        j = raw.index(b"\r")
                        col = len(raw[:j].decode("utf-8", "replace")) + 1
                        cr = ("cr", n + i, col, "CRLF" if j == len(raw) - 1 else "CR")
                        break
                off = pos + sum(len(l) + 1 for l in lines[:i])
                got = process(lines[:i], n, rel, fidx, expect, pos) if i else ("ok", n, True)
                if got[0] == "utf8":
                    fail = _utf8_fail(got, lines, n, pos)
                    break
                fail = _first_bad_utf8(lines[i:], n + i, off)
                if fail is not None:
                    break
                blank = blank and got[2]
                n += len(lines)
            else:
                got = process(lines, n, rel, fidx, expect, pos)
                if got[0] == "utf8":
                    fail = _utf8_fail(got, lines, n, pos)
                    break
                blank = blank and got[2]
                n = got[1]
            pos += len(block) + 1
        self._tick(0)
        if fail is None and cr is not None:
            fail = cr
        return {"fail": fail, "blank": blank, "lines": n}

    def _read_chunk(self, f) -> bytes:
        r = self._remaining
        if r == 0:
            return b""
        chunk = f.read(CHUNK if r < 0 else min(CHUNK, r))
        if r > 0:
            self._remaining = r - len(chunk)
        self._tick(len(chunk))
        return chunk

    def _long_line(self, f, data: bytes, pos: int, n: int, rel: str, want_cr: bool):
        """A line longer than any valid record: check its UTF-8 and CRs without holding it, report C115.

        Returns (utf8 failure or None, cr or None, bytes consumed including the newline, rest after it).
        """
        import codecs

        dec = codecs.getincrementaldecoder("utf-8")()
        chars = consumed = 0
        cr = None
        while True:
            cut = data.find(b"\n")
            part = data if cut < 0 else data[:cut]
            pend = dec.getstate()[0]
            try:
                text = dec.decode(part, final=cut >= 0 or not data)
            except UnicodeDecodeError as e:
                off = pos + consumed - len(pend) + e.start
                return ("utf8", n, off - pos + 1, off, (pend + part)[e.start]), None, 0, b""
            if want_cr and cr is None and "\r" in text:
                cr = ("cr", n, chars + text.index("\r") + 1, "CRLF" if text.endswith("\r") and cut >= 0 else "CR")
            chars += len(text)
            consumed += len(part)
            if cut >= 0 or not data:
                if cr is None:
                    self.sink.at(rel, n + 1, 1, "C115", "", f"record of {chars:,} characters exceeds the {MAX_RECORD_BYTES:,} limit")
                return None, cr, consumed + (1 if cut >= 0 else 0), data[cut + 1 :] if cut >= 0 else b""
            data = self._read_chunk(f)

    def _slow_line(self, raw: bytes, n: int, rel: str, fidx: int, table: str, expect: Optional[str]):
        """The reference path for one line: None, "blank", or ("utf8", line, col, byte)."""
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            return ("utf8", n, e.start + 1, raw[e.start])
        if not s.strip():
            self.sink.at(rel, n + 1, 1, "C205", "", "empty line in a JSONL file")
            return "blank"
        obj, fail = parse_record(s, n)
        if fail:
            self.sink.failure(rel, fail)
            return None
        origin = Origin(rel, s, n)
        self._cur = (fidx, n, obj, origin)
        exp = ("article_id", expect) if expect is not None else None
        if isinstance(obj, dict) and self._fast_dict(table, obj, exp):
            return None
        Validator._record(self, table, obj, origin, exp)
        if self.build is not None:
            self.build.slow(table, obj)
        return None

    def _lines_generic(self, lines, n, rel, fidx, expect, pos=0):
        table = self._table
        tc = self.checks[table]
        dec = tc.decode if table != "clusters" else None  # clusters: the reference path, in the parent
        walk = tc.walk
        enc_ = fc._ENCODE
        blank = True
        exp = expect
        off = pos
        for raw in lines:
            line_at = (fidx << 40) | off
            off += len(raw) + 1
            rec = None
            if dec is not None:
                try:
                    rec = dec(raw)
                except Exception:
                    rec = None
            if rec is not None:
                k = walk(rec)
                if k >= 0:
                    enc = enc_(rec) if self.build is not None else None
                    if (enc is not None and enc == raw) or fc.no_duplicate_keys(raw, rec, k):
                        self._cur = (fidx, n, None, None)
                        if self.fast_register(table, rec, exp, enc, line_at):
                            blank = False
                            n += 1
                            continue
            got = self._slow_line(raw, n, rel, fidx, table, exp)
            if got is not None and got != "blank":
                return got
            if got is None:
                blank = False
            n += 1
        return ("ok", n, blank)

    def _lines_claims(self, lines, n, rel, fidx, expect, pos=0):
        """The hot loop: claims, inlined (see _lines_generic for the general case)."""
        tc = self.checks["claims"]
        dec = tc.decode
        walk = tc.walk
        walk_raw = tc.walk_raw
        enc_ = fc._ENCODE
        nodup = fc.no_duplicate_keys
        claim_fast = tc.claim_fast
        ents = self.ctx.entities
        index = self.ctx.index
        h_ids, h_locs = self.logs["claims"]
        add_h = h_ids.append
        add_loc = h_locs.append
        add_c = self.content.append
        records = self.report.records
        build = self.build
        base = fidx << LINE_BITS
        blank = True
        count = 0
        last_aid = None
        text = bps = pub = None
        out: list = []  # build: canonical lines of this block, handed over at once
        add_out = out.append
        first_id = last_id = ""
        ordered = True
        out_bytes = 0
        for raw in lines:
            if dec is not None:
                try:
                    c = dec(raw)
                except Exception:
                    c = None
                if c is not None:
                    if build is not None:
                        k = walk(c)
                        enc = enc_(c)
                        ok = k >= 0 and (enc == raw or nodup(raw, c, k))
                    else:
                        ok = walk_raw(c, raw) >= 0
                    if ok:
                        aid = c.article_id
                        if aid != last_aid:
                            if aid == self.cur_aid:
                                art = self.cur_info
                            elif index is not None:
                                art = index.lookup(aid)
                            else:
                                art = None
                            last_aid = aid
                            if art is None or (expect is not None and aid != expect):
                                text = None
                            else:
                                text, bps, pub, prefix = art.text, art.boilerplate, art.published, aid + "-c"
                        if text is not None:
                            ck = claim_fast(c, text, bps, pub, ents, prefix)
                            if ck is not None:
                                count += 1
                                add_h(hash(c.claim_id))
                                add_loc(base | n)
                                add_c(ck)
                                if build is not None:
                                    cid = c.claim_id
                                    if cid < last_id:
                                        ordered = False
                                    elif not out:
                                        first_id = cid
                                    last_id = cid
                                    add_out(enc)
                                    out_bytes += len(enc)
                                blank = False
                                n += 1
                                continue
            records["claims"] += count
            count = 0
            if out:  # keep the build's order of lines: hand over what came before this line
                build.extend("claims", out, first_id, last_id, ordered, out_bytes)
                out.clear()
                ordered, out_bytes, last_id = True, 0, ""
            got = self._slow_line(raw, n, rel, fidx, "claims", expect)
            last_aid = None  # the slow path may have registered records or changed the current article
            if got is not None and got != "blank":
                return got
            if got is None:
                blank = False
            n += 1
        records["claims"] += count
        if out:
            build.extend("claims", out, first_id, last_id, ordered, out_bytes)
        return ("ok", n, blank)


def _utf8_fail(got: tuple, lines: list, n: int, pos: int) -> tuple:
    """("utf8", line, col, offset, byte) from a line processor's ("utf8", line, col, byte)."""
    _, line, col, byte = got
    off = pos + sum(len(l) + 1 for l in lines[: line - n]) + col - 1
    return ("utf8", line, col, off, byte)


def _first_bad_utf8(lines: list, n: int, pos: int) -> Optional[tuple]:
    for raw in lines:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            return ("utf8", n, e.start + 1, pos + e.start, raw[e.start])
        n += 1
        pos += len(raw) + 1
    return None


def failure_of(fail: tuple, base: int) -> Failure:
    """The reference's whole-file failure from what the stream found (lines shifted by base)."""
    kind = fail[0]
    if kind == "bom":
        return Failure("C111", 1, 1, "the file starts with a UTF-8 byte-order mark (BOM)")
    if kind == "utf8":
        _, line, col, off, byte = fail
        return Failure("C112", base + line + 1, col, f"byte 0x{byte:02x} at byte offset {off} is not valid UTF-8")
    _, line, col, what = fail
    return Failure("C113", base + line + 1, col, f"{what} line ending (first at line {base + line + 1})")


# --- reading records again (for the few problems found at the end) --------------------------------


def _lines_at(path: Path, locs: list[int]):
    """(loc, line number, line bytes) for the lines `locs` point at, in one chunked pass over the file."""
    wanted = sorted({loc & LINE_MASK: loc for loc in locs}.items())
    k = 0
    line = 0  # number of the line starting at `start` of buf
    carry = b""
    with open(path, "rb") as f:
        while k < len(wanted):
            chunk = f.read(CHUNK)
            buf = carry + chunk
            if not chunk:
                if buf:
                    while k < len(wanted) and wanted[k][0] == line:
                        yield wanted[k][1], line, buf
                        k += 1
                break
            cut = buf.rfind(b"\n")
            if cut < 0:
                carry = buf
                continue
            block, carry = buf[:cut], buf[cut + 1 :]
            nl = block.count(b"\n") + 1
            if wanted[k][0] < line + nl:
                lines = block.split(b"\n")
                while k < len(wanted) and wanted[k][0] < line + nl:
                    yield wanted[k][1], wanted[k][0], lines[wanted[k][0] - line]
                    k += 1
            line += nl


def fetch_records(ctx: Context, locs) -> dict:
    """loc -> (rel, raw text, line0, text file rel or None, text or None) for the records at `locs`."""
    sink = Sink(ctx.root)
    by_file: dict[int, list[int]] = {}
    for loc in locs:
        by_file.setdefault(int(loc) >> LINE_BITS, []).append(int(loc))
    out = {}
    for fidx, group in by_file.items():
        path = Path(ctx.files[fidx])
        rel = sink.rel(path)
        if path.suffix == ".jsonl":
            for loc, line0, raw in _lines_at(path, group):
                out[loc] = (rel, raw.decode("utf-8", "replace"), line0, None, None)
        else:
            raw = read_regular(path).decode("utf-8", "replace")
            text_file = text = None
            if path.name == layout.ARTICLE_FILE:
                tp = path.parent / layout.TEXT_FILE
                text_file = sink.rel(tp)
                try:
                    text = read_regular(tp).decode("utf-8")
                except (OSError, UnicodeDecodeError):
                    text = None
            for loc in group:
                out[loc] = (rel, raw, 0, text_file, text)
    return out


# --- merging parts in the parent ---------------------------------------------------------------------


class Merged:
    """The whole run's state, assembled from parts in source order."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.problems: list[Problem] = []
        self.records = {t: 0 for t in TABLES}
        self.files = 0
        self.logs = {t: ([], []) for t in TABLES}  # lists of numpy chunks
        self.content: list = []
        self.art_units: list = []
        self.art_spills: list = []
        self.deferred_refs: list = []
        self.deferred_entity_refs: list = []
        self.deferred_claims: list = []
        self.present: dict[str, set] = {t: set() for t in TABLES}
        self.unread: set = set()
        self.spill_paths: list[str] = []

    def add(self, part: dict) -> None:
        import numpy as np

        offset = len(self.ctx.files)
        self.ctx.files.extend(part["files"])
        shift = part.get("shift", 0)
        add = np.int64((offset << LINE_BITS) + shift)
        for t in TABLES:
            h, loc = part["logs"][t]
            if len(h):
                self.logs[t][0].append(np.frombuffer(h, dtype=np.int64))
                self.logs[t][1].append(np.frombuffer(loc, dtype=np.int64) + add)
        if len(part["content"]):
            self.content.append(np.frombuffer(part["content"], dtype=np.int64))
        if len(part["art_units"]):
            self.art_units.append(np.frombuffer(part["art_units"], dtype=np.int64))
            sp = np.frombuffer(part["art_spills"], dtype=np.int64)
            sp = np.where(sp >= 0, sp + (np.int64(offset) << np.int64(40)), sp)
            self.art_spills.append(sp)
        if shift:
            self.problems.extend(Problem(p.file, p.line + shift, p.column, p.code, p.field, p.message) for p in part["problems"])
        else:
            self.problems.extend(part["problems"])
        for t, n in part["records"].items():
            self.records[t] += n
        self.files += part["nfiles"]
        self.deferred_refs.extend(_shift_where(part["deferred_refs"], shift, 1))
        self.deferred_entity_refs.extend(_shift_where(part["deferred_entity_refs"], shift, 1))
        self.deferred_claims.extend(part["deferred_claims"])
        for t, ids in part["present"].items():
            self.present[t] |= ids
        self.unread |= part["unread"]
        for name in part["entities"]:
            self.ctx.entities.add(name)

    def array(self, chunks):
        import numpy as np

        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)


def _shift_where(items: list, shift: int, at: int) -> list:
    """Items holding a Where at index `at`, with its line moved by `shift` (byte-range parts)."""
    if not shift:
        return items
    out = []
    for it in items:
        w = it[at]
        out.append((*it[:at], Where(w.file, w.line + shift, w.column), *it[at + 1 :]))
    return out


def part_of(eng: Engine) -> dict:
    if eng.spill_file is not None:
        eng.spill_file.close()
        eng.spill_file = None
    eng._tick(0)
    if eng.ctx.progress is not None:
        eng._report_progress()
    return {
        "files": eng.files,
        "logs": eng.logs,  # array.array: pickled to the parent, or viewed by numpy in place
        "content": eng.content,
        "art_units": eng.art_units,
        "art_spills": eng.art_spills,
        "problems": eng.sink.problems,
        "records": eng.report.records,
        "nfiles": eng.report.files,
        "deferred_refs": eng.deferred_refs,
        "deferred_entity_refs": eng.deferred_entity_refs,
        "deferred_claims": eng.deferred_claims,
        "present": eng.data.present,
        "unread": eng.data.unread,
        "entities": [k for k, v in eng.entity_counts.items() if v > 0],
        "range": eng.range_info,
        "build": eng.build.part() if eng.build is not None else None,
    }


# --- tasks -----------------------------------------------------------------------------------------------


def run_task(task) -> dict:
    """A task: ("units", [unit indices]) or ("range", unit index, start, end)."""
    ctx = _CTX
    eng = Engine(ctx, build=_BUILD_FACTORY() if _BUILD_FACTORY else None)
    if task[0] == "units":
        for ui in task[1]:
            u = ctx.units[ui]
            eng.unit = ui
            eng.cur_aid = eng.cur_info = None
            eng.file_ids.clear()  # only the current unit's files are looked up: keep the dicts small
            eng._rel_ids.clear()
            if u.kind == "article":
                eng._article_dir(u.path)
            elif u.kind == "json":
                eng._json_file(u)
            else:
                eng._table = u.table
                eng.jsonl(u.path, u.table, None, 0, None)
    else:
        _, ui, start, end = task
        u = ctx.units[ui]
        eng.unit = ui
        eng._table = u.table
        eng.jsonl(u.path, u.table, None, start, end)
    return part_of(eng)


_BUILD_FACTORY: Optional[Callable] = None


def _split_points(path: Path, size: int, pieces: int) -> list[int]:
    """Byte offsets that start lines, cutting the file into about `pieces` ranges."""
    points = [0]
    with open(path, "rb") as f:
        for k in range(1, pieces):
            target = size * k // pieces
            if target <= points[-1]:
                continue
            f.seek(target)
            rest = f.readline()
            p = target + len(rest)
            if p < size and p > points[-1]:
                points.append(p)
    points.append(size)
    return points


def plan(ctx: Context, units: list[int], jobs: int, eng: Engine) -> list:
    """Tasks for a phase: groups of whole units, and byte ranges of large JSONL files."""
    tasks: list = []
    group: list[int] = []
    sizes = {}
    for ui in units:
        u = ctx.units[ui]
        if u.kind == "jsonl" and jobs > 1:
            try:
                st = os.stat(u.path)
                sizes[ui] = st.st_size
            except OSError:
                sizes[ui] = 0
    n_dirs = sum(1 for ui in units if ctx.units[ui].kind != "jsonl")
    per_group = max(1, n_dirs // (jobs * 8)) if jobs > 1 else max(1, n_dirs)
    for ui in units:
        u = ctx.units[ui]
        size = sizes.get(ui, 0)
        if u.kind == "jsonl" and jobs > 1 and size > SPLIT_BYTES and not u.path.is_symlink():
            if group:
                tasks.append(("units", group))
                group = []
            why = eng._outside(u.path)
            if why:
                tasks.append(("units", [ui]))
                continue
            pieces = max(2, min(jobs * 4, size // SPLIT_BYTES + 1))
            pts = _split_points(u.path, size, pieces)
            tasks.append(("ranges", ui, [("range", ui, a, b) for a, b in zip(pts, pts[1:])]))
            continue
        group.append(ui)
        if len(group) >= per_group or u.kind == "jsonl":
            tasks.append(("units", group))
            group = []
    if group:
        tasks.append(("units", group))
    return tasks


def execute(ctx: Context, tasks: list, jobs: int, merged: Merged, eng: Engine) -> None:
    """Run tasks (in workers when jobs > 1) and merge the parts in task order."""
    flat: list = []
    for t in tasks:
        if t[0] == "ranges":
            flat.extend(t[2])
        else:
            flat.append(t)
    if jobs > 1 and len(flat) > 1:
        import multiprocessing as mp

        from .outputs import reset_in_worker

        with mp.get_context("fork").Pool(min(jobs, len(flat)), initializer=reset_in_worker) as pool:
            results = pool.imap(run_task, flat)
            _merge(ctx, tasks, results, merged, eng)
    else:
        _merge(ctx, tasks, (run_task(t) for t in flat), merged, eng)


def _merge(ctx: Context, tasks: list, results, merged: Merged, eng: Engine) -> None:
    for t in tasks:
        if t[0] != "ranges":
            part = next(results)
            merged.add(part)
            if eng.build is not None and part["build"] is not None:
                eng.build.merge(part["build"])
            continue
        ui = t[1]
        u = ctx.units[ui]
        parts = [next(results) for _ in t[2]]
        rel = eng.sink.rel(u.path)
        base = 0
        fails = []
        blank = True
        for p in parts:
            info = p["range"] or {"fail": None, "blank": True, "lines": 0}
            if info["fail"] is not None:
                fails.append((info["fail"], base))
            blank = blank and info["blank"]
            p["shift"] = base
            base += info["lines"]
        if fails or blank:
            merged.files += 1
            bom = [f for f in fails if f[0][0] == "bom"]
            utf8 = [f for f in fails if f[0][0] == "utf8"]
            crs = [f for f in fails if f[0][0] == "cr"]
            if bom:
                merged.problems.append(_problem(rel, failure_of(*bom[0])))
            elif utf8:
                merged.problems.append(_problem(rel, failure_of(*utf8[0])))
            elif crs:
                merged.problems.append(_problem(rel, failure_of(*crs[0])))
            else:
                merged.problems.append(Problem(rel, 1, 1, "C114", "", "the file is empty"))
            continue  # the file's records do not count, as when it is read whole
        for p in parts:
            merged.add(p)
            if eng.build is not None and p["build"] is not None:
                eng.build.merge(p["build"])


def _problem(rel: str, f: Failure) -> Problem:
    return Problem(rel, f.line, f.column, f.code, f.field, f.message)


# --- finishing: dataset checks on the merged state -----------------------------------------------------


def _groups(hashes):
    """Positions of equal hashes, as lists in source order (only groups of two or more)."""
    import numpy as np

    if len(hashes) < 2:
        return []
    order = np.argsort(hashes, kind="stable")
    s = hashes[order]
    dup = np.flatnonzero(s[1:] == s[:-1])
    if not len(dup):
        return []
    out: dict[int, list[int]] = {}
    for i in dup:
        key = int(s[i])
        g = out.setdefault(key, [int(order[i])])
        g.append(int(order[i + 1]))
    return [sorted(set(g)) for g in out.values()]


class _Known:
    """A stand-in for Dataset.ids[table] (a dict of every ID): only `in`, answered from compact state."""

    def __init__(self, contains):
        self.contains = contains

    def __contains__(self, rid) -> bool:
        return self.contains(rid)


def finish(ctx: Context, merged: Merged, eng: Engine) -> list[Problem]:
    """Dataset checks on the merged state, through the reference code wherever it decides something.

    Duplicate IDs (C501) and contents (C505): the records whose hashes collide are read again and
    replayed, in source order, through a fresh Validator._record, which reports them exactly as the
    reference does. References and clusters: the reference Dataset.finish runs on the references
    that were not found when read, with the ID tables answered from the compact state.
    """

    from .validate import Dataset

    out: list[Problem] = []
    content = merged.array(merged.content)
    for table in TABLES:
        hashes = merged.array(merged.logs[table][0])
        locs = merged.array(merged.logs[table][1])
        cand = {i for g in _groups(hashes) for i in g}
        if table == "claims":
            cand |= {i for g in _groups(content) for i in g}
        if not cand:
            continue
        order = sorted(cand)
        recs = fetch_records(ctx, [locs[i] for i in order])
        replay = Validator(ctx.root)
        for i in order:
            rel, raw, line0, text_file, text = recs[int(locs[i])]
            obj, fail = parse_record(raw, line0)
            if fail:
                continue
            if text is not None and isinstance(obj, dict) and "text" not in obj:
                obj = {**obj, "text": text}
            replay._record(table, obj, Origin(rel, raw, line0, text_file))
        out.extend(p for p in replay.sink.problems if p.code in ("C501", "C505"))
    index = ctx.index
    ds = Dataset()
    ds.ids = {
        "articles": _Known(lambda aid: index is not None and index.exists(aid)),
        "entities": ctx.entities,
        "claims": _claims_named(ctx, merged, {m[0] for m in eng.data.cluster_members}),
        "clusters": {},
    }
    ds.article_refs = merged.deferred_refs
    ds.entity_refs = merged.deferred_entity_refs
    ds.cluster_sizes = eng.data.cluster_sizes
    ds.cluster_members = eng.data.cluster_members
    ds.present, ds.unread = merged.present, merged.unread
    sink = Sink(ctx.root)
    ds.finish(sink)
    out.extend(sink.problems)
    # claims checked against an article other than their folder's: the one read before them
    for unit, obj, origin in merged.deferred_claims:
        art = index.lookup(obj["article_id"], max_unit=unit) if index is not None else None
        if art is not None:
            sink = Sink(ctx.root)
            check_claim(obj, origin, art, sink)
            out.extend(sink.problems)
    return out


def _claims_named(ctx: Context, merged: Merged, wanted: set) -> set:
    """The IDs in `wanted` (claim IDs named by clusters) that some claim has. A hash match alone
    could hide an unknown ID behind a colliding one, so each match is confirmed by reading the
    claim's own ID at its location: C504 is exact."""
    import numpy as np

    hashes = merged.array(merged.logs["claims"][0])
    locs = merged.array(merged.logs["claims"][1])
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    candidates: dict[int, set] = {}  # location -> the wanted IDs whose hash it has
    for cid in wanted:
        h = hash(cid)
        for j in range(int(ordered.searchsorted(h, "left")), int(ordered.searchsorted(h, "right"))):
            candidates.setdefault(int(locs[order[j]]), set()).add(cid)
    found = set()
    for loc, (rel, raw, line0, _tf, _t) in fetch_records(ctx, list(candidates)).items():
        obj, fail = parse_record(raw, line0)
        if not fail and isinstance(obj, dict) and obj.get("claim_id") in candidates[loc]:
            found.add(obj["claim_id"])
    return found


# --- the run ----------------------------------------------------------------------------------------------


def run(paths: Sequence[Path], root: Path, jobs: int = 1, progress: bool = False, build=None) -> Report:
    """Validate `paths` (relative problem paths from `root`) with `jobs` processes."""
    from .outputs import owned_tempdir

    with owned_tempdir(prefix="claimset-validate-") as tmp:
        return _run(paths, Path(root), jobs, progress, build, str(tmp))


def _run(paths: Sequence[Path], root: Path, jobs: int, progress: bool, build, tmp: str) -> Report:
    global _CTX, _BUILD_FACTORY

    ctx = Context(root=root, units=[], tmp=tmp)
    parent = Engine(ctx, build=build.collector() if build is not None else None)
    try:
        units = discover(paths, parent.root, parent.sink)
        ctx.units = units
        if jobs > 1 and not _can_fork():
            jobs = 1
        _CTX = ctx
        _BUILD_FACTORY = build.collector if build is not None else None
        bar = Progress.start(ctx, units) if progress else None
        merged = Merged(ctx)
        merged.problems.extend(parent.sink.problems)
        parent.sink.problems = []
        idx = list(range(len(units)))
        ents = [i for i in idx if units[i].table == "entities" and units[i].kind == "json"] + [
            i for i in idx if units[i].table == "entities" and units[i].kind == "jsonl"
        ]
        arts = [i for i in idx if units[i].kind == "article"] + [i for i in idx if units[i].table == "articles" and units[i].kind == "jsonl"]
        claims = [i for i in idx if units[i].table == "claims" and units[i].kind == "jsonl"]
        clusters = [i for i in idx if units[i].table == "clusters" and units[i].kind == "json"] + [
            i for i in idx if units[i].table == "clusters" and units[i].kind == "jsonl"
        ]
        ctx.spill = bool(claims)
        ctx.seq = [0] * len(units)
        for k, ui in enumerate(ents + arts + claims + clusters):
            ctx.seq[ui] = k
        # phase 1: entities (claims check their references as they are read)
        execute(ctx, plan(ctx, ents, jobs, parent), jobs, merged, parent)
        # phase 2: article folders (with their claims) and articles JSONL
        execute(ctx, plan(ctx, arts, jobs, parent), jobs, merged, parent)
        art_h = merged.array(merged.logs["articles"][0])
        art_loc = merged.array(merged.logs["articles"][1])
        art_units = merged.array(merged.art_units)
        art_spills = merged.array(merged.art_spills)
        ctx.index = ArticleIndex(art_h, art_loc, art_units, art_spills, parent)
        # phase 3: claims JSONL, against the articles' spilled texts
        execute(ctx, plan(ctx, claims, jobs, parent), jobs, merged, parent)
        # phase 4: clusters, in this process, against every claim ID
        for ui in clusters:
            u = units[ui]
            parent.unit = ui
            if u.kind == "json":
                parent._json_file(u)
            else:
                parent._table = u.table
                parent.jsonl(u.path, u.table, None, 0, None)
        part = part_of(parent)
        merged.add(part)
        merged.problems.extend(finish(ctx, merged, parent))
        if bar is not None:
            bar.stop()
        report = Report()
        report.problems = sorted(set(merged.problems))
        report.records = merged.records
        report.files = merged.files
        if build is not None:
            build.done(report, parent.build)
        return report
    finally:
        _CTX = None
        _BUILD_FACTORY = None


def _can_fork() -> bool:
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


# --- progress ---------------------------------------------------------------------------------------------


class Progress:
    """A progress bar (MB, MB/s, ETA) on stderr, only when stderr is a terminal."""

    def __init__(self, ctx: Context, total: int):
        import multiprocessing as mp

        ctx.progress = mp.get_context("fork").Value("q", 0) if _can_fork() else None
        ctx.progress_records = mp.get_context("fork").Value("q", 0, lock=False) if _can_fork() else None
        self.ctx = ctx
        self.total = total
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @classmethod
    def start(cls, ctx: Context, units: list) -> Optional["Progress"]:
        if not sys.stderr.isatty():
            return None
        return cls(ctx, _total_bytes(units))

    def _run(self) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress as Bar, TextColumn, TimeRemainingColumn, TransferSpeedColumn

        with Bar(
            TextColumn("validating"),
            BarColumn(),
            TextColumn("{task.fields[records]:>12,} records"),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task("validate", total=self.total or None, records=0)
            while not self.stop_event.wait(0.2):
                if self.ctx.progress is not None:
                    bar.update(task, completed=self.ctx.progress.value, records=self.ctx.progress_records.value)

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=2)


def _total_bytes(units: list) -> int:
    total = 0
    for u in units:
        try:
            if u.kind == "article":
                for name in (layout.ARTICLE_FILE, layout.TEXT_FILE, layout.CLAIMS_FILE):
                    p = Path(u.path) / name
                    if p.exists():
                        total += p.stat().st_size
            else:
                total += u.path.stat().st_size
        except OSError:
            pass
    return total
