"""Release diffs, the version bump a change requires, and `claimset check-version`.

One version for the dataset and the package, SemVer with TensorFlow Datasets' meaning:

- PATCH: the same records; metadata (croissant.json, manifest) or serialisation fixed;
- MINOR: existing records unchanged; records, tables or optional fields added;
- MAJOR: existing records changed or removed, a table or field removed, or a field's type changed.

A field that appears in a new release is optional when every record present in both releases has
it empty (null or []): those records are then unchanged. If an existing record gets a value in it,
that record changed, which is MAJOR.

A release is read from a release folder, from a repository root (its sources are built into a
temporary folder), or from a git revision (its committed `release/`, or its `data/` built when it
has no release). `check-version` compares the current sources with the last release: by default
the newest `vX.Y.Z` tag reachable from HEAD; without such a tag the release committed at HEAD; and
it fails when the version in version.py is lower than the bump requires, or CHANGELOG.md has no
entry for it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from ..models import ID_FIELDS
from .changelog import changelog_versions

LEVELS = ("none", "patch", "minor", "major")
MANIFEST_PATH = "release/manifest.json"
TAG_PATTERN = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
METADATA_FILES = ("croissant.json",)


class DiffError(Exception):
    """A release that cannot be found or read: exit code 2."""


def parse_version(v: str) -> tuple[int, int, int]:
    m = re.match(r"^(\d+)\.(\d+)\.(\d+)", v)
    if not m:
        raise DiffError(f"{v!r} is not a MAJOR.MINOR.PATCH version")
    return int(m[1]), int(m[2]), int(m[3])


def bumped(version: str, level: str) -> str:
    """The smallest version that makes a `level` change from `version`."""
    major, minor, patch = parse_version(version)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    if level == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return version


# --- a release in memory -------------------------------------------------------------------------


@dataclass
class Snapshot:
    label: str
    manifest: dict
    records: dict[str, dict[str, dict]]  # table -> id -> record
    schema: dict[str, dict[str, str]]  # table -> field path -> type
    metadata: dict[str, str]  # metadata file -> normalised content

    @property
    def version(self) -> str:
        return self.manifest["version"]


def _schema_paths(tp, path: str, out: dict[str, str]) -> None:
    import pyarrow as pa

    if pa.types.is_struct(tp):
        for f in tp:
            out[f"{path}.{f.name}"] = _type_name(f.type, f.nullable)
            _schema_paths(f.type, f"{path}.{f.name}", out)
    elif pa.types.is_list(tp) or pa.types.is_large_list(tp):
        _schema_paths(tp.value_type, f"{path}[]", out)


def _type_name(tp, nullable: bool) -> str:
    import pyarrow as pa

    if pa.types.is_struct(tp):
        name = "struct"
    elif pa.types.is_list(tp) or pa.types.is_large_list(tp):
        name = f"list<{_type_name(tp.value_type, True).removesuffix(' or null')}>"
    else:
        name = str(tp)
    return name + (" or null" if nullable else "")


def _normalise_metadata(text: str, version: str) -> str:
    """croissant.json without what a version bump or the data files change by themselves."""
    doc = json.loads(text)
    for fo in doc.get("distribution", []):
        fo.pop("sha256", None)
        fo.pop("contentSize", None)
    doc.pop("datePublished", None)  # set when a version is cut, like the version itself
    if isinstance(doc.get("citeAs"), str):
        doc["citeAs"] = re.sub(r"\n\s*(?:year|date)\s*=[^\n]*", "", doc["citeAs"])
    return json.dumps(doc, sort_keys=True, ensure_ascii=False).replace(version, "<version>")


def read_release(folder: Path, label: Optional[str] = None) -> Snapshot:
    import pyarrow.parquet as pq

    folder = Path(folder)
    try:
        man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DiffError(f"{folder}: not a release (no readable manifest.json): {e}") from e
    records: dict[str, dict[str, dict]] = {}
    schema: dict[str, dict[str, str]] = {}
    for table, meta in man["tables"].items():
        key = ID_FIELDS.get(table)
        rows: dict[str, dict] = {}
        paths: dict[str, str] = {}
        for name in meta["files"]:
            p = folder / name
            if name.endswith(".jsonl"):
                for line in p.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        r = json.loads(line)
                        rows[str(r[key]) if key else json.dumps(r, sort_keys=True)] = r
            elif name.endswith(".parquet"):
                for f in pq.read_schema(p):
                    paths[f.name] = _type_name(f.type, f.nullable)
                    _schema_paths(f.type, f.name, paths)
        records[table], schema[table] = rows, paths
    metadata = {}
    for name in METADATA_FILES:
        if (folder / name).is_file():
            metadata[name] = _normalise_metadata((folder / name).read_text(encoding="utf-8"), man["version"])
    return Snapshot(label or str(folder), man, records, schema, metadata)


# --- where releases come from ----------------------------------------------------------------------


def _git(root: Path, *args: str, binary: bool = False):
    r = subprocess.run(["git", "-C", str(root), *args], capture_output=True)
    if r.returncode != 0:
        raise DiffError(f"git {' '.join(args)}: {r.stderr.decode(errors='replace').strip()}")
    return r.stdout if binary else r.stdout.decode().strip()


def is_git(root: Path) -> bool:
    try:
        return _git(root, "rev-parse", "--is-inside-work-tree") == "true"
    except (DiffError, OSError):
        return False


def _has_path(root: Path, rev: str, path: str) -> bool:
    return subprocess.run(["git", "-C", str(root), "cat-file", "-e", f"{rev}:{path}"], capture_output=True).returncode == 0


def _extract(root: Path, rev: str, path: str, dest: Path) -> None:
    data = _git(root, "archive", "--format=tar", rev, path, binary=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover - Python without extraction filters
            tar.extractall(dest)


def _build_sources(root: Path, tmp: Path) -> Path:
    from .build import BuildError, build

    try:
        return build(root, tmp / "release").out
    except BuildError as e:
        raise DiffError(f"{root}: the sources do not validate ({e}); run `claimset validate`") from e


@contextlib.contextmanager
def release_of(spec: str, root: Path = Path(".")) -> Iterator[Snapshot]:
    """A release folder, a repository root (its sources built), or a git revision of `root`."""
    root = Path(root)
    p = Path(spec)
    tmp = Path(tempfile.mkdtemp(prefix="claimset-diff-"))
    try:
        if p.is_dir() and (p / "manifest.json").is_file():
            yield read_release(p, spec)
        elif p.is_dir() and (p / "data").is_dir():
            yield read_release(_build_sources(p, tmp), f"{spec} (sources)")
        elif is_git(root):
            try:
                rev = _git(root, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
            except DiffError:
                raise DiffError(f"{spec!r} is neither a release folder, a repository root nor a git revision of {root}") from None
            if _has_path(root, rev, "release/manifest.json"):
                _extract(root, rev, "release", tmp)
                yield read_release(tmp / "release", f"{spec} (release/ at {rev[:12]})")
            elif _has_path(root, rev, "data"):
                _extract(root, rev, "data", tmp / "src")
                yield read_release(_build_sources(tmp / "src", tmp), f"{spec} (data/ at {rev[:12]}, built)")
            else:
                raise DiffError(f"{spec}: the revision has neither release/ nor data/")
        else:
            raise DiffError(f"{spec!r} is neither a release folder nor a repository root, and {root} is not a git repository")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- the diff ----------------------------------------------------------------------------------------


def _empty(v: Any) -> bool:
    return v is None or v == [] or v == {}


def changed_paths(a: Any, b: Any, path: str = "") -> list[str]:
    """Field paths where two records differ; a field missing on one side equals null or []."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            p = f"{path}.{k}" if path else k
            if k not in b:
                if not _empty(a[k]):
                    out.append(p)
            elif k not in a:
                if not _empty(b[k]):
                    out.append(p)
            else:
                out += changed_paths(a[k], b[k], p)
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [path]
        return [q for i, (x, y) in enumerate(zip(a, b)) for q in changed_paths(x, y, f"{path}[{i}]")]
    if isinstance(a, bool) or isinstance(b, bool):
        same = a is b
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        same = a == b  # JSON gives 1000 or 1000.0 for the same number
    else:
        same = type(a) is type(b) and a == b
    return [] if same else [path or "(record)"]


