"""`claimset build`: validated sources -> Parquet + JSONL + croissant.json + manifest, atomically, byte for byte.

Nothing is written unless the whole dataset validates. Files are written into a temporary
folder beside the target and swapped into place, so an interrupted build leaves the previous
release as it was. No timestamps or host names go into any file: the same sources and the same
pinned toolchain give identical bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from ..outputs import RELEASE, publishing
from ..models import ID_FIELDS, TABLES
from .tablewriter import canonical
from ..utils import json_line, json_pretty, sha256_file
from ..validation.validate import Report, default_data, validate
from ..version import OFFSETS, SCHEMA_VERSION, __version__

MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
CROISSANT = "croissant.json"
EDITIONS = ("full", "annotations-only")
# A full release also publishes the annotations-only tables, in this folder inside it: the Hugging Face
# configs `<table>-annotations-only` and the Croissant record sets of the same names point at them.
EDITION_DIR = "annotations-only"
# ...and the benchmark's published splits (benchmark/splits.py), one Parquet file per table and
# split in this folder: the Hugging Face configs `<table>-benchmark` (splits train and test).
SPLITS_DIR = "splits"
SUBFOLDERS = (EDITION_DIR, SPLITS_DIR)


class BuildError(Exception):
    def __init__(self, message: str, report: Optional[Report] = None):
        super().__init__(message)
        self.report = report


@dataclass
class BuildResult:
    out: Path
    rows: dict[str, int]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    report: Optional[Report] = None


def collect(root: Path, paths=None) -> tuple[Report, dict[str, list[dict]]]:
    records: dict[str, list[dict]] = {t: [] for t in TABLES}
    report = validate(paths, root=root, on_record=lambda t, obj: records[t].append(obj))
    return report, records


def write_table_files(table: str, rows: list[dict], folder: Path, stem: Optional[str] = None, jsonl: bool = True) -> list[str]:
    """`stem`: the file name without suffix (default: the table's); `jsonl`: also the JSONL copy."""
    if hasattr(rows, "write_files"):  # tablewriter.Table: streamed, sorted runs (sharded when large)
        return rows.write_files(folder)
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..models.schemas import arrow_schema

    stem = stem or table
    rows = sorted((canonical(table, r) for r in rows), key=lambda r: r[ID_FIELDS[table]])
    if jsonl:
        with open(folder / f"{stem}.jsonl", "w", encoding="utf-8", newline="\n") as f:
            for r in rows:
                f.write(json_line(r) + "\n")
    arrow = pa.Table.from_pylist(rows, schema=arrow_schema(table))
    pq.write_table(arrow, folder / f"{stem}.parquet", compression="zstd", write_statistics=True)
    return [f"{stem}.parquet", *([f"{stem}.jsonl"] if jsonl else [])]


def manifest_for(
    folder: Path,
    rows: dict[str, int],
    table_files: dict[str, list[str]],
    edition: str,
    version: str = __version__,
    metadata_files: tuple[str, ...] = (),
    editions: Optional[dict[str, dict]] = None,
    splits: Optional[dict[str, dict]] = None,
) -> dict:
    """`editions`: other editions published inside this release ({"annotations-only": {"tables": ...,
    "metadata": [...]}}, file names relative to the release); `splits`: the published benchmark
    splits ({"test": {"claims": {"rows": ..., "files": [...]}}}); their files are hashed like the rest."""
    files = {}
    names = [n for names in table_files.values() for n in names] + list(metadata_files)
    for ed in (editions or {}).values():
        names += [n for m in ed["tables"].values() for n in m["files"]] + list(ed["metadata"])
    for tables in (splits or {}).values():
        names += [n for m in tables.values() for n in m["files"]]
    for name in names:
        p = folder / name
        files[name] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    man = {
        "name": "claimset",
        "version": version,
        "schema_version": SCHEMA_VERSION,
        "edition": edition,
        "offsets": OFFSETS,
        "tables": {t: {"rows": rows[t], "files": table_files[t]} for t in TABLES},
        "metadata": list(metadata_files),
    }
    if editions:
        man["editions"] = editions
    if splits:
        man["splits"] = splits
    man["files"] = dict(sorted(files.items()))
    return man


def _lines_of(tmp: Path, names: list[str]) -> Iterator[bytes]:
    """The canonical lines (no newline) of a table just written into `tmp`, from its JSONL shards."""
    for name in names:
        if name.endswith(".jsonl"):
            with open(tmp / name, "rb") as f:
                for line in f:
                    if line.strip():
                        yield line.rstrip(b"\n")


def write_splits_into(tmp: Path, table_files: dict[str, list[str]]) -> dict:
    """The published benchmark splits of the release in `tmp` as tmp/splits/<table>-<split>.parquet,
    the rows `claimset.load(table, split=...)` gives, streamed from the tables' JSONL. Returns the
    manifest's `splits` entry."""
    import msgspec

    from ..benchmark.splits import FILTER_FIELDS, PUBLISHED, PUBLISHED_TABLES, row_filter
    from .tablewriter import write_lines

    # only the fields the filters read are built; the rest of each line (an article's text) is skipped
    decode = msgspec.json.Decoder(msgspec.defstruct("Keys", [(f, Any, None) for f in FILTER_FIELDS])).decode

    sub = tmp / SPLITS_DIR
    sub.mkdir()
    out: dict[str, dict] = {}
    for split in PUBLISHED:
        out[split] = {}
        for t in PUBLISHED_TABLES:
            keep = row_filter(t, split)
            lines = (line for line in _lines_of(tmp, table_files[t]) if keep is None or keep(msgspec.structs.asdict(decode(line))))
            rows, names = write_lines(t, lines, sub, f"{t}-{split}", jsonl=False, work=tmp)
            out[split][t] = {"rows": rows, "files": [f"{SPLITS_DIR}/{n}" for n in names]}
    return out


def write_annotations_only_into(tmp: Path, table_files: dict[str, list[str]]) -> dict:
    """The annotations-only tables of the full release in `tmp` (streamed from its JSONL), written
    into tmp/annotations-only/: the same bytes as `claimset build --edition annotations-only` gives
    for the tables and fingerprints. Returns the manifest's `editions` entry."""
    from msgspec.json import decode

    from .tablewriter import write_lines
    from .texts import FINGERPRINTS, fingerprint, strip_record

    sub = tmp / EDITION_DIR
    sub.mkdir()
    tables = {}
    for t in TABLES:
        lines = (json_line(strip_record(t, decode(line))).encode("utf-8") for line in _lines_of(tmp, table_files[t]))
        rows, names = write_lines(t, lines, sub, t, jsonl=True, work=tmp)
        tables[t] = {"rows": rows, "files": [f"{EDITION_DIR}/{n}" for n in names]}
    with open(sub / FINGERPRINTS, "wb") as f:  # articles are in ID order: so are their fingerprints
        for line in _lines_of(tmp, table_files["articles"]):
            a = decode(line)
            f.write(json_line(fingerprint(a["article_id"], a["text"])).encode("utf-8") + b"\n")
    return {EDITION_DIR: {"tables": tables, "metadata": [f"{EDITION_DIR}/{FINGERPRINTS}"]}}


def write_release_into(
    tmp: Path,
    records: dict[str, list[dict]],
    edition: str = "full",
    version: str = __version__,
    extra_files: Optional[dict[str, bytes]] = None,
    released: Optional[str] = None,
    url: Optional[str] = None,
) -> tuple[dict[str, int], dict]:
    """Write tables, extra files, croissant.json, manifest and SHA256SUMS into the empty folder `tmp`.

    `released` (YYYY-MM-DD, from CHANGELOG.md when the version is cut) and `url` (the project URL,
    when pyproject declares one) go into croissant.json; None leaves them out."""
    from .croissant import croissant_text

    table_files = {t: write_table_files(t, records[t], tmp) for t in TABLES}
    rows = {t: len(records[t]) for t in TABLES}
    for name, data in sorted((extra_files or {}).items()):
        (tmp / name).write_bytes(data)
    editions = write_annotations_only_into(tmp, table_files) if edition == "full" else None
    splits = write_splits_into(tmp, table_files) if edition == "full" else None
    (tmp / CROISSANT).write_text(
        croissant_text(tmp, rows, table_files, edition, version, released=released, url=url, editions=editions, splits=splits),
        encoding="utf-8",
    )
    metadata = tuple(sorted([*(extra_files or {}), CROISSANT]))
    manifest = manifest_for(tmp, rows, table_files, edition, version=version, metadata_files=metadata, editions=editions, splits=splits)
    (tmp / MANIFEST).write_text(json_pretty(manifest), encoding="utf-8")
    sums = "".join(f"{m['sha256']}  {name}\n" for name, m in manifest["files"].items())
    (tmp / CHECKSUMS).write_text(sums, encoding="utf-8")
    for p in [*tmp.iterdir(), *(q for d in SUBFOLDERS if (tmp / d).is_dir() for q in (tmp / d).iterdir())]:
        if p.is_file():
            os.chmod(p, 0o644)
        elif p.is_dir():
            os.chmod(p, 0o755)
    os.chmod(tmp, 0o755)
    return rows, manifest


def write_release(
    out: Path,
    records: dict[str, list[dict]],
    edition: str = "full",
    version: str = __version__,
    extra_files: Optional[dict[str, bytes]] = None,
    root: Optional[Path] = None,
    released: Optional[str] = None,
    url: Optional[str] = None,
) -> tuple[dict[str, int], dict]:
    """Publish a release folder at `out` (guarded, locked, atomic: outputs.publishing).

    The one writer of release folders: `build` and `claimset rehydrate` both go through it, so the
    same records give the same bytes whichever way they arrive.
    """
    with publishing(Path(out), RELEASE, root) as tmp:
        return write_release_into(tmp, records, edition, version, extra_files, released=released, url=url)


def build(root: Path, out: Optional[Path] = None, edition: str = "full", jobs: int = 1, progress: bool = False) -> BuildResult:
    """Validate the sources under `root` and write a release (default: root/release).

    edition "full" ships the article texts; "annotations-only" ships offsets, hashes and
    text_sha256 instead (see edition.py), for redistribution without the publishers' texts.
    """
    root = Path(root)
    if edition not in EDITIONS:
        raise BuildError(f"unknown edition {edition!r}; choose one of {', '.join(EDITIONS)}")
    out = Path(out) if out else root / "release"
    default_data(root)  # UsageError outside a repository, before anything is locked or written
    from .changelog import release_date
    from .croissant import project_url

    released, url = release_date(root, __version__), project_url()
    if edition == "full":  # streamed: constant memory, `jobs` processes (tablewriter.py)
        from .tablewriter import SourceChanged, collect_tables

        try:
            with publishing(out, RELEASE, root) as tmp:
                runs = tmp / ".runs"  # the sorted runs, removed before the folder is published
                runs.mkdir()
                with collect_tables(root, jobs=jobs, progress=progress, tmp_dir=runs) as (report, tables):
                    if not report.ok:
                        raise BuildError(f"{len(report.problems)} validation problem(s): nothing was written", report)
                    rows, manifest = write_release_into(tmp, tables, edition, released=released, url=url)
                runs.rmdir()
        except SourceChanged as e:  # a source edited during the build: its validated lines are gone
            raise BuildError(str(e)) from None
        return BuildResult(out=out, rows=rows, files=manifest["files"], report=report)
    report, records = collect(root)
    if not report.ok:
        raise BuildError(f"{len(report.problems)} validation problem(s): nothing was written", report)
    extra = None
    if edition == "annotations-only":
        from .texts import strip_texts

        records, extra = strip_texts(records)
    rows, manifest = write_release(out, records, edition, extra_files=extra, root=root, released=released, url=url)
    return BuildResult(out=out, rows=rows, files=manifest["files"], report=report)
