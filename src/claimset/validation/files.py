"""The file layer: which sources a path holds (C101-C105 for folders and names)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from ..sources import layout
from ..models import TABLES
from .problems import Problem, Sink, UsageError

@dataclass(slots=True)
class Unit:
    """One source to read: a JSON file, a JSONL file, or an article folder."""

    kind: str  # json | jsonl | article
    table: Optional[str]
    path: Path | str  # a str for the folders listed in data/articles/: a million Paths take 300 MB more


def _jsonl_table(name: str) -> Optional[str]:
    for t in TABLES:
        if name == f"{t}.jsonl" or (name.startswith(f"{t}-") and name.endswith(".jsonl")):
            return t
    return None


def discover(paths: Sequence[Path], root: Path, sink: Sink) -> list[Unit]:
    units: list[Unit] = []
    for p in paths:
        p = Path(p)
        if not p.exists() and not p.is_symlink():
            raise UsageError(f"{p}: no such file or directory")
        if p.is_dir():
            units += _discover_dir(p, root, sink)
        else:
            units += _discover_file(p, sink)
    order = {"articles": 0, "entities": 1, "claims": 2, "clusters": 3, None: 0}
    units.sort(key=lambda u: (order[u.table], str(u.path)))
    return units


def is_article_folder(p: Path, names) -> bool:
    """An article folder has article.json or text.txt, or sits in articles/. A folder with
    claims.jsonl beside other table files (articles.jsonl, entities.jsonl, ...) is a folder of
    table JSONL files, not an article missing its parts."""
    names = set(names)
    if {layout.ARTICLE_FILE, layout.TEXT_FILE} & names:
        return True
    tables = {n for n in names if _jsonl_table(n)}
    return layout.CLAIMS_FILE in names and (Path(p).parent.name == layout.ARTICLES or tables == {layout.CLAIMS_FILE})


def datasets_of(files: Sequence[Path]) -> list[Path]:
    """The sources to validate when `files` changed (the pre-commit hook): for a file inside a
    data/ layout, that whole data/ folder (a change can break a reference elsewhere in it); for a
    table JSONL file, the folder of table files it is in; for an article folder's file, that
    data/ or, outside one, the article folder. Each dataset once, in order."""
    out: list[Path] = []
    for f in files:
        f = Path(f)
        target = None
        for parent in [f.parent, *f.parent.parents] if f.is_file() or not f.exists() else [f, *f.parents]:
            if parent.name == "data" and any((parent / d).is_dir() for d in (layout.ARTICLES, layout.ENTITIES, layout.CLUSTERS)):
                target = parent
                break
        if target is None:
            if _jsonl_table(f.name):
                target = f.parent
            elif f.name in ARTICLE_FILES:
                target = f.parent
            else:
                target = f
        if target not in out:
            out.append(target)
    return out


def _discover_dir(p: Path, root: Path, sink: Sink) -> list[Unit]:
    names = _listing(p, sink)
    if names is None:
        return []
    if is_article_folder(p, names):
        return [Unit("article", "articles", p)]
    units: list[Unit] = []
    found_layout = False
    for sub, table in ((layout.ARTICLES, None), (layout.ENTITIES, "entities"), (layout.CLUSTERS, "clusters")):
        d = p / sub
        if not d.is_dir():
            continue
        found_layout = True
        if table is None:
            units += _article_folders(d, sink)
            continue
        for child in sorted(d / n for n in _listing(d, sink) or ()):
            if child.suffix == ".json" and (child.is_file() or child.is_symlink()):
                units.append(Unit("json", table, child))
            else:
                sink.at(sink.rel(child), 1, 1, "C103", "", f"only <id>.json files belong in data/{sub}/")
    if not found_layout:
        for child in sorted(p / n for n in names):
            t = _jsonl_table(child.name)
            if t and child.is_file():
                units.append(Unit("jsonl", t, child))
    if not units:
        sink.at(sink.rel(p), 1, 1, "C102", "", "no claimset sources here (data/ layout or <table>.jsonl files)")
    return units


_FILE_FAULTS = {"C101", "C104", "C111", "C112", "C113", "C114"}


def note_unread(data, problems: Sequence[Problem], rel: str, article_id: str) -> None:
    """A file-level fault in an article's claims.jsonl: none of its claims were read."""
    if any(p.code in _FILE_FAULTS and p.file == rel for p in problems):
        data.unread.add(article_id)


def _listing(d, sink: Sink) -> Optional[list[str]]:
    """The names in folder `d`, or None when it cannot be listed (reported as C101)."""
    try:
        return os.listdir(d)
    except OSError as e:
        sink.at(sink.rel(d), 1, 1, "C101", "", f"cannot read the folder ({e.strerror})")
        return None


def _article_folders(d: Path, sink: Sink) -> list[Unit]:
    """A unit per folder in data/articles/, in name order (Path order, for siblings). A scandir entry
    knows from the listing whether it is a folder; only a link needs Path.is_dir to follow it."""
    try:
        with os.scandir(d) as entries:
            found = sorted((e.name, Path(e.path).is_dir() if e.is_symlink() else e.is_dir()) for e in entries)
    except OSError as e:
        sink.at(sink.rel(d), 1, 1, "C101", "", f"cannot read the folder ({e.strerror})")
        return []
    base = os.path.join(d, "")
    units = []
    for name, is_dir in found:
        if is_dir:
            units.append(Unit("article", "articles", base + name))
        else:
            sink.at(sink.rel(base + name), 1, 1, "C103", "", "only article folders belong in data/articles/")
    return units


def _discover_file(p: Path, sink: Sink) -> list[Unit]:
    t = _jsonl_table(p.name)
    if t:
        return [Unit("jsonl", t, p)]
    if p.name in (layout.ARTICLE_FILE, layout.TEXT_FILE, layout.CLAIMS_FILE):
        return [Unit("article", "articles", p.parent)]
    if p.suffix == ".json" and p.parent.name in (layout.ENTITIES, layout.CLUSTERS):
        return [Unit("json", p.parent.name, p)]
    sink.at(sink.rel(p), 1, 1, "C102", "", "not a claimset source: expected <table>.jsonl, an article file or data/entities|clusters/<id>.json")
    return []


ARTICLE_FILES = (layout.ARTICLE_FILE, layout.TEXT_FILE, layout.CLAIMS_FILE)
ARTICLE_EXTRA = "an article folder holds only article.json, text.txt and claims.jsonl"

