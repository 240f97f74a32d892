"""`claimset agree` on constructed cases whose figures were computed by hand."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from claimset.benchmark.agree import agree, cohen_kappa
from claimset.cli.main import app


def c(cid, spans, certainty="certain", polarity="positive", conditional=False, types=("event",), art="x"):
    return {
        "claim_id": cid,
        "article_id": art,
        "content": [{"start": s, "end": e, "text": ""} for s, e in spans],
        "factuality": {"certainty": certainty, "polarity": polarity},
        "conditional": conditional,
        "claim_types": list(types),
    }


A = [
    c("a1", [(0, 10)]),
    c("a2", [(20, 30)], types=("event",)),
    c("a3", [(40, 50)], certainty="probable", polarity="negative", types=("position",)),
    c("a4", [(60, 70)]),
]
B = [
    c("b1", [(0, 10)]),
    c("b2", [(22, 30)], certainty="probable", types=("position",)),
    c("b3", [(40, 45), (45, 50)], certainty="probable", polarity="negative", types=("position",)),
    c("b4", [(80, 90)]),
]


def test_span_scores_by_hand():
    ag = agree(A, B)
    # exact: only a1=b1 (b3 covers the same points but with two spans) -> 1 of 4 each way
    assert (ag.exact.matched, ag.exact.precision, ag.exact.recall, ag.exact.f1) == (1, 0.25, 0.25, 0.25)
    # overlap: a1-b1, a2-b2, a3-b3 -> 3 of 4
    assert (ag.overlap.matched, ag.overlap.precision, ag.overlap.recall) == (3, 0.75, 0.75)
    assert ag.overlap.f1 == pytest.approx(0.75)


def test_kappa_by_hand():
    ag = agree(A, B)
    # certainty over 3 pairs: A c,c,p  B c,p,p: po=2/3, pe=(2*1+1*2)/9=4/9, kappa=(2/9)/(5/9)=0.4
    assert ag.kappa["certainty"] == pytest.approx(0.4)
    # polarity: identical with both values used -> 1
    assert ag.kappa["polarity"] == pytest.approx(1.0)
    # conditional: everyone says False -> chance agreement 1 -> undefined
    assert ag.kappa["conditional"] is None
    # event as yes/no: A T,T,F  B T,F,F -> 0.4 ; position: A F,F,T  B F,T,T -> 0.4
    assert ag.kappa["claim_type:event"] == pytest.approx(0.4)
    assert ag.kappa["claim_type:position"] == pytest.approx(0.4)
    assert ag.kappa["claim_types (mean)"] == pytest.approx(0.4)


def test_cohen_kappa_textbook():
    # 2x2 table a=20 b=5 c=10 d=15 (n=50): po=0.7, pe=0.5*0.6+0.5*0.4=0.5, kappa=0.4
    x = ["y"] * 25 + ["n"] * 25
    y = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(x, y) == pytest.approx(0.4)
    assert cohen_kappa([], []) is None


def test_only_shared_articles_are_compared():
    ag = agree(A + [c("z1", [(0, 5)], art="other")], B)
    assert ag.articles == ["x"] and ag.overlap.n_a == 4


def test_cli_json(tmp_path):
    pa, pb = tmp_path / "a.claims.jsonl", tmp_path / "b.claims.jsonl"
    pa.write_text("".join(json.dumps(x) + "\n" for x in A))
    pb.write_text("".join(json.dumps(x) + "\n" for x in B))
    r = CliRunner().invoke(app, ["agree", str(pa), str(pb), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["span_overlap"]["matched"] == 3 and out["kappa"]["certainty"] == pytest.approx(0.4)
    assert CliRunner().invoke(app, ["agree", str(tmp_path / "none"), str(pb)]).exit_code == 2


def test_committed_agreement_report_is_current():
    from conftest import ROOT

    from claimset.benchmark.agree import stale

    assert stale(ROOT) == [], "docs/agreement.md or data/agreement/agreement.json is out of date: run `claimset agree --update`"


def _passes(tmp_path, b_claims):
    base = tmp_path / "data" / "agreement"
    (base / "first-pass").mkdir(parents=True)
    (base / "ann-x").mkdir()
    (base / "first-pass" / "x.claims.jsonl").write_text("".join(json.dumps(x) + "\n" for x in A))
    (base / "ann-x" / "x.claims.jsonl").write_text("".join(json.dumps(x) + "\n" for x in b_claims))
    (tmp_path / "docs").mkdir()
    from claimset.benchmark.agree import BEGIN, END

    (tmp_path / "docs" / "agreement.md").write_text(f"# Agreement\n\nprose\n\n{BEGIN}\n{END}\n\nmore prose\n")


def test_update_writes_the_figures_between_the_markers_and_check_sees_drift(tmp_path):
    _passes(tmp_path, B)
    runner = CliRunner()
    assert runner.invoke(app, ["agree", "--check", "--root", str(tmp_path)]).exit_code == 1
    r = runner.invoke(app, ["agree", "--update", "--root", str(tmp_path)])
    assert r.exit_code == 0 and "wrote docs/agreement.md" in r.output, r.output
    doc = (tmp_path / "docs" / "agreement.md").read_text()
    assert doc.startswith("# Agreement\n\nprose\n") and doc.endswith("\n\nmore prose\n")
    assert "| overlap | 4 | 4 | 3 | 0.750 | 0.750 | 0.750 |" in doc and "### `x` (second pass:" in doc
    stored = json.loads((tmp_path / "data" / "agreement" / "agreement.json").read_text())
    assert stored["span_overlap"]["matched"] == 3
    assert runner.invoke(app, ["agree", "--check", "--root", str(tmp_path)]).exit_code == 0
    _passes_changed = [dict(x, content=[{"start": 0, "end": 1, "text": "x"}]) for x in B[:1]]
    (tmp_path / "data" / "agreement" / "ann-x" / "x.claims.jsonl").write_text("".join(json.dumps(x) + "\n" for x in _passes_changed))
    r = runner.invoke(app, ["agree", "--check", "--root", str(tmp_path)])
    assert r.exit_code == 1 and "claimset agree --update" in r.output


def test_update_refuses_sets_and_a_repository_without_passes(tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["agree", "--update", "a", "b"]).exit_code == 2
    r = runner.invoke(app, ["agree", "--update", "--root", str(tmp_path)])
    assert r.exit_code == 2 and "first-pass" in r.output
    assert runner.invoke(app, ["agree"]).exit_code == 2