@dataclass
class TableDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    fields_retyped: list[str] = field(default_factory=list)
    table_added: bool = False
    table_removed: bool = False

    @property
    def empty(self) -> bool:
        return not any(
            [self.added, self.removed, self.changed, self.fields_added, self.fields_removed, self.fields_retyped, self.table_added, self.table_removed]
        )

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "fields_added": self.fields_added,
            "fields_removed": self.fields_removed,
            "fields_retyped": self.fields_retyped,
            "table_added": self.table_added,
            "table_removed": self.table_removed,
        }


@dataclass
class ReleaseDiff:
    old: str
    new: str
    old_version: str
    new_version: str
    tables: dict[str, TableDiff]
    files: list[str]  # data files whose bytes differ although their records do not
    metadata: list[str]  # metadata that differs beyond the version number
    level: str
    reasons: list[str]

    @property
    def required_version(self) -> str:
        return bumped(self.old_version, self.level)

    def as_dict(self) -> dict:
        return {
            "old": {"release": self.old, "version": self.old_version},
            "new": {"release": self.new, "version": self.new_version},
            "tables": {t: d.as_dict() for t, d in self.tables.items()},
            "files": self.files,
            "metadata": self.metadata,
            "bump": self.level,
            "reasons": self.reasons,
            "required_version": self.required_version,
        }


