"""The conversion stage of `claimset build`: validated records -> sorted JSONL and Parquet, streamed.

While the engine validates, each record's canonical JSONL line (the bytes of
utils.json_line(canonical(record)); the fast path gets them from one msgspec encode) is
buffered with its ID. A full buffer (RUN_BYTES) is sorted by ID and written as a run file. After a
valid run, the runs of each table are merged by ID (a plain concatenation when they are already in
order) into the release's JSONL, and the same lines, a row group at a time, go through pyarrow's
own JSON reader with the Arrow schema derived from the models into a Parquet writer. Memory holds
one run buffer per table and process, and one row group.

Tables larger than SHARD_BYTES of JSONL are written as N shards, `<table>-00000-of-0000N.parquet`
(and .jsonl), cut at equal row counts, so DuckDB, Polars, Spark or Dask read them in parallel;
smaller tables keep the single `<table>.parquet` / `<table>.jsonl` of the seed release. The bytes
depend only on the records: the same sources give identical files for any number of jobs.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from pathlib import Path
from typing import Iterator, Optional

from ..models import ID_FIELDS, TABLES

RUN_BYTES = int(os.environ.get("CLAIMSET_RUN_BYTES", 32 << 20))
SHARD_BYTES = int(os.environ.get("CLAIMSET_SHARD_BYTES", 256 << 20))
ROW_GROUP_BYTES = int(os.environ.get("CLAIMSET_ROW_GROUP_BYTES", 32 << 20))


def canonical(table: str, obj: dict) -> dict:
    """The record as the model serialises it: fixed key order, floats as floats."""
    return TABLES[table].model_validate(obj).model_dump(mode="json")


class Collector:
    """Canonical lines of one part of a run (one process), as sorted run files in `folder`."""

    def __init__(self, folder: str):
        self.folder = folder
        self.buf: dict[str, list] = {t: [] for t in TABLES}
        self.size = {t: 0 for t in TABLES}
        self.last = {t: "" for t in TABLES}
        self.ordered = {t: True for t in TABLES}
        self.runs: dict[str, list] = {t: [] for t in TABLES}  # (path, rows, bytes, first id, last id)

    def add(self, table: str, rid: str, line: bytes) -> None:
        self.buf[table].append(line)
        if rid < self.last[table]:
            self.ordered[table] = False
        self.last[table] = rid
        self.size[table] += len(line) + 1
        if self.size[table] >= RUN_BYTES:
            self.flush(table)

    def extend(self, table: str, lines: list, first: str, last: str, ordered: bool, nbytes: int) -> None:
        """add() for a block of lines whose IDs run from `first` to `last` (in order if `ordered`)."""
        if not lines:
            return
        self.buf[table].extend(lines)
        if not ordered or first < self.last[table]:
            self.ordered[table] = False
        self.last[table] = last
        self.size[table] += nbytes + len(lines)
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
        prefix = len(b'{"' + ID_FIELDS[table].encode() + b'":"')
        if not self.ordered[table]:
            buf.sort(key=lambda line: _id_of(line, prefix))
        fd, path = tempfile.mkstemp(prefix=f"run-{table}-", suffix=".jsonl", dir=self.folder)
        with os.fdopen(fd, "wb") as f:
            f.write(b"\n".join(buf))
            f.write(b"\n")
        self.runs[table].append((path, len(buf), self.size[table], _id_of(buf[0], prefix), _id_of(buf[-1], prefix)))
        self.buf[table] = []
        self.size[table] = 0
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

    def __init__(self, table: str, runs: list, progress: bool = False):
        self.table = table
        self.runs = runs
        self.progress = progress

    def __len__(self) -> int:
        return sum(r[1] for r in self.runs)

    @property
    def nbytes(self) -> int:
        return sum(r[2] for r in self.runs)

    def lines(self) -> Iterator[bytes]:
        """Every canonical line (without newline), in ID order."""
        for block in self.blocks():
            yield from block[:-1].split(b"\n")

    def blocks(self) -> Iterator[bytes]:
        """The canonical lines in ID order, as blocks of whole lines (each ending with a newline)."""
        runs = sorted(self.runs, key=lambda r: r[3])
        if all(a[4] < b[3] for a, b in zip(runs, runs[1:])):  # already in order: concatenate the files
            for path, *_ in runs:
                yield from _read_blocks(path)
            return
        prefix = len(b'{"' + ID_FIELDS[self.table].encode() + b'":"')
        streams = [((_id_of(line, prefix), line) for line in _read_lines(r[0])) for r in runs]
        out: list[bytes] = []
        size = 0
        for _, line in heapq.merge(*streams, key=lambda x: x[0]):
            out.append(line)
            size += len(line) + 1
            if size >= 1 << 20:
                yield b"\n".join(out) + b"\n"
                out, size = [], 0
        if out:
            yield b"\n".join(out) + b"\n"

    def write_files(self, folder: Path, shard_bytes: Optional[int] = None) -> list[str]:
        if not (self.progress and len(self)):
            return write_table(self.table, self.blocks(), len(self), self.nbytes, Path(folder), shard_bytes)
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        with Progress(TextColumn(f"writing {self.table}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn(), transient=True) as bar:
            task = bar.add_task("write", total=self.nbytes)

            def counted():
                for block in self.blocks():
                    bar.advance(task, len(block))
                    yield block

            return write_table(self.table, counted(), len(self), self.nbytes, Path(folder), shard_bytes)


def _read_blocks(path: str, size: int = 1 << 20) -> Iterator[bytes]:
    carry = b""
    with open(path, "rb") as f:
        while chunk := f.read(size):
            buf = carry + chunk if carry else chunk
            cut = buf.rfind(b"\n") + 1
            if cut:
                yield buf[:cut]
            carry = buf[cut:]
    if carry:
        yield carry + b"\n"


def _id_of(line: bytes, prefix: int) -> str:
    """The ID of a canonical line: its first field, a plain [a-z0-9-] string (the ID pattern)."""
    end = line.index(b'"', prefix)
    if line.find(b"\\", prefix, end) >= 0:  # not a plain ID: decode it properly
        import json

        return next(iter(json.loads(line).values()))
    return line[prefix:end].decode("utf-8")


def _read_lines(path: str) -> Iterator[bytes]:
    with open(path, "rb", buffering=1 << 20) as f:
        for line in f:
            yield line[:-1] if line.endswith(b"\n") else line


def shard_names(table: str, n: int) -> list[tuple[str, str]]:
    if n == 1:
        return [(f"{table}.parquet", f"{table}.jsonl")]
    return [(f"{table}-{i:05d}-of-{n:05d}.parquet", f"{table}-{i:05d}-of-{n:05d}.jsonl") for i in range(n)]


def write_table(table: str, blocks, rows: int, nbytes: int, folder: Path, shard_bytes: Optional[int] = None) -> list[str]:
    """Write `rows` canonical lines (blocks of whole lines, in ID order) as JSONL and Parquet shard(s).

    A row group ends at the first line that brings it to ROW_GROUP_BYTES, or at the end of its
    shard; shards hold equal numbers of rows: both depend on the records only.
    """
    import pyarrow.parquet as pq

    from ..models.schemas import arrow_schema

    schema = arrow_schema(table)
    shard_bytes = shard_bytes or SHARD_BYTES
    n = max(1, -(-nbytes // shard_bytes)) if rows else 1
    n = min(n, max(1, rows))
    per = -(-rows // n) if rows else 0
    names = shard_names(table, n)
    src = iter(blocks)
    buf = b""
    for i, (pq_name, jl_name) in enumerate(names):
        want = min(per, rows - i * per) if rows else 0
        writer = pq.ParquetWriter(folder / pq_name, schema, compression="zstd", write_statistics=True, memory_pool=_pool())
        try:
            with open(folder / jl_name, "wb") as jf:
                wrote = False
                while want:
                    if len(buf) < ROW_GROUP_BYTES:
                        parts, size, lines = [buf], len(buf), buf.count(b"\n")
                        while size < ROW_GROUP_BYTES and lines < want:
                            nxt = next(src, None)
                            if nxt is None:
                                break
                            parts.append(nxt)
                            size += len(nxt)
                            lines += nxt.count(b"\n")
                        buf = b"".join(parts)
                    cut = buf.find(b"\n", ROW_GROUP_BYTES - 1) + 1 or len(buf)
                    k = buf.count(b"\n", 0, cut)
                    if k > want:  # the shard ends inside: cut after its last row
                        end = -1
                        for _ in range(want):
                            end = buf.index(b"\n", end + 1)
                        cut, k = end + 1, want
                    group = memoryview(buf)[:cut]
                    jf.write(group)
                    writer.write_table(_arrow(group, schema), row_group_size=k)
                    del group
                    buf = buf[cut:]
                    wrote = True
                    want -= k
                if not wrote:
                    writer.write_table(_arrow(b"", schema))
        finally:
            writer.close()
    return [name for pair in names for name in pair]


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


def _arrow(data: bytes, schema):
    """A row group's lines (ending with a newline) through pyarrow's JSON reader, schema from the models."""
    import pyarrow as pa
    import pyarrow.json as pj

    if not len(data):
        return schema.empty_table()
    key = id(schema)
    relaxed = _RELAXED.get(key)
    if relaxed is None:
        relaxed = _RELAXED[key] = (schema, pa.schema([pa.field(f.name, _relaxed(f.type), True) for f in schema]))
    relaxed = relaxed[1]
    table = pj.read_json(
        pa.BufferReader(pa.py_buffer(data)),
        read_options=pj.ReadOptions(use_threads=False, block_size=1 << 20),  # small blocks: a small parse buffer
        parse_options=pj.ParseOptions(explicit_schema=relaxed, unexpected_field_behavior="error"),
        memory_pool=_pool(),
    )
    cols = [pa.chunked_array([_retype(c, f.type, f.nullable) for c in col.chunks], type=f.type) for col, f in zip(table.columns, schema)]
    return pa.Table.from_arrays(cols, schema=schema)


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
        self.tables = {t: Table(t, runs[t], self.progress) for t in TABLES}


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
