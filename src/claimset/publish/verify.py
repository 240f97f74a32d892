"""`claimset verify DIR`: a release is exactly what its manifest says, byte for byte and row for row.

Checks, reporting every problem rather than stopping at the first:

- every file the manifest lists exists, has the listed size and SHA-256;
- no file is in the folder that the manifest does not list (manifest.json and SHA256SUMS aside);
- SHA256SUMS lists exactly the manifest's files with the same hashes;
- each table's Parquet and JSONL files hold the manifest's row count, and the Parquet files read;
- croissant.json, when present, gives each file it distributes the manifest's SHA-256.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..utils import sha256_file
from .build import CHECKSUMS, CROISSANT, MANIFEST, SUBFOLDERS


@dataclass
class Verification:
    release: Path
    problems: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _jsonl_rows(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    n = 0
    for i in range(pf.num_row_groups):  # decode every row group: a damaged page fails here
        n += pf.read_row_group(i).num_rows
    if n != pf.metadata.num_rows:
        raise ValueError(f"row groups hold {n} rows, the footer says {pf.metadata.num_rows}")
    return n


def _plain_name(name) -> bool:
    """A file name in the release, or in one of its folders (`annotations-only/<name>`, `splits/<name>`)."""
    if isinstance(name, str) and name.split("/", 1)[0] in SUBFOLDERS and "/" in name:
        name = name.split("/", 1)[1]
    return (
        isinstance(name, str)
        and bool(name)
        and name == os.path.basename(name)
        and not name.startswith(".")
        and "\\" not in name
        and "\x00" not in name
    )


def verify(release: Path) -> Verification:
    release = Path(release)
    v = Verification(release)
    man_path = release / MANIFEST
    try:
        man = json.loads(man_path.read_text(encoding="utf-8"))
        files: dict[str, dict] = man["files"]
        tables: dict[str, dict] = man["tables"]
    except OSError as e:  # problems name files relative to the release; the caller says which release
        v.problems.append(f"{MANIFEST}: cannot read the manifest: {e.strerror or e}")
        return v
    except (ValueError, KeyError, TypeError) as e:
        v.problems.append(f"{MANIFEST}: cannot read the manifest: {type(e).__name__}: {e}")
        return v

    bad = set()
    # every name the manifest gives must be a plain file name in the release: a tampered manifest
    # must not make verify read (and reveal hashes of) files elsewhere
    editions = man.get("editions") or {}
    splits = man.get("splits") or {}
    all_tables = [
        *tables.items(),
        *((f"{t} ({ed})", m) for ed, e in editions.items() for t, m in e.get("tables", {}).items()),
        *((f"{t} ({sp} split)", m) for sp, ts in splits.items() for t, m in ts.items()),
    ]
    odd = [n for n in list(files) + [f for _, m in all_tables for f in m.get("files", [])] if not _plain_name(n)]
    if odd:
        for n in dict.fromkeys(odd):
            v.problems.append(f"{MANIFEST}: {n!r} is not a file name in the release (a path or a hidden name); nothing outside the release is read")
        return v
    for name, meta in files.items():
        p = release / name
        if not p.is_file():
            v.problems.append(f"{name}: missing (the manifest lists it)")
            bad.add(name)
            continue
        v.checked += 1
        size = p.stat().st_size
        if size != meta["bytes"]:
            v.problems.append(f"{name}: {size} bytes, the manifest says {meta['bytes']}")
            bad.add(name)
        digest = sha256_file(p)
        if digest != meta["sha256"]:
            v.problems.append(f"{name}: SHA-256 {digest}, the manifest says {meta['sha256']}")
            bad.add(name)

    listed = set(files) | {MANIFEST, CHECKSUMS}
    folders = {n.split("/", 1)[0] for n in files if "/" in n}
    for p in sorted(release.iterdir()):
        if p.name in folders and p.is_dir() and not p.is_symlink():
            for q in sorted(p.iterdir()):
                if f"{p.name}/{q.name}" not in listed:
                    v.problems.append(f"{p.name}/{q.name}: extra {'folder' if q.is_dir() else 'file'}, not in the manifest")
        elif p.name not in listed:
            v.problems.append(f"{p.name}: extra {'folder' if p.is_dir() else 'file'}, not in the manifest")

    sums_path = release / CHECKSUMS
    if not sums_path.is_file():
        v.problems.append(f"{CHECKSUMS}: missing")
    else:
        sums = {}
        for i, line in enumerate(sums_path.read_text(encoding="utf-8").splitlines(), 1):
            digest, sep, name = line.partition("  ")
            if not sep:
                v.problems.append(f"{CHECKSUMS}:{i}: not '<sha256>  <file>'")
                continue
            sums[name] = digest
        for name in sorted(set(sums) | set(files)):
            if name not in files:
                v.problems.append(f"{CHECKSUMS}: lists {name}, the manifest does not")
            elif name not in sums:
                v.problems.append(f"{CHECKSUMS}: does not list {name}")
            elif sums[name] != files[name]["sha256"]:
                v.problems.append(f"{CHECKSUMS}: {name} has {sums[name]}, the manifest says {files[name]['sha256']}")

    for table, meta in all_tables:
        for name in meta["files"]:
            p = release / name
            if not p.is_file():
                continue  # reported above
            try:
                n = _parquet_rows(p) if name.endswith(".parquet") else _jsonl_rows(p)
            except Exception as e:  # a truncated or damaged file: pyarrow raises several types
                v.problems.append(f"{name}: cannot be read as {'Parquet' if name.endswith('.parquet') else 'JSON Lines'}: {e}")
                continue
            if n != meta["rows"]:
                v.problems.append(f"{name}: {n} rows, the manifest says {meta['rows']} for table {table}")

    croissant = release / CROISSANT
    if CROISSANT in files and croissant.is_file() and CROISSANT not in bad:
        doc = json.loads(croissant.read_text(encoding="utf-8"))
        for fo in doc.get("distribution", []):
            name = fo.get("contentUrl")
            if name not in files:
                v.problems.append(f"{CROISSANT}: distributes {name}, which the manifest does not list")
            elif fo.get("sha256") != files[name]["sha256"]:
                v.problems.append(f"{CROISSANT}: {name} has SHA-256 {fo.get('sha256')}, the manifest says {files[name]['sha256']}")
    return v
