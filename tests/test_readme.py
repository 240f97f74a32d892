"""The README's loading examples run, on the committed release, and say what they claim."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Loading the data", 1)[1].split("\n## ", 1)[0]
BLOCKS = re.findall(r"```(python|sql)\n(.*?)```", SECTION, re.S)


def _block(lang: str, needle: str) -> str:
    return next(code for kind, code in BLOCKS if kind == lang and needle in code)


def _expected_top() -> list[tuple[str, int]]:
    """Claims per claimant entity (author as one row), counted from the records themselves."""
    from collections import Counter

    import claimset

    names = {e.entity_id: e.name for e in claimset.records("entities", ROOT / "release")}
    n = Counter(names.get(c.claimant.entity_id, "the article's author") for c in claimset.records("claims", ROOT / "release"))
    return sorted(n.items(), key=lambda kv: (-kv[1], kv[0]))


def test_python_example_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(_block("python", "import claimset"), "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    import claimset

    assert len([l for l in out if l.split(" ", 1)[0]]) >= claimset.manifest(ROOT / "release")["tables"]["claims"]["rows"]


def test_duckdb_example_groups_by_entity(monkeypatch):
    duckdb = pytest.importorskip("duckdb")
    monkeypatch.chdir(ROOT)
    rows = duckdb.sql(_block("sql", "duckdb")).fetchall()
    assert rows == _expected_top()


def test_polars_example_groups_by_entity(monkeypatch):
    pytest.importorskip("polars")
    monkeypatch.chdir(ROOT)
    ns: dict = {}
    exec(compile(_block("python", "import polars"), "README.md", "exec"), ns)
    assert [tuple(r) for r in ns["per_claimant"].iter_rows()] == _expected_top()


def test_datasets_example_loads_every_row_and_the_test_split(monkeypatch, tmp_path):
    import datasets

    import claimset

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "cache"))
    code = _block("python", "from datasets import load_dataset").replace("/path/to/claimset", str(ROOT))
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["claims"].num_rows == claimset.manifest(ROOT / "release")["tables"]["claims"]["rows"]
    assert scope["test"].to_list() == claimset.load("claims", ROOT / "release", split="test").to_pylist()
