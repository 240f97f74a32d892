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


def load(table: str = "claims", release: Optional[PathLike] = None):
    """One table as a pyarrow.Table, typed by the schema derived from the models."""
    import pyarrow.parquet as pq

    from .schemas import arrow_schema

    schema = arrow_schema(table) if table in TABLES else None
    files = [str(p) for p in parquet_files(table, release)]
    # shards as one dataset: read in parallel, rows in the manifest's order
    return pq.read_table(files[0] if len(files) == 1 else files, schema=schema)


def records(table: str = "claims", release: Optional[PathLike] = None) -> Iterator[Record]:
    """Each row as its pydantic model (Article, Claim, Entity, Cluster)."""
    import pyarrow.parquet as pq

    model = TABLES[table] if table in TABLES else None
    for path in parquet_files(table, release):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                yield model.model_validate(row)


def load_pandas(table: str = "claims", release: Optional[PathLike] = None):
    """A pandas DataFrame; nested fields stay Python lists and dicts."""
    return load(table, release).to_pandas(types_mapper=None)


def load_hf(release: Optional[PathLike] = None, tables: Optional[list[str]] = None):
    """A datasets.DatasetDict with one entry per table and explicit Features from the models."""
    import datasets

    from .schemas import hf_features

    out = {}
    for table in tables or list(TABLES):
        features = hf_features(table)
        arrow = load(table, release).cast(features.arrow_schema)
        out[table] = datasets.Dataset(datasets.table.InMemoryTable(arrow), info=datasets.DatasetInfo(features=features))
    return datasets.DatasetDict(out)
