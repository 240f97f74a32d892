"""Splits, baselines and the generated benchmark table."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import claimset
from claimset.benchmark import splits as sp
from claimset.benchmark.baselines import BASELINES, predict, sentences
from claimset.benchmark.predictions import read_predictions
from claimset.benchmark.results import DOC, expected_doc
from claimset.cli.main import app

from conftest import ROOT, SEED_FILES, TEXT, make_records

RELEASE = ROOT / "release"


def test_every_article_is_in_exactly_one_of_train_and_test():
    articles = sorted(p.name for p in (ROOT / "data" / "articles").iterdir() if p.is_dir())
    problems = sp.assignment_problems(articles)
    assert not problems, "\n".join(problems)


def test_a_new_article_is_told_to_pick_a_split():
    articles = list(sp.splits()["all"]) + ["brand-new-article-2025"]
    problems = sp.assignment_problems(articles)
    assert any("brand-new-article-2025 is in no split" in p and "train" in p for p in problems)
    assert any("not a released article" in p for p in sp.assignment_problems(articles[1:-1]))


def test_split_names_and_folds():
    s = sp.splits()
    assert set(s["train"]).isdisjoint(s["test"]) and set(s["all"]) == set(s["train"]) | set(s["test"])
    folds = [n for n in s if n.startswith("fold-") and not n.endswith("-train")]
    assert len(folds) == len(s["all"])
    for f in folds:
        assert len(s[f]) == 1 and set(s[f"{f}-train"]) == set(s["all"]) - set(s[f])
    with pytest.raises(ValueError, match="choose one of train, test, all"):
        sp.split_articles("dev")


def test_seed_test_split():
    # pinned for the seed articles only: the two with the oldest second annotation pass
    assert len(SEED_FILES) == 5
    assert set(sp.split_articles("test")) == {"nk-ballistic-missiles-to-russia-2024-01-05", "wh-accuses-nk-artillery-shells-2022-11"}


@pytest.mark.parametrize("table", ["claims", "articles", "clusters", "entities"])
def test_loaders_filter_by_split(table):
    ids = sp.split_articles("test")
    t = claimset.load(table, RELEASE, split="test")
    full = claimset.load(table, RELEASE)
    if table in ("claims", "articles"):
        assert set(t.column("article_id").to_pylist()) == ids & set(full.column("article_id").to_pylist())
    elif table == "clusters":
        assert 0 < t.num_rows <= full.num_rows
    else:
        assert t.num_rows == full.num_rows  # entities are shared by every split
    assert len(list(claimset.records(table, RELEASE, split="test"))) == t.num_rows
    assert len(claimset.load_pandas(table, RELEASE, split="test")) == t.num_rows
    with pytest.raises(ValueError, match="unknown split 'dev'; choose one of"):
        claimset.load(table, RELEASE, split="dev")


def test_load_hf_split():
    dd = claimset.load_hf(RELEASE, tables=["claims"], split="fold-1")
    assert set(dd["claims"]["article_id"]) == set(sp.split_articles("fold-1"))


def test_sentences_keep_offsets_and_skip_boilerplate():
    art = make_records()["article"]
    got = [TEXT[a:b] for a, b in sentences(TEXT, art["boilerplate"])]
    assert got[0] == "Kirby\u00a0says Pyongyang sent shells" and "Advertisement:" not in " ".join(got)
    assert "North Korea denied it." in got


@pytest.mark.parametrize("name", BASELINES)
def test_baselines_are_valid_and_deterministic(name):
    recs = make_records()
    a = predict(name, [recs["article"]], recs["entities"])
    assert a == predict(name, [recs["article"]], recs["entities"]) and a
    preds = read_predictions(a, {recs["article"]["article_id"]: TEXT})
    assert "attribution" in preds.tasks and "typing" in preds.tasks
    if name == "reporting-rules":
        who = {c["content"][0]["text"]: c["claimant"]["entity_id"] for c in a}
        assert who.get("it") is None  # "North Korea denied it": the whole clause, not a pronoun
        assert "north-korea" in who.values() or "john-kirby" in who.values()


def test_committed_benchmark_table_is_current():
    expected = expected_doc(ROOT)
    assert expected is not None, f"{DOC} lost its benchmark-results markers"
    assert (ROOT / DOC).read_text(encoding="utf-8") == expected, "run `claimset benchmark` and commit docs/benchmark.md"


def test_cli_baseline_and_benchmark(tmp_path):
    r = CliRunner().invoke(app, ["baseline", "reporting-rules", "--split", "test", "--release", str(RELEASE)])
    assert r.exit_code == 0
    lines = [json.loads(x) for x in r.output.splitlines() if x.startswith("{")]
    assert lines and {c["article_id"] for c in lines} <= sp.split_articles("test")
    out = tmp_path / "p.jsonl"
    assert CliRunner().invoke(app, ["baseline", "author-sentences", "--out", str(out), "--release", str(RELEASE)]).exit_code == 0
    r = CliRunner().invoke(app, ["evaluate", str(out), "--split", "test", "--bootstrap", "0", "--release", str(RELEASE)])
    assert r.exit_code == 0 and "end-to-end" in r.output
    assert CliRunner().invoke(app, ["baseline", "oracle"]).exit_code == 2
    assert CliRunner().invoke(app, ["benchmark", "--root", str(tmp_path)]).exit_code == 2
