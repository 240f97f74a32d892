"""The conversion stage of `claimset build`: validated records -> sorted JSONL and Parquet, streamed.

While the engine validates, each table's canonical JSONL lines (utils.json_line(canonical(record)),
from one msgspec encode) are kept as runs of lines in ID order. A block of source lines that
already is canonical and in ID order stays where it is: its run is the byte range of the source
file, stamped (device, inode, size, times) so that a file changed before the release is written
stops the build instead of publishing unvalidated bytes. Other lines are buffered, sorted by ID
(RUN_BYTES at a time) and written as run files. After a valid run, the runs of each table are
concatenated in ID order (merged by ID first where they overlap) into the release's JSONL, with
os.copy_file_range where the system has it, and that JSONL goes through pyarrow's own streaming
JSON reader, with the Arrow schema derived from the models, into a Parquet writer. Memory holds
one run buffer per table and process, and one row group.

Tables larger than SHARD_BYTES of JSONL are written as N shards, `<table>-00000-of-0000N.parquet`
(and .jsonl), cut at equal row counts, so DuckDB, Polars, Spark or Dask read them in parallel;
smaller tables keep the single `<table>.parquet` / `<table>.jsonl` of the seed release. A row group
is ROW_GROUP_BYTES // PARSE_BYTES parse blocks of the JSONL (or the rest of its shard). The bytes
depend only on the records: the same sources give identical files for any number of jobs.
"""

from __future__ import annotations

import errno
import heapq
import os
import tempfile
from pathlib import Path
from typing import Iterator, NamedTuple, Optional

from ..models import ID_FIELDS, TABLES
from ..utils import file_stamp

RUN_BYTES = int(os.environ.get("CLAIMSET_RUN_BYTES", 32 << 20))
SHARD_BYTES = int(os.environ.get("CLAIMSET_SHARD_BYTES", 256 << 20))
ROW_GROUP_BYTES = int(os.environ.get("CLAIMSET_ROW_GROUP_BYTES", 32 << 20))
PARSE_BYTES = 1 << 20  # pyarrow's JSON block: larger blocks parse slower (cache), a line must fit in one


def canonical(table: str, obj: dict) -> dict:
    """The record as the model serialises it: fixed key order, floats as floats."""
    return TABLES[table].model_validate(obj).model_dump(mode="json")


class SourceChanged(Exception):
    """A source file changed between its validation and the copy of its lines into the release."""


class Run(NamedTuple):
    """Canonical lines in ID order: a run file of the collector, or a range of a source file."""

    path: str
    first: str
    last: str
    offset: int  # where the lines start in path
    pieces: list  # (rows, bytes, longest line) of each block, in order: shard cuts without counting lines
    stamp: tuple = ()  # a source file's utils.file_stamp when it was validated; () for a run file

    @property
    def rows(self) -> int:
        return sum(p[0] for p in self.pieces)

    @property
    def nbytes(self) -> int:
        return sum(p[1] for p in self.pieces)


