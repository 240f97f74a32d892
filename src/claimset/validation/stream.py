"""The streaming reader: what `claimset validate` and `claimset build` run, one part at a time.

It is the one-process reader (reader.Validator) with three things changed; every record still goes
through the same layers and the same rule functions, so the reports are the same:

1. JSONL files are streamed in 1 MiB chunks, never read whole. Each line is decoded by the types
   generated from the schema (typed.py); a line they accept goes straight to the record rules, any
   other line to the reference parser and jsonschema, which word its problems. File-level failures
   found mid-file (invalid UTF-8, CR line endings, all lines blank) roll the file back and report
   the one problem the reference reports for the whole file.
2. Dataset facts are compact: per record its ID and location, per claim its content key, as
   strings moved into Arrow chunks (ids.Log; parallel.finish checks them with Arrow compute, exact
   by construction); entities are read first, so unknown entities are known as soon as a claim is
   read.
3. Article texts are not kept: a claim in an article folder is checked against that folder's text;
   for claims in separate JSONL files, articles are found by ID through parallel.ArticleIndex and
   read again from their source (their own JSONL line, or their folder).
"""

from __future__ import annotations

import array
import os
from operator import attrgetter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import msgspec

from ..sources import layout
from ..sources.jsonio import MAX_RECORD_BYTES, Failure, parse_record
from ..models import ID_FIELDS, TABLES
from ..utils import file_stamp, open_regular
from .folders import CHUNK, FolderReader, _Sink
from .problems import Origin, Sink, field_path
from .reader import Validator
from .records import ArticleInfo, check_article, entity_refs
from .ids import Log
from .locations import LINE_BITS, fetch_records
from .typed import decode_article_text, decode_block, table_check, to_struct

LONG_LINE = 4 * MAX_RECORD_BYTES + (1 << 20)  # a line this long has more characters than the limit
BOM = b"\xef\xbb\xbf"


@dataclass
class Context:
    root: Path  # as given (problem paths are relative to it)
    units: list
    entities: set = field(default_factory=set)
    index: Any = None  # parallel.ArticleIndex, once the articles are read
    files: list = field(default_factory=list)  # global file table: path strings
    progress: Any = None  # multiprocessing.Value of bytes read, or None
    progress_records: Any = None
    seq: list = field(default_factory=list)  # unit index -> position in reading order


_CTX: Optional[Context] = None  # set in the parent before forking; inherited by the workers



