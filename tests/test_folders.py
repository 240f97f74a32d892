"""Article folders that are not plain: links, odd entries, broken files, other ways of naming them.

The engine reads a plain article folder (no link, regular files) with its own reader and leaves
everything else to the reference Validator's. Whichever reader a folder gets, the report must be
the reference's: same problems, records and files, with 1 job and with 2.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from claimset.validation import parallel
from claimset.sources import synth
from claimset.validation.validate import Validator


def _same(root: Path, paths: list[Path]):
    ref = Validator(root).run(paths)
    for jobs in (1, 2):
        got = parallel.run(paths, root, jobs=jobs)
        assert [p.as_dict() for p in got.problems] == [p.as_dict() for p in ref.problems]
        assert got.records == ref.records and got.files == ref.files
    return ref


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def repo(tmp_path) -> Path:
    """A dataset whose article folders are, one each, every odd case a folder can be."""
    root = tmp_path / "repo"
    data = synth.write_dirs(root, 150, seed=11, claims_per_article=5, text_chars=500, n_entities=20)
    f = sorted((data / "articles").iterdir())
    outside = tmp_path / "outside"
    outside.mkdir()
    (f[0] / "claims.jsonl").unlink()
    os.symlink(f[1] / "claims.jsonl", f[0] / "claims.jsonl")  # a link inside the repository
    shutil.move(f[1] / "text.txt", outside / "text.txt")
    os.symlink(outside / "text.txt", f[1] / "text.txt")  # a link out of it
    shutil.move(f[2], root / "elsewhere")
    os.symlink(root / "elsewhere", f[2])  # a folder linked inside the repository
    shutil.move(f[3], outside / f[3].name)
    os.symlink(outside / f[3].name, f[3])  # a folder linked out of it
    (f[4] / "article.json").unlink()
    os.symlink(f[4] / "gone.json", f[4] / "article.json")  # dangling
    (f[5] / "text.txt").unlink()
    os.symlink("text.txt", f[5] / "text.txt")  # a loop
    (f[6] / "notes.md").write_text("notes", encoding="utf-8")
    (f[6] / "img").mkdir()
    os.symlink(f[7] / "text.txt", f[6] / "link")
    (f[7] / "text.txt").unlink()
    (f[7] / "text.txt").mkdir()
    for name in ("article.json", "text.txt", "claims.jsonl"):
        (f[8] / name).unlink()
    for name in ("article.json", "text.txt"):
        (f[9] / name).unlink()
    _edit(f[10] / "article.json", "{", '{"text": "inline",')
    (f[11] / "article.json").write_bytes(b"\xef\xbb\xbf" + (f[11] / "article.json").read_bytes())
    (f[12] / "article.json").write_bytes((f[12] / "article.json").read_bytes().replace(b"\n", b"\r\n"))
    (f[13] / "text.txt").write_text("  \n", encoding="utf-8")
    _edit(f[14] / "article.json", "{", '{"language": "en",')
    _edit(f[15] / "article.json", '"article_id": "', '"article_id": "x')
    f[16].rename(f[16].with_name("an é folder"))
    (f[17] / "claims.jsonl").write_bytes(b"")
    (f[18] / "article.json").write_bytes(b"")
    (f[19] / "article.json").unlink()
    (f[19] / "article.json").mkdir()
    (f[20] / "text.txt").write_bytes(b"caf\xe9")
    (data / "articles" / "README").write_text("not a folder", encoding="utf-8")
    return root


def test_odd_folders_are_reported_as_the_reference_does(repo):
    ref = _same(repo, [repo / "data"])
    codes = {p.code for p in ref.problems}
    assert {"C101", "C103", "C104", "C105", "C111", "C112", "C113", "C114", "C202", "C303", "C437"} <= codes
    assert ref.records["claims"] > 50


def test_folders_named_other_ways_are_reported_alike(repo, tmp_path, monkeypatch):
    link = tmp_path / "link"
    os.symlink(repo, link)
    _same(link, [link / "data"])  # the root reached through a link
    folders = sorted((repo / "data" / "articles").iterdir())
    _same(repo, folders[:12])  # folders given one by one
    files = [d / n for d in folders for n in ("text.txt", "article.json") if (d / n).is_file()]
    _same(repo, files[5:10])  # files of folders
    monkeypatch.chdir(repo)
    _same(Path("."), [Path("data")])  # relative paths
    _same(Path("data/articles"), [Path("data/articles") / folders[6].name])  # the root above the folder
    shutil.move(repo / "data" / "articles", repo / "store")
    os.symlink(repo / "store", repo / "data" / "articles")  # every folder reached through a link
    _same(Path("."), [Path("data")])
