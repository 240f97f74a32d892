"""Records read again by location (file index << 32 | line): the few a dataset problem names."""

from __future__ import annotations

from pathlib import Path

from ..sources import layout
from ..utils import read_regular
from .folders import CHUNK
from .problems import Sink

LINE_BITS = 32
LINE_MASK = (1 << LINE_BITS) - 1


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


def fetch_records(ctx, locs) -> dict:
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