class Engine(FolderReader, Validator):
    """One part of a run: a group of files or a byte range, read in a worker (or in the parent)."""

    def __init__(self, ctx: Context, build=None):
        super().__init__(ctx.root)
        self.ctx = ctx
        self.sink = _Sink(Path(ctx.root))
        self._resolved: dict[str, bool] = {}
        self.logs = {t: Log() for t in TABLES}
        self.content = Log(with_locs=False)  # aligned with the claims' log: one key per claim ID
        self.art_units = array.array("q")
        self.art_lines = array.array("q")  # file << 40 | byte offset of an article's JSONL line, or -1
        # 1: the article had no problem, so claims need only its text, boilerplate and date decoded;
        # 0: check_article runs again, and drops what failed
        self.art_clean = array.array("b")
        self.entity_counts: dict[str, int] = {}
        self.entity_added: list[str] = []
        self._rel_ids: dict[str, int] = {}
        self._table = "claims"
        self.deferred_refs: list = []  # (article_id, Where): C502 unless some article has that ID
        self.deferred_entity_refs: list = []  # (entity_id, Where, field) of no entity read
        self.deferred_claims: list = []  # (unit, origin): check_claim again with the article read before
        self.files: list[str] = []  # this part's file table (path strings)
        self.file_ids: dict[str, int] = {}
        self.unit = -1
        self.cur_aid: Optional[str] = None
        self.cur_info: Optional[ArticleInfo] = None
        self._cur = (0, 0)  # file index, line0 of the record being read
        self._line_at = -1  # (file << 40 | offset) of the JSONL line being read, -1 for others
        self._before = 0  # problems before the record being read
        self.range_info: Optional[dict] = None
        self.build = build  # tablewriter.Collector or None: receives (table, id, canonical bytes)
        self.checks = {t: table_check(t) for t in TABLES}
        self.meta_check = table_check("articles", True)  # article.json: the text is in text.txt
        self.nbytes = 0
        self.recs_reported = 0
        self.line_handles: dict[int, Any] = {}

    # --- files ------------------------------------------------------------------------------------

    def file_id(self, path) -> int:
        key = str(path)
        i = self.file_ids.get(key)
        if i is None:
            i = self.file_ids[key] = len(self.files)
            self.files.append(key)
        return i


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

    # --- dataset facts, compactly (the hooks of Validator.accept) -----------------------------------

    def add_id(self, table: str, rid: str, origin: Origin, id_field: str) -> None:
        fidx, line0 = self._cur
        self.logs[table].append(rid, (fidx << LINE_BITS) | line0)
        if table == "entities":
            self.entity_counts[rid] = self.entity_counts.get(rid, 0) + 1
            self.entity_added.append(rid)

    def article_of(self, aid: str, origin: Origin) -> Optional[ArticleInfo]:
        if aid == self.cur_aid:
            return self.cur_info
        if self.ctx.index is not None:
            return self.ctx.index.lookup(aid)
        self.deferred_claims.append((self.unit, origin))  # checked again once every article is read
        return None

    def ref_article(self, aid: str, origin: Origin) -> None:
        """Kept only when the article is not known yet."""
        if aid == self.cur_aid or (self.ctx.index is not None and self.ctx.index.exists(aid)):
            return
        self.deferred_refs.append((aid, origin.where(["article_id"])))

    def ref_entities(self, rec, origin: Origin) -> None:
        """Kept only when no entity has the ID (all are read first)."""
        known = self.ctx.entities
        for path, eid in entity_refs(rec):
            if eid not in known:
                self.deferred_entity_refs.append((eid, origin.where(path), field_path(path)))

    def add_content(self, key: str, rid: str, origin: Origin) -> None:
        self.content.append(key)

    def register_article(self, rid: str, info: ArticleInfo) -> None:
        """Where claims in JSONL files will find the article again: the byte position of its own
        JSONL line, flagged by whether the article had a problem; else (a folder, a line the
        reference parser read) its location."""
        self.art_units.append(self.ctx.seq[self.unit] if self.unit >= 0 else -1)
        self.art_lines.append(self._line_at)
        self.art_clean.append(len(self.sink.problems) == self._before)
        self.cur_aid, self.cur_info = rid, info

    def article_at(self, loc: int, line_at: int, clean: bool):
        """(article ID, ArticleInfo) of a registered article, read again from its source."""
        if line_at >= 0:
            fno, off = line_at >> 40, line_at & ((1 << 40) - 1)
            fd = self.line_handles.get(fno)
            if fd is None:  # pread, not mmap: read pages would count in this process's RSS
                fd = self.line_handles[fno] = os.open(self.ctx.files[fno], os.O_RDONLY)
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
            raw = line[:cut]
            if clean:
                a = decode_article_text(raw)
                return a.article_id, ArticleInfo(a.text, [(b.start, b.end) for b in a.boilerplate], a.published)
            # an article with a problem: what check_article keeps of it (its failing spans dropped)
            text = raw.decode("utf-8")
            obj = parse_record(text)[0]
            return obj["article_id"], _article_info(obj, Origin(self.ctx.files[fno], text), Sink(self.ctx.root))
        got = fetch_records(self.ctx, [loc]).get(loc)
        if got is None:
            return None
        rel, raw, line0, text_file, text = got
        obj, fail = parse_record(raw, line0)
        if fail or not isinstance(obj, dict) or not isinstance(obj.get("article_id"), str):
            return None
        if text is not None and "text" not in obj:
            obj = {**obj, "text": text}
        quiet = Sink(self.ctx.root)
        return obj["article_id"], _article_info(obj, Origin(rel, raw, line0, text_file), quiet)

    # --- rollback of one file ----------------------------------------------------------------------

    def snapshot(self) -> tuple:
        return (
            len(self.sink.problems),
            {t: len(log) for t, log in self.logs.items()},
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
        for t, log in self.logs.items():
            log.truncate(ids[t])
        self.content.truncate(nc)
        del self.art_units[na:]
        del self.art_lines[na:]
        del self.art_clean[na:]
        del self.deferred_refs[nr:]
        del self.deferred_claims[nd:]
        self.report.records = recs
        del self.data.cluster_sizes[ns:]
        del self.data.cluster_members[nm:]
        self.cur_aid, self.cur_info = cur

    # --- records ----------------------------------------------------------------------------------

    # --- records ----------------------------------------------------------------------------------

    def _record(self, table: str, obj: Any, origin: Origin, expect_id=None) -> None:
        """A record the reference parser read (JSON files, odd lines): typed without jsonschema when
        the generated types accept it, else through Validator._record (jsonschema words the problems)."""
        self._cur = (self._rel_ids.get(origin.file, 0), origin.line0)
        self._line_at = -1  # found again by its location: the reference parser's record may not be one line of bytes
        self._before = len(self.sink.problems)
        tc = self.checks[table]
        rec = None
        if isinstance(obj, dict) and tc.ok:
            try:
                rec = msgspec.convert(obj, tc.type)
            except Exception:
                rec = None
        if rec is not None and tc.walk(rec) >= 0:
            self.report.records[table] += 1
            self.accept(table, rec, origin, expect_id)
        else:
            super()._record(table, obj, origin, expect_id)
        if self.build is not None:
            self.build.slow(table, obj)

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
        if self.build is not None:  # where kept source lines are (tablewriter.Collector.block)
            self._source = (os.path.abspath(self.files[fidx]), file_stamp(os.fstat(f.fileno())))
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
        process = self._lines
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
                got = process(lines, n, rel, fidx, expect, pos, block)
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
        self._record(table, obj, Origin(rel, s, n), ("article_id", expect) if expect is not None else None)
        return None

    def _source_at(self, pos: int, nbytes: int) -> Optional[tuple]:
        """(path, offset, stamp) of the `nbytes` at `pos` of the file being read, when they end
        with its newline (the last line of a file may have none)."""
        path, st = self._source
        return (path, pos, st) if pos + nbytes <= st[2] else None

    def _lines(self, lines, n, rel, fidx, expect, pos=0, block=None):
        """The hot loop: the lines decoded by the generated types (typed.decode_block; `block`: their
        bytes joined, for the duplicate-key proof of all at once), then the record rules; a line
        they do not accept goes to _slow_line. Returns ("ok", lines, all blank) or a UTF-8 failure."""
        table = self._table
        tc = self.checks[table]
        build = self.build
        if tc.decode is not None:
            recs, canon = decode_block(tc, lines, block, encode=build is not None)
        else:
            recs, canon = [None] * len(lines), None
        records = self.report.records
        accept = self.accept
        claims = self.accept_claim if table == "claims" else None  # one call less per claim
        problems = self.sink.problems
        exp = ("article_id", expect) if expect is not None else None
        blank = True
        off = pos
        for raw, rec in zip(lines, recs):
            line_at = (fidx << 40) | off
            off += len(raw) + 1
            if rec is not None:
                self._cur = (fidx, n)
                self._line_at = line_at
                self._before = len(problems)
                records[table] += 1
                if claims is not None:
                    claims(rec, Origin(rel, raw, n), exp)
                else:
                    accept(table, rec, Origin(rel, raw, n), exp)
                blank = False
                n += 1
                continue
            got = self._slow_line(raw, n, rel, fidx, table, expect)
            if got is not None and got != "blank":
                return got
            if got is None:
                blank = False
            n += 1
        if canon is not None:  # the build's canonical lines (a line refused above went to build.slow)
            key = attrgetter(ID_FIELDS[table])
            if canon is block:  # the source lines are the release's: kept as they are
                build.block(table, [key(r) for r in recs], lines, len(block) + 1, self._source_at(pos, len(block) + 1))
            else:
                for rec, line in zip(recs, canon):
                    if rec is not None:
                        build.add(table, key(rec), line)
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


def _article_info(obj: dict, origin: Origin, sink: Sink) -> ArticleInfo:
    """What check_article keeps of an article read again (its structure was valid when first read)."""
    return check_article(to_struct("articles", obj), obj["text"], origin, sink)