def diff(old: Snapshot, new: Snapshot) -> ReleaseDiff:
    tables: dict[str, TableDiff] = {}
    major, minor, patch = [], [], []
    for table in list(old.records) + [t for t in new.records if t not in old.records]:
        d = TableDiff()
        tables[table] = d
        if table not in new.records:
            d.table_removed, d.removed = True, sorted(old.records[table])
            major.append(f"table {table} removed")
            continue
        if table not in old.records:
            d.table_added, d.added = True, sorted(new.records[table])
            minor.append(f"table {table} added")
            continue
        a, b = old.records[table], new.records[table]
        d.added = sorted(set(b) - set(a))
        d.removed = sorted(set(a) - set(b))
        for key in sorted(set(a) & set(b)):
            paths = changed_paths(a[key], b[key])
            if paths:
                d.changed[key] = paths
        sa, sb = old.schema.get(table, {}), new.schema.get(table, {})
        d.fields_added = [p for p in sb if p not in sa]
        d.fields_removed = [p for p in sa if p not in sb]
        d.fields_retyped = [f"{p}: {sa[p]} -> {sb[p]}" for p in sa if p in sb and sa[p] != sb[p]]
        if d.removed:
            major.append(f"{table}: {len(d.removed)} record(s) removed")
        if d.changed:
            major.append(f"{table}: {len(d.changed)} existing record(s) changed")
        if d.fields_removed:
            major.append(f"{table}: field(s) removed: {', '.join(d.fields_removed)}")
        if d.fields_retyped:
            major.append(f"{table}: field type(s) changed: {'; '.join(d.fields_retyped)}")
        if d.added:
            minor.append(f"{table}: {len(d.added)} record(s) added")
        if d.fields_added:
            minor.append(f"{table}: optional field(s) added: {', '.join(d.fields_added)}")
    of, nf = old.manifest.get("files", {}), new.manifest.get("files", {})
    data_names = {n for t in new.manifest.get("tables", {}).values() for n in t["files"]}
    files = sorted(n for n in data_names if n in of and n in nf and of[n]["sha256"] != nf[n]["sha256"])
    unchanged_tables = {t for t, d in tables.items() if d.empty}
    files = [n for n in files if any(n in new.manifest["tables"][t]["files"] for t in unchanged_tables)]
    metadata = sorted(n for n in set(old.metadata) | set(new.metadata) if old.metadata.get(n) != new.metadata.get(n))
    for key in ("schema_version", "edition", "offsets"):
        if old.manifest.get(key) != new.manifest.get(key):
            metadata.append(f"manifest.json {key}: {old.manifest.get(key)} -> {new.manifest.get(key)}")
    if files:
        patch.append(f"same records, serialisation changed: {', '.join(files)}")
    if metadata:
        patch.append(f"metadata changed: {', '.join(metadata)}")
    level = "major" if major else "minor" if minor else "patch" if patch else "none"
    return ReleaseDiff(old.label, new.label, old.version, new.version, tables, files, metadata, level, major + minor + patch)


def format_diff(d: ReleaseDiff, limit: int = 50) -> str:
    lines = [f"old: {d.old} (version {d.old_version})", f"new: {d.new} (version {d.new_version})", ""]
    for table, t in d.tables.items():
        state = " (table added)" if t.table_added else " (table removed)" if t.table_removed else ""
        lines.append(f"{table}{state}: {len(t.added)} added, {len(t.removed)} removed, {len(t.changed)} changed")
        for label, ids in (("added", t.added), ("removed", t.removed)):
            for i in ids[:limit]:
                lines.append(f"  {label} {i}")
            if len(ids) > limit:
                lines.append(f"  ... and {len(ids) - limit} more {label}")
        for i, (key, paths) in enumerate(t.changed.items()):
            if i == limit:
                lines.append(f"  ... and {len(t.changed) - limit} more changed")
                break
            shown = ", ".join(paths[:8]) + (f", ... ({len(paths)} fields)" if len(paths) > 8 else "")
            lines.append(f"  changed {key}: {shown}")
        for label, items in (("field added", t.fields_added), ("field removed", t.fields_removed), ("field retyped", t.fields_retyped)):
            for f in items:
                lines.append(f"  {label}: {f}")
    for f in d.files:
        lines.append(f"serialisation changed: {f}")
    for m in d.metadata:
        lines.append(f"metadata changed: {m}")
    lines.append("")
    if d.level == "none":
        lines.append("no difference: no version bump required")
    else:
        lines.append(f"required bump: {d.level.upper()} (from {d.old_version}: at least {d.required_version})")
        lines += [f"  - {r}" for r in d.reasons]
    return "\n".join(lines)


