"""The streaming reader's dataset facts: the ID strings themselves, in reading order.

Every question the dataset layer asks of them (which IDs repeat, which named IDs exist) is answered
by Arrow compute over the actual strings, so an answer is exact by construction: no hash stands in
for an ID and nothing needs to be read again to confirm a match.

Keys are IDs or claims' content keys, which never hold a newline (IDs are [a-z0-9-], content keys
an ID and numbers), so they are packed into one UTF-8 buffer, each key followed by "\\n": about
the size of the text, where a Python string costs 60 bytes more. Arrow views the buffer in place
(the offsets come from numpy), each string keeping its "\\n", which changes no comparison. Nothing here
builds an Arrow array from Python objects or converts one to numpy with a copy: pyarrow would
import pandas for that (40 MB).
"""

from __future__ import annotations

import array

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FLUSH = 1 << 13  # keys held as Python strings before they are packed
SCAN = 1 << 20  # bytes of a packed buffer searched for "\n" at a time

# The system allocator gives the sort's temporary columns back; Arrow's default pool keeps them.
_POOL = pa.system_memory_pool()


class Log:
    """Keys in reading order, optionally with their locations."""

    __slots__ = ("pending", "packed", "flushed", "locs")

    def __init__(self, with_locs: bool = True):
        self.pending: list[str] = []
        self.packed = bytearray()  # one buffer: Arrow views it without a copy
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
            self.packed += _pack(self.pending)
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
        del self.packed[(int(_ends(self.packed)[n - 1]) if n else 0) :]
        self.flushed = n

    def arrays(self) -> bytearray:
        """The keys, packed (what a worker sends to the parent)."""
        self._flush()
        return self.packed


def _pack(keys) -> bytes:
    return ("\n".join(keys) + "\n").encode("utf-8")


def _ends(packed) -> np.ndarray:
    """The offset just past each key's "\n", found a slice at a time: comparing the whole buffer at
    once would hold a byte of booleans per byte of keys (50 MB for the claims of 1 GB of sources)."""
    view = np.frombuffer(packed, np.uint8)
    parts = [np.flatnonzero(view[a : a + SCAN] == 10) + (a + 1) for a in range(0, len(view), SCAN)]
    return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, np.int64)


def strings(packed) -> pa.LargeStringArray:
    """Every key of a packed buffer, as an Arrow column viewing it (each string ends with its "\n")."""
    ends = _ends(packed)
    offsets = np.concatenate((np.zeros(1, np.int64), ends))
    return pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(packed))


def names(packed) -> list[str]:
    """Every key of a packed buffer, as Python strings."""
    return bytes(packed).decode("utf-8").split("\n")[:-1]


def repeated(keys: pa.LargeStringArray) -> list[int]:
    """Positions, in reading order, of the keys that occur more than once: a sort, then equal
    neighbours, compared a slice of ranks at a time (a hash table, or the whole sorted column,
    would hold several copies of the keys)."""
    n = len(keys)
    if n < 2:
        return []
    order = pc.array_sort_indices(keys, memory_pool=_POOL)
    dup = np.zeros(n, dtype=bool)
    for a in range(0, n - 1, FLUSH):
        ranked = pc.take(keys, order.slice(a, FLUSH + 1), memory_pool=_POOL)
        same = pc.equal(ranked.slice(1), ranked.slice(0, len(ranked) - 1), memory_pool=_POOL)
        same = _numbers(pc.indices_nonzero(same, memory_pool=_POOL)) + a
        dup[same] = True
        dup[same + 1] = True
    return np.sort(_numbers(order)[dup]).tolist()


def _numbers(indices: pa.Array) -> np.ndarray:
    """A fresh UInt64 array of indices as numpy, in place (Array.to_numpy imports pandas)."""
    return np.frombuffer(indices.buffers()[1], dtype=np.uint64, count=len(indices)).astype(np.int64)


def present(keys: pa.LargeStringArray, wanted: set) -> set:
    """The strings of `wanted` that occur in `keys`."""
    if not wanted or not len(keys):
        return set()
    hit = pc.is_in(keys, value_set=strings(_pack(sorted(wanted))), memory_pool=_POOL)
    return {k[:-1] for k in pc.unique(pc.filter(keys, hit, memory_pool=_POOL), memory_pool=_POOL).to_pylist()}