class Collector:
    """Canonical lines of one part of a run (one process): source ranges and sorted run files."""

    def __init__(self, folder: str):
        self.folder = folder
        self.buf: dict[str, list] = {t: [] for t in TABLES}
        self.size = {t: 0 for t in TABLES}
        self.longest = {t: 0 for t in TABLES}
        self.last = {t: "" for t in TABLES}
        self.ordered = {t: True for t in TABLES}
        self.kept = {t: "" for t in TABLES}  # the last ID of the table's source ranges: they stay in order
        self.kept_end: dict[str, tuple] = {t: () for t in TABLES}  # (path, stamp, end offset) of the last range
        self.runs: dict[str, list] = {t: [] for t in TABLES}

    def add(self, table: str, rid: str, line: bytes) -> None:
        self.buf[table].append(line)
        if rid < self.last[table]:
            self.ordered[table] = False
        self.last[table] = rid
        self.size[table] += len(line) + 1
        if len(line) > self.longest[table]:
            self.longest[table] = len(line)
        if self.size[table] >= RUN_BYTES:
            self.flush(table)

    def block(self, table: str, ids: list, lines: list, nbytes: int, where: Optional[tuple]) -> None:
        """Lines that are canonical as read, `nbytes` with their newlines; `where`: (path, offset,
        stamp) when they are those bytes of a file, newline included. A block in ID order, after the
        table's source ranges so far, stays in the file (joined to the range before it when it
        continues it); any other block is buffered."""
        longest = max(map(len, lines))
        if where is not None and ids[0] > self.kept[table] and (len(ids) == 1 or ids == sorted(ids)):
            path, offset, st = where
            runs = self.runs[table]
            prev = runs[-1] if runs else None
            piece = (len(lines), nbytes, longest)
            if prev is not None and self.kept_end[table] == (path, st, offset) and prev.stamp:  # it continues the last range
                prev.pieces.append(piece)
                runs[-1] = prev._replace(last=ids[-1])
            else:
                runs.append(Run(path, ids[0], ids[-1], offset, [piece], st))
            self.kept[table] = ids[-1]
            self.kept_end[table] = (path, st, offset + nbytes)
            return
        buf = self.buf[table]
        buf.extend(lines)
        if ids[0] < self.last[table] or not (len(ids) == 1 or ids == sorted(ids)):
            self.ordered[table] = False
        self.last[table] = ids[-1]
        self.size[table] += nbytes
        if longest > self.longest[table]:
            self.longest[table] = longest
        if self.size[table] >= RUN_BYTES:
            self.flush(table)

    def slow(self, table: str, obj) -> None:
        """A record the reference path accepted: canonical bytes through pydantic (rare)."""
        from ..utils import json_line

        try:
            rec = canonical(table, obj)
        except Exception:  # the record has problems: the build will refuse to write anything
            return
        self.add(table, rec[ID_FIELDS[table]], json_line(rec).encode("utf-8"))

    def flush(self, table: str) -> None:
        buf = self.buf[table]
        if not buf:
            return
        prefix = _prefix(table)
        if not self.ordered[table]:
            buf.sort(key=lambda line: _id_of(line, prefix))
        fd, path = tempfile.mkstemp(prefix=f"run-{table}-", suffix=".jsonl", dir=self.folder)
        with os.fdopen(fd, "wb") as f:
            f.write(b"\n".join(buf))
            f.write(b"\n")
        piece = (len(buf), self.size[table], self.longest[table])
        self.runs[table].append(Run(path, _id_of(buf[0], prefix), _id_of(buf[-1], prefix), 0, [piece]))
        self.buf[table] = []
        self.size[table] = 0
        self.longest[table] = 0
        self.last[table] = ""
        self.ordered[table] = True

    def part(self) -> dict:
        for t in TABLES:
            self.flush(t)
        return self.runs

    def merge(self, runs: dict) -> None:
        for t in TABLES:
            self.runs[t].extend(runs[t])


