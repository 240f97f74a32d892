"""Small helpers shared by the build, the ingest tools and the writers of sources."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any


def open_regular(path) -> int:
    """A read-only descriptor of `path`, which must be a regular file. A FIFO would block the reader
    forever and a device never ends, so anything else is refused with an OSError (no wait: the
    open itself does not block, O_NONBLOCK, which changes nothing for a regular file's reads)."""
    return open_regular_sized(path)[0]


def open_regular_sized(path) -> tuple[int, int]:
    """open_regular, and the file's size when it was opened (from the same fstat)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file: a FIFO, socket or device", str(path))
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def file_stamp(st: os.stat_result) -> tuple:
    """What changes when a file's bytes change: device, inode, size and times (ctime cannot be set
    back, unlike mtime). The build keeps source lines in place under this stamp."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def read_regular(path) -> bytes:
    """The bytes of a regular file (open_regular's refusals apply)."""
    with os.fdopen(open_regular(path), "rb") as f:
        return f.read()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, fsync, then rename over it.

    A crash leaves either the old file or the new one, never half of either.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a source or doc file is a normal file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def json_line(obj: Any) -> str:
    """One record as one JSONL line: compact, UTF-8 (not \\u-escaped), key order kept."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def json_pretty(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
