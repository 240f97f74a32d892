"""The streaming reader's dataset facts: the ID strings themselves, in reading order.

Every question the dataset layer asks of them (which IDs repeat, which named IDs exist) is answered
by Arrow compute over the actual strings, so an answer is exact by construction: no hash stands in
for an ID and nothing needs to be read again to confirm a match.
"""

from __future__ import annotations

import array

import pyarrow as pa
import pyarrow.compute as pc

# Python strings cost about 60 bytes each beyond their text; a run of this many is moved into an
# Arrow chunk, which keeps only the text and an offset, so a whole corpus's IDs stay small.
FLUSH = 1 << 16


class Log:
    """Keys (IDs, or claims' content keys) in reading order, optionally with their locations."""

    __slots__ = ("pending", "chunks", "flushed", "locs")

    def __init__(self, with_locs: bool = True):
        self.pending: list[str] = []
        self.chunks: list[pa.Array] = []
        self.flushed = 0
        self.locs = array.array("q") if with_locs else None

    def append(self, key: str, loc: int = 0) -> None:
        pending = self.pending
        pending.append(key)
        if self.locs is not None:
            self.locs.append(loc)
        if len(pending) >= FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.chunks.append(pa.array(self.pending, pa.string()))
            self.flushed += len(self.pending)
            self.pending = []

    def __len__(self) -> int:
        return self.flushed + len(self.pending)

    def truncate(self, n: int) -> None:
        """Forget every key from position n on (a file rolled back)."""
        if self.locs is not None:
            del self.locs[n:]
        if n >= self.flushed:
            del self.pending[n - self.flushed :]
            return
        self.pending = []
        kept, total = [], 0
        for c in self.chunks:
            if total + len(c) >= n:
                if n > total:
                    kept.append(c.slice(0, n - total))
                break
            kept.append(c)
            total += len(c)
        self.chunks = kept
        self.flushed = n

    def arrays(self) -> list[pa.Array]:
        """The keys as Arrow chunks (what a worker sends to the parent)."""
        self._flush()
        return self.chunks


def strings(chunks: list) -> pa.ChunkedArray:
    return pa.chunked_array(chunks, pa.string())


def repeated(keys: pa.ChunkedArray) -> list[int]:
    """Positions, in reading order, of the keys that occur more than once."""
    if len(keys) < 2:
        return []
    counts = pc.value_counts(keys)
    again = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    if not len(again):
        return []
    return pc.indices_nonzero(pc.is_in(keys, value_set=again).combine_chunks()).to_pylist()


def present(keys: pa.ChunkedArray, wanted: set) -> set:
    """The strings of `wanted` that occur in `keys`."""
    if not wanted or not len(keys):
        return set()
    hit = pc.is_in(keys, value_set=pa.array(sorted(wanted), pa.string()))
    return set(pc.unique(keys.filter(hit)).to_pylist())