class Table:
    """One table's runs, ready to be written (what build.write_table_files receives)."""

    def __init__(self, table: str, runs: list, folder: str, progress: bool = False):
        self.table = table
        self.runs = runs
        self.folder = folder  # where a merge of overlapping runs goes
        self.progress = progress

    def __len__(self) -> int:
        return sum(r.rows for r in self.runs)

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self.runs)

    def ordered(self) -> list[Run]:
        """The runs in ID order; overlapping ones (from buffers, or processes that read interleaved
        parts) are merged by ID into one run file first. Chains of runs that follow each other are
        merged as one stream, so a merge reads as many files at once as runs overlap at one ID."""
        runs = sorted(self.runs, key=lambda r: r.first)
        if all(a.last < b.first for a, b in zip(runs, runs[1:])):
            return runs
        chains: list[list[Run]] = []
        ends: list[tuple[str, int]] = []  # (last ID, chain) of each chain, smallest first
        for r in runs:
            if ends and ends[0][0] < r.first:
                _, i = heapq.heappop(ends)
            else:
                i = len(chains)
                chains.append([])
            chains[i].append(r)
            heapq.heappush(ends, (r.last, i))
        prefix = _prefix(self.table)
        streams = [((_id_of(line, prefix), line) for r in chain for line in _run_lines(r)) for chain in chains]
        fd, path = tempfile.mkstemp(prefix=f"merged-{self.table}-", suffix=".jsonl", dir=self.folder)
        pieces = []
        first = last = ""
        with os.fdopen(fd, "wb") as f:
            out: list[bytes] = []
            size = longest = 0
            for rid, line in heapq.merge(*streams, key=lambda x: x[0]):
                first = first or rid
                last = rid
                out.append(line)
                size += len(line) + 1
                longest = max(longest, len(line))
                if size >= 1 << 20:
                    f.write(b"\n".join(out) + b"\n")
                    pieces.append((len(out), size, longest))
                    out, size, longest = [], 0, 0
            if out:
                f.write(b"\n".join(out) + b"\n")
                pieces.append((len(out), size, longest))
        for r in self.runs:
            if not r.stamp:
                os.unlink(r.path)  # merged: its lines are in the new run
        self.runs = [Run(path, first, last, 0, pieces)]
        return self.runs

    def lines(self) -> Iterator[bytes]:
        """Every canonical line (without newline), in ID order."""
        for r in self.ordered():
            yield from _run_lines(r)

    def write_files(self, folder: Path, shard_bytes: Optional[int] = None) -> list[str]:
        if not (self.progress and len(self)):
            return write_table(self.table, self.ordered(), Path(folder), shard_bytes)
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        with Progress(TextColumn(f"writing {self.table}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn(), transient=True) as bar:
            task = bar.add_task("write", total=2 * self.nbytes)  # copied, then parsed
            return write_table(self.table, self.ordered(), Path(folder), shard_bytes, advance=lambda n: bar.advance(task, n))


def _prefix(table: str) -> int:
    return len(b'{"' + ID_FIELDS[table].encode() + b'":"')


def _id_of(line: bytes, prefix: int) -> str:
    """The ID of a canonical line: its first field, a plain [a-z0-9-] string (the ID pattern)."""
    end = line.index(b'"', prefix)
    if line.find(b"\\", prefix, end) >= 0:  # not a plain ID: decode it properly
        import json

        return next(iter(json.loads(line).values()))
    return line[prefix:end].decode("utf-8")


def _open_run(run: Run, offset: int = 0):
    """The run's file at `offset` bytes into the run; a source file must be as it was validated."""
    try:
        f = open(run.path, "rb", buffering=0)
    except OSError as e:
        if not run.stamp:
            raise
        raise SourceChanged(f"{run.path} cannot be read since it was validated ({e.strerror}): nothing was written; run the build again") from None
    try:
        _check(run, f)
        f.seek(run.offset + offset)
    except BaseException:
        f.close()
        raise
    return f


def _shorter(run: Run) -> SourceChanged:
    return SourceChanged(f"{run.path} is shorter than when it was validated: nothing was written; run the build again")


def _check(run: Run, f) -> None:
    if run.stamp and file_stamp(os.fstat(f.fileno())) != run.stamp:
        raise SourceChanged(f"{run.path} changed after it was validated: nothing was written; run the build again")


def _run_lines(run: Run) -> Iterator[bytes]:
    with _open_run(run) as f:
        left = run.nbytes
        carry = b""
        while left:
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                raise _shorter(run)
            left -= len(chunk)
            lines = (carry + chunk).split(b"\n")
            carry = lines.pop()
            yield from lines
        _check(run, f)


def _segments(runs: list[Run]) -> Iterator[tuple[Run, int, int, int]]:
    """(run, byte offset in the run, rows, bytes) of every piece, in order."""
    for r in runs:
        at = 0
        for rows, nbytes, _ in r.pieces:
            yield r, at, rows, nbytes
            at += nbytes


def _cut(seg: tuple, k: int) -> tuple[tuple, tuple]:
    """A segment split after its first k lines (the only place lines are counted)."""
    run, at, rows, nbytes = seg
    with _open_run(run, at) as f:
        data = f.read(nbytes)
        _check(run, f)
    end = -1
    for _ in range(k):
        end = data.index(b"\n", end + 1)
    head = end + 1
    return (run, at, k, head), (run, at + head, rows - k, nbytes - head)


def _copy(seg: tuple, dst, advance=None) -> None:
    """A segment's bytes appended to the file dst (unbuffered): in the kernel where it can, else read and write."""
    global _COPY_RANGE
    run, at, _, nbytes = seg
    with _open_run(run, at) as f:
        left = nbytes
        while left:
            n = 0
            if _COPY_RANGE:
                try:
                    n = os.copy_file_range(f.fileno(), dst.fileno(), min(left, 1 << 30))
                except OSError as e:
                    if e.errno not in _NO_COPY_RANGE:  # a real failure (a full disk): the read-and-write path would fail alike
                        raise
                    _COPY_RANGE = False  # not between these files or file systems: read and write from now on
            if not n:
                data = f.read(min(left, 1 << 20))
                if not data:
                    raise _shorter(run)
                view = memoryview(data)
                while view:
                    view = view[dst.write(view) :]
                n = len(data)
            left -= n
            if advance is not None:
                advance(n)
        _check(run, f)


_COPY_RANGE = hasattr(os, "copy_file_range")
_NO_COPY_RANGE = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EBADF, errno.EPERM}


def shard_names(table: str, n: int) -> list[tuple[str, str]]:
    if n == 1:
        return [(f"{table}.parquet", f"{table}.jsonl")]
    return [(f"{table}-{i:05d}-of-{n:05d}.parquet", f"{table}-{i:05d}-of-{n:05d}.jsonl") for i in range(n)]


def write_table(table: str, runs: list[Run], folder: Path, shard_bytes: Optional[int] = None, advance=None) -> list[str]:
    """Write the lines of `runs` (in ID order, not overlapping) as JSONL and Parquet shard(s).

    Each shard's JSONL is the runs' bytes copied in order, cut at equal row counts; its Parquet is
    that JSONL through pyarrow's streaming reader, in blocks that fit the longest line, a row group
    every ROW_GROUP_BYTES of them: both depend on the records only."""
    rows = sum(r.rows for r in runs)
    nbytes = sum(r.nbytes for r in runs)
    longest = max((p[2] for r in runs for p in r.pieces), default=0)
    n = max(1, -(-nbytes // (shard_bytes or SHARD_BYTES))) if rows else 1
    n = min(n, max(1, rows))
    per = -(-rows // n) if rows else 0
    names = shard_names(table, n)
    segs = _segments(runs)
    seg = next(segs, None)
    for i, (pq_name, jl_name) in enumerate(names):
        want = min(per, rows - i * per) if rows else 0
        with open(folder / jl_name, "wb", buffering=0) as jf:
            while want:
                if seg[2] > want:
                    head, seg = _cut(seg, want)
                else:
                    head, seg = seg, next(segs, None)
                _copy(head, jf, advance)
                want -= head[2]
        _parquet(table, folder / jl_name, folder / pq_name, longest, advance)
    return [name for pair in names for name in pair]


def write_lines(table: str, lines, folder: Path, stem: str, jsonl: bool, work: Path) -> tuple[int, list[str]]:
    """Canonical lines (no newline, in ID order) as `stem`.jsonl (if `jsonl`) and `stem`.parquet in
    `folder`, one file each, streamed: what the editions and splits of a release derive from its
    tables. Without `jsonl` the lines pass through a file in `work`, removed after. Returns (rows, names)."""
    path = folder / f"{stem}.jsonl" if jsonl else Path(tempfile.mkstemp(prefix=f"{stem}-", suffix=".jsonl", dir=work)[1])
    rows = longest = 0
    try:
        with open(path, "wb", buffering=1 << 20) as f:
            for line in lines:
                f.write(line)
                f.write(b"\n")
                rows += 1
                longest = max(longest, len(line))
        _parquet(table, path, folder / f"{stem}.parquet", longest)
    finally:
        if not jsonl:
            os.unlink(path)
    return rows, [f"{stem}.parquet", *([f"{stem}.jsonl"] if jsonl else [])]


def _parquet(table: str, jsonl: Path, out: Path, longest: int, advance=None) -> None:
    import pyarrow as pa
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    from ..models.schemas import arrow_schema

    schema = arrow_schema(table)
    block = min(PARSE_BYTES, ROW_GROUP_BYTES)
    while block <= longest:  # a line and its newline must fit in one block
        block *= 2
    per_group = max(1, ROW_GROUP_BYTES // block)
    with pq.ParquetWriter(out, schema, compression="zstd", write_statistics=True, memory_pool=_pool()) as writer:
        if not os.path.getsize(jsonl):
            writer.write_table(schema.empty_table())
            return
        reader = pj.open_json(
            jsonl,
            read_options=pj.ReadOptions(use_threads=False, block_size=block),
            parse_options=pj.ParseOptions(explicit_schema=_relaxed_schema(schema), unexpected_field_behavior="error"),
            memory_pool=_pool(),
        )
        group: list = []
        for batch in reader:
            group.append(_retyped(batch, schema))
            if len(group) == per_group:
                _write_group(writer, group, schema)
                group = []
        if group:
            _write_group(writer, group, schema)
    if advance is not None:
        advance(os.path.getsize(jsonl))


def _write_group(writer, batches: list, schema) -> None:
    import pyarrow as pa

    t = pa.Table.from_batches(batches, schema=schema)
    writer.write_table(t, row_group_size=max(1, t.num_rows))


def _relaxed(t):
    """The type with every nested field nullable (pyarrow's JSON reader nulls the children of a null struct)."""
    import pyarrow as pa

    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _relaxed(f.type), True) for f in t])
    if pa.types.is_list(t):
        return pa.list_(pa.field(t.value_field.name, _relaxed(t.value_type), True))
    return t


def _retype(arr, typ, nullable: bool = True):
    """The same buffers under the strict type: children of non-nullable fields lose their validity
    bitmap (their only nulls sit under null parents, where Parquet writes no value)."""
    import pyarrow as pa

    bufs = arr.buffers()
    if pa.types.is_struct(typ):
        kids = [_retype(arr.field(i), typ.field(i).type, typ.field(i).nullable) for i in range(typ.num_fields)]
        return pa.Array.from_buffers(typ, len(arr), [bufs[0] if nullable else None], arr.null_count if nullable else 0, arr.offset, kids)
    if pa.types.is_list(typ):
        vf = typ.value_field
        return pa.Array.from_buffers(
            typ, len(arr), [bufs[0] if nullable else None, bufs[1]], arr.null_count if nullable else 0, arr.offset, [_retype(arr.values, vf.type, vf.nullable)]
        )
    if nullable:
        return arr
    return pa.Array.from_buffers(typ, len(arr), [None, *bufs[1:]], 0, arr.offset)


_RELAXED: dict = {}


def _pool():
    """The system allocator: it gives freed row groups back, where the default pool keeps them (peak RSS)."""
    import pyarrow as pa

    return pa.system_memory_pool()


def _relaxed_schema(schema):
    """The schema pyarrow's JSON reader is given: every field nullable (see _retype)."""
    import pyarrow as pa

    got = _RELAXED.get(id(schema))
    if got is None or got[0] is not schema:
        got = _RELAXED[id(schema)] = (schema, pa.schema([pa.field(f.name, _relaxed(f.type), True) for f in schema]))
    return got[1]


def _retyped(batch, schema):
    """A parsed batch under the strict schema from the models (the same buffers)."""
    import pyarrow as pa

    return pa.RecordBatch.from_arrays([_retype(c, f.type, f.nullable) for c, f in zip(batch.columns, schema)], schema=schema)


class Build:
    """Engine hook for `claimset build`: collectors in the workers, their runs merged in the parent."""

    def __init__(self, folder: str, progress: bool = False):
        self.folder = folder
        self.progress = progress
        self.tables: Optional[dict[str, Table]] = None

    def collector(self) -> Collector:
        return Collector(self.folder)

    def done(self, report, parent: Collector) -> None:
        runs = parent.part()
        self.tables = {t: Table(t, runs[t], self.folder, self.progress) for t in TABLES}


class collect_tables:
    """Validate `root`'s sources and collect every table's runs: `with collect_tables(root) as (report, tables)`.

    tables maps each table name to a Table (len() = rows) that build.write_table_files writes; the
    run files live in a temporary folder removed on exit.
    """

    def __init__(self, root: Path, paths=None, jobs: int = 1, progress: bool = False, tmp_dir: Optional[Path] = None):
        self.root, self.paths, self.jobs, self.progress, self.tmp_dir = Path(root), paths, jobs, progress, tmp_dir

    def __enter__(self):
        from ..validation import parallel as engine

        self.folder = tempfile.mkdtemp(prefix="claimset-runs-", dir=self.tmp_dir)
        try:
            build = Build(self.folder, progress=self.progress and __import__("sys").stderr.isatty())
            paths = list(self.paths) if self.paths else [self.root / "data"]
            report = engine.run(paths, self.root, jobs=self.jobs, progress=self.progress, build=build)
        except BaseException:  # __exit__ does not run when __enter__ raises: nothing may stay behind
            self.__exit__()
            raise
        return report, build.tables

    def __exit__(self, *exc) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)
