"""Loaders: pyarrow (the base), pydantic records, pandas and Hugging Face `datasets`.

Heavy libraries are imported inside the functions that need them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator, Optional, Union

from .models import TABLES, Record

PathLike = Union[str, os.PathLike]


def default_release() -> Path:
    """The release shipped in the wheel, else the repository's release/ (editable installs)."""
    env = os.environ.get("CLAIMSET_RELEASE")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "release", here.parents[1] / "release"):
        if (candidate / "manifest.json").is_file():
            return candidate
    raise FileNotFoundError("no claimset release found: run `claimset build`, or pass release=<folder>")


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")


def manifest(release: Optional[PathLike] = None) -> dict:
    folder = Path(release) if release else default_release()
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def parquet_files(table: str, release: Optional[PathLike] = None) -> list[Path]:
    _check_table(table)
    folder = Path(release) if release else default_release()
    names = manifest(folder)["tables"][table]["files"]
    return [folder / n for n in names if n.endswith(".parquet")]


HUB_REPO = "<hub-repo>"  # no public Hugging Face repository address is declared yet (pyproject [project.urls])


def check_version(version: Optional[str], release: Optional[PathLike] = None) -> None:
    """Accept `version` only if it is the release's (the installed package's) version.

    One installed claimset holds one release; another version is another install (PyPI) or another
    revision of the Hub repository (tags vX.Y.Z). None accepts whatever is installed."""
    if version is None:
        return
    installed = manifest(release)["version"]
    wanted = str(version).strip()
    wanted = wanted[1:] if wanted[:1] in ("v", "V") else wanted
    if wanted == installed:
        return
    raise ValueError(
        f"claimset version {wanted} requested, but the installed release is {installed}: "
        f"install that version with `pip install claimset=={wanted}`, or load it from the Hugging Face Hub with "
        f'`datasets.load_dataset("{HUB_REPO}", "claims", revision="v{wanted}")`'
    )


def _split_filter(table: str, split: Optional[str]):
    """A row predicate for a benchmark split (docs/benchmark.md), or None for all rows."""
    if split is None:
        return None
    _check_table(table)
    from .benchmark.splits import row_filter

    return row_filter(table, split)


def load(table: str = "claims", release: Optional[PathLike] = None, split: Optional[str] = None, version: Optional[str] = None):
    """One table as a pyarrow.Table, typed by the schema derived from the models; `split` keeps the
    rows of a benchmark split (train, test, all, fold-K, fold-K-train); `version` (X.Y.Z) must be the
    installed release's version, else ValueError says how to get the one asked for."""
    import pyarrow.parquet as pq

    from .models.schemas import arrow_schema

    check_version(version, release)

    keep = _split_filter(table, split)
    schema = arrow_schema(table) if table in TABLES else None
    files = [str(p) for p in parquet_files(table, release)]
    # shards as one dataset: read in parallel, rows in the manifest's order
    t = pq.read_table(files[0] if len(files) == 1 else files, schema=schema)
    if keep is None:
        return t
    import pyarrow as pa

    cols = ["article_id"] if table != "clusters" else ["claim_ids"]
    mask = [keep(row) for row in t.select(cols).to_pylist()]
    return t.filter(pa.array(mask, type=pa.bool_()))


def records(
    table: str = "claims", release: Optional[PathLike] = None, split: Optional[str] = None, version: Optional[str] = None
) -> Iterator[Record]:
    """Each row as its pydantic model (Article, Claim, Entity, Cluster)."""
    check_version(version, release)  # at the call, not at the first next()
    return _records(table, release, split)


def _records(table: str, release: Optional[PathLike], split: Optional[str]) -> Iterator[Record]:
    import pyarrow.parquet as pq

    keep = _split_filter(table, split)
    model = TABLES[table] if table in TABLES else None
    for path in parquet_files(table, release):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                if keep is None or keep(row):
                    yield model.model_validate(row)


def load_pandas(table: str = "claims", release: Optional[PathLike] = None, split: Optional[str] = None, version: Optional[str] = None):
    """A pandas DataFrame; nested fields stay Python lists and dicts."""
    return load(table, release, split, version).to_pandas(types_mapper=None)


def load_hf(
    release: Optional[PathLike] = None, tables: Optional[list[str]] = None, split: Optional[str] = None, version: Optional[str] = None
):
    """A datasets.DatasetDict with one entry per table and explicit Features from the models."""
    check_version(version, release)
    import datasets

    from .models.schemas import hf_features

    out = {}
    for table in tables or list(TABLES):
        features = hf_features(table)
        arrow = load(table, release, split).cast(features.arrow_schema)
        out[table] = datasets.Dataset(datasets.table.InMemoryTable(arrow), info=datasets.DatasetInfo(features=features))
    return datasets.DatasetDict(out)
