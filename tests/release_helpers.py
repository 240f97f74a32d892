"""Helpers for the publishing tests: releases of the tiny dataset, hand-edited releases, git repos."""

from __future__ import annotations

from claimset.version import __version__

import json
import shutil
import subprocess
from pathlib import Path
from typing import Optional

from claimset.utils import json_line, sha256_file


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file of a release, its annotations-only/ folder included, by relative path."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]


def refresh_manifest(folder: Path) -> None:
    """Recompute the manifest's hashes, sizes and rows and SHA256SUMS after a hand edit."""
    folder = Path(folder)
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in man["files"]:
        p = folder / name
        man["files"][name] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    for table, meta in man["tables"].items():
        meta["rows"] = len(read_jsonl(folder / f"{table}.jsonl"))
    (folder / "manifest.json").write_text(json.dumps(man, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "SHA256SUMS").write_text("".join(f"{m['sha256']}  {n}\n" for n, m in man["files"].items()), encoding="utf-8")


def rewrite_table(folder: Path, table: str, rows: list[dict], schema=None, compression: str = "zstd") -> None:
    """Replace a table's JSONL and Parquet in a release folder (schema inferred unless given)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    (folder / f"{table}.jsonl").write_text("".join(json_line(r) + "\n" for r in rows), encoding="utf-8")
    arrow = pa.Table.from_pylist(rows, schema=schema) if schema is not None else pa.Table.from_pylist(rows)
    pq.write_table(arrow, folder / f"{table}.parquet", compression=compression)
    refresh_manifest(folder)


def copy_release(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return Path(dst)


def git(root: Path, *args: str) -> str:
    r = subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=test@example.org", "-c", "user.name=test", "-c", "commit.gpgsign=false", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return r.stdout.strip()


def git_repo(root: Path, changelog: Optional[str] = f"# Changelog\n\n## {__version__}\n\n- First release.\n") -> Path:
    """Make `root` a git repository with everything in it committed."""
    if changelog is not None:
        (Path(root) / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "first")
    return Path(root)


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