# --- check-version -----------------------------------------------------------------------------------


def last_release(root: Path) -> Optional[str]:
    """The baseline a change is measured against, as a git revision (or a release folder outside git):

    1. in a GitHub pull request (GITHUB_BASE_REF), the merge-base with the base branch: what the
       pull request changes;
    2. else the newest vX.Y.Z tag reachable from HEAD: the last release cut by a maintainer;
    3. else the last commit that changed the version in release/manifest.json: the commit that cut
       the version HEAD carries. A released record changed later at the same version differs from
       it, so an unbumped change is caught whether or not it was committed.
    """
    root = Path(root)
    if not is_git(root):
        return str(root / "release") if (root / "release" / "manifest.json").is_file() else None
    try:
        _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except DiffError:
        return None  # no commit yet
    base = os.environ.get("GITHUB_BASE_REF")
    if base:
        for ref in (f"origin/{base}", base):
            try:
                return _git(root, "merge-base", "HEAD", ref)
            except DiffError:
                continue
        raise DiffError(
            f"GITHUB_BASE_REF is {base!r} but neither origin/{base} nor {base} is in this clone; "
            "check out with the full history (actions/checkout with fetch-depth: 0)"
        )
    tags = [t for t in _git(root, "tag", "--merged", "HEAD", "--list", "v*").splitlines() if TAG_PATTERN.match(t.strip())]
    if tags:
        return max(tags, key=lambda t: parse_version(t[1:]))
    return version_cut(root)


def describe_rev(rev) -> str:
    """A baseline for messages: a commit hash shortened, anything else as it is."""
    if isinstance(rev, str) and len(rev) == 40 and all(c in "0123456789abcdef" for c in rev):
        return f"commit {rev[:12]}"
    return str(rev)


def _manifest_version(root: Path, rev: str) -> Optional[str]:
    try:
        return json.loads(_git(root, "show", f"{rev}:{MANIFEST_PATH}"))["version"]
    except (DiffError, ValueError, KeyError, TypeError):
        return None


def version_cut(root: Path) -> Optional[str]:
    """The commit (first-parent history of HEAD) that set release/manifest.json's current version:
    the oldest of the newest run of commits whose manifest has HEAD's version."""
    commits = _git(root, "log", "--first-parent", "--format=%H", "HEAD", "--", MANIFEST_PATH).splitlines()
    if not commits:
        return None
    current = _manifest_version(root, commits[0])
    cut = commits[0]
    for c in commits[1:]:
        if _manifest_version(root, c) != current:
            break
        cut = c
    return cut


@dataclass
class VersionCheck:
    version: str
    baseline: Optional[str]
    diff: Optional[ReleaseDiff]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def source_version(root: Path) -> str:
    """__version__ of the checkout at `root` (src/claimset/version.py), else of the installed package."""
    path = Path(root) / "src" / "claimset" / "version.py"
    if path.is_file():
        m = re.search(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", path.read_text(encoding="utf-8"), re.M)
        if m:
            return m[1]
    from ..version import __version__

    return __version__


def check_version(root: Path, against: Optional[str] = None, version: Optional[str] = None) -> VersionCheck:
    root = Path(root)
    version = version or source_version(root)
    problems: list[str] = []
    baseline = against or last_release(root)
    result: Optional[ReleaseDiff] = None
    if baseline is not None:
        with release_of(baseline, root) as old, release_of(str(root), root) as new:
            result = diff(old, new)
        required = result.required_version
        if parse_version(version) < parse_version(result.old_version):
            problems.append(f"version {version} is lower than the last release's {result.old_version} ({describe_rev(baseline)})")
        elif parse_version(version) < parse_version(required):
            why = "; ".join(result.reasons)
            problems.append(
                f"the sources differ from the last release {result.old_version} ({describe_rev(baseline)}): {why}. "
                f"That is a {result.level.upper()} change: set __version__ in src/claimset/version.py to at least {required} "
                f"(it is {version}) and describe the change in CHANGELOG.md"
            )
    entries = changelog_versions(root)
    if version not in entries:
        problems.append(f"CHANGELOG.md has no '## {version}' entry")
    newer = [v for v in entries if parse_version(v) > parse_version(version)]
    if newer:
        problems.append(f"CHANGELOG.md has entries for {', '.join(newer)}, newer than version.py's {version}")
    return VersionCheck(version, baseline, result, problems)
