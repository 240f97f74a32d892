"""`claimset validate`: structure, record rules and dataset checks, every problem in one run.

The validator lives in the `validation` package (one module per layer, each rule written once);
this module keeps the names other code imports, and `validate`, the entry point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from .dataset import Dataset
from .files import ARTICLE_EXTRA, ARTICLE_FILES, Unit, datasets_of, discover, is_article_folder, note_unread
from .problems import Origin, Problem, Report, Sink, UsageError, Where, field_path
from .reader import Validator, check_new
from .records import ArticleInfo, check_article, check_claim, check_cluster, check_entity, check_span, date_after
from .structure import (
    _KEYWORD_CODES,
    _PATTERN_CODES,
    _ecma_validator_class,
    _leaf_errors,
    _schema_message,
    _schema_validator,
    check_structure,
)

__all__ = [
    "ARTICLE_EXTRA",
    "ARTICLE_FILES",
    "ArticleInfo",
    "Dataset",
    "Origin",
    "Problem",
    "Report",
    "Sink",
    "Unit",
    "UsageError",
    "Validator",
    "Where",
    "_KEYWORD_CODES",
    "_PATTERN_CODES",
    "_ecma_validator_class",
    "_leaf_errors",
    "_schema_message",
    "_schema_validator",
    "check_article",
    "check_claim",
    "check_cluster",
    "check_entity",
    "check_new",
    "check_span",
    "check_structure",
    "date_after",
    "datasets_of",
    "default_data",
    "discover",
    "field_path",
    "is_article_folder",
    "note_unread",
    "require_repository",
    "validate",
]


def default_data(root: Path) -> Path:
    """root/data, or UsageError when `root` is not a claimset repository."""
    data = Path(root) / "data"
    if not data.is_dir():
        raise UsageError(f"{data}: no such folder; run claimset in the root of a claimset repository, or pass --root or the paths to check")
    return data


def require_repository(root: Path, *needs: str) -> Path:
    """`root` if it is a claimset repository (data/ and the named files or folders), else UsageError:
    commands that write generated files or read the changelog must not act on another folder."""
    default_data(root)
    missing = [n for n in needs if not (Path(root) / n).exists()]
    if missing:
        raise UsageError(f"{root}: not a claimset repository (no {', '.join(missing)}); run claimset in the repository root, or pass --root")
    return Path(root)


def validate(
    paths: Optional[Sequence[Path]] = None, root: Optional[Path] = None, on_record=None, jobs: int = 1, progress: bool = False
) -> Report:
    """Validate sources (default: data/ under root); raises UsageError only for a missing path.

    Runs the streaming reader (validation.parallel: same problems, constant memory, `jobs`
    processes); with an on_record callback, the one-process reader, in one process.
    """
    root = Path(root or Path.cwd())
    paths = list(paths) if paths else [default_data(root)]
    if on_record is None:
        from .parallel import run

        return run(paths, root, jobs=jobs, progress=progress)
    return Validator(root, on_record).run(paths)
