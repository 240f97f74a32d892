"""Hugging Face `datasets` loads the repository through the README's YAML configs, offline, typed as claimset.load."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets  # noqa: E402
from datasets.info import DatasetInfosDict  # noqa: E402
from huggingface_hub import DatasetCardData  # noqa: E402

import claimset  # noqa: E402
from claimset.publish.build import build  # noqa: E402
from claimset.publish.card import split_front_matter, write_card  # noqa: E402
from claimset.models import TABLES  # noqa: E402
from claimset.models.schemas import hf_features  # noqa: E402

from conftest import ROOT  # noqa: E402


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """The flags are read at import time; set them again in case another test imported datasets first."""
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)


def front_matter(root) -> dict:
    head, _ = split_front_matter((root / "README.md").read_text(encoding="utf-8"))
    assert head is not None, "README.md must start with YAML front matter"
    return yaml.safe_load(head.strip().strip("-"))


def assert_same_as_claimset(root, table, cache):
    ds = datasets.load_dataset(str(root), table, split="train", cache_dir=str(cache))
    ref = claimset.load(table, root / "release")
    assert ds.features == hf_features(table)
    # the same Arrow types as claimset's own Hugging Face loader (both all-nullable, as datasets makes them)
    mine = claimset.load_hf(root / "release", [table])[table]
    assert ds.data.table.schema.remove_metadata().equals(mine.data.table.schema.remove_metadata())
    assert ds.num_rows == ref.num_rows
    assert ds.to_list() == ref.to_pylist()
    return ds


@pytest.fixture
def tiny_repo(tiny, tmp_path):
    build(tiny)
    write_card(tiny)
    return tiny


@pytest.mark.parametrize("table", list(TABLES))
def test_tiny_repository_loads_every_config(tiny_repo, tmp_path, table):
    ds = assert_same_as_claimset(tiny_repo, table, tmp_path / "cache")
    if table == "claims":
        row = ds[1]
        assert isinstance(row["content"], list) and isinstance(row["content"][0], dict)
        assert set(row["content"][0]) == {"start", "end", "text"}
        assert isinstance(row["source_chain"], list) and isinstance(row["source_chain"][0]["mention"], dict)
        assert isinstance(row["quantities"][0]["span"], dict)
        assert row["statement_date"] == "2023-10-02" and ds.features["statement_date"] == datasets.Value("string")
        assert row["factuality"]["certainty"] == "certain" and ds.features["factuality"]["certainty"] == datasets.Value("string")
        assert row["evidence"]["cited"] == ["none_stated"]
    if table == "articles":
        assert ds[0]["published"] == "2023-10-05"  # a partial-date string, never a timestamp
        assert isinstance(ds[0]["boilerplate"], list) and ds[0]["boilerplate"][0]["kind"] == "advert"


def test_claims_is_the_default_config(tiny_repo, tmp_path):
    dd = datasets.load_dataset(str(tiny_repo), cache_dir=str(tmp_path / "cache"))
    assert list(dd) == ["train"]
    assert dd["train"].features == hf_features("claims")
    assert dd["train"].num_rows == 3


@pytest.mark.parametrize("table", list(TABLES))
def test_committed_repository_loads_every_config(tmp_path, table):
    if not (ROOT / "release" / f"{table}.parquet").exists():
        pytest.skip("no committed release")
    assert_same_as_claimset(ROOT, table, tmp_path / "cache")


@pytest.mark.parametrize("table", ["claims", "articles", "clusters"])
def test_benchmark_configs_give_the_splits_claimset_gives(tmp_path, table):
    """`<table>-benchmark` has the benchmark's train and test splits, row for row what
    claimset.load(table, split=...) gives, with the table's features."""
    dd = datasets.load_dataset(str(ROOT), f"{table}-benchmark", cache_dir=str(tmp_path / "cache"))
    assert set(dd) == {"train", "test"}
    for split, ds in dd.items():
        assert ds.features == hf_features(table)
        ref = claimset.load(table, ROOT / "release", split=split)
        assert ds.num_rows == ref.num_rows > 0
        assert ds.to_list() == ref.to_pylist()


def test_yaml_declares_one_parquet_config_per_table_with_model_features():
    meta = front_matter(ROOT)
    configs = {c["config_name"]: c for c in meta["configs"]}
    benchmark = {f"{t}-benchmark" for t in ("claims", "articles", "clusters")}
    assert set(configs) == set(TABLES) | {f"{t}-annotations-only" for t in TABLES} | benchmark
    assert [c for c in meta["configs"] if c.get("default")] == [configs["claims"]]
    for name, c in configs.items():
        paths = [f["path"] for f in c["data_files"]]
        table, _, edition = name.partition("-")
        if edition == "benchmark":
            assert [f["split"] for f in c["data_files"]] == ["train", "test"]
            assert paths == [f"release/splits/{table}-train.parquet", f"release/splits/{table}-test.parquet"]
        else:
            assert paths == [f"release/{edition + '/' if edition else ''}{table}.parquet"]
        assert not any(p.endswith(".jsonl") for p in paths)
    infos = DatasetInfosDict.from_dataset_card_data(DatasetCardData(**meta))
    assert set(infos) == set(configs)
    for name in configs:
        assert infos[name].features == hf_features(name.partition("-")[0]), name


def test_loads_in_a_fresh_offline_process(tiny_repo, tmp_path):
    """No network at all: offline flags and a proxy that goes nowhere."""
    code = (
        "import sys, json, datasets;"
        "ds = datasets.load_dataset(sys.argv[1], 'entities', split='train', cache_dir=sys.argv[2]);"
        "print(json.dumps(ds.to_list()))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9", NO_PROXY="")
    out = subprocess.run([sys.executable, "-c", code, str(tiny_repo), str(tmp_path / "cache")], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == claimset.load("entities", tiny_repo / "release").to_pylist()


def test_annotations_only_configs_load_without_text(tiny_repo, tmp_path):
    """`<table>-annotations-only` configs read release/annotations-only/: same features, no article text."""
    meta = front_matter(tiny_repo)
    names = [c["config_name"] for c in meta["configs"]]
    assert names[: len(TABLES)] == ["claims", *[t for t in TABLES if t != "claims"]]
    assert names[len(TABLES) : 2 * len(TABLES)] == ["claims-annotations-only", *[f"{t}-annotations-only" for t in TABLES if t != "claims"]]
    for c in meta["configs"][len(TABLES) : 2 * len(TABLES)]:
        assert c["data_files"] == [{"split": "train", "path": f"release/annotations-only/{c['config_name'].removesuffix('-annotations-only')}.parquet"}]
    assert sorted(i["config_name"] for i in meta["dataset_info"]) == sorted(names)
    arts = datasets.load_dataset(str(tiny_repo), "articles-annotations-only", split="train", cache_dir=str(tmp_path / "cache"))
    assert arts.features == hf_features("articles")
    assert [a["text"] for a in arts] == [""] and arts[0]["text_sha256"] == claimset.load("articles", tiny_repo / "release").to_pylist()[0]["text_sha256"]
    claims = datasets.load_dataset(str(tiny_repo), "claims-annotations-only", split="train", cache_dir=str(tmp_path / "cache"))
    assert claims.num_rows == claimset.load("claims", tiny_repo / "release").num_rows
    assert all(s["text"].startswith("sha256:") for c in claims for s in c["content"])
