"""The benchmark scorer on hand-computed cases, its edge cases, and what `claimset agree` shares with it."""

from __future__ import annotations

import copy
import json

import pytest

from claimset.benchmark.agree import agree
from claimset.benchmark.matching import match
from claimset.benchmark.metrics import cluster_counts, cluster_scores, macro_f1
from claimset.benchmark.scorer import TASKS, score
from collections import Counter

from conftest import ROOT

AUTHOR = {"kind": "author", "entity_id": None}


def ent(eid):
    return {"kind": "entity", "entity_id": eid}


def c(cid, spans, who=None, certainty="certain", polarity="positive", types=("event",), event=None, quantities=(), cluster=None, art="x"):
    src = ent(who) if who else AUTHOR
    return {
        "claim_id": cid,
        "article_id": art,
        "content": [{"start": s, "end": e} for s, e in spans],
        "claimant": src,
        "source_chain": [src, AUTHOR] if who else [AUTHOR],
        "factuality": {"certainty": certainty, "polarity": polarity},
        "conditional": False,
        "claim_types": list(types),
        "event": event,
        "quantities": list(quantities),
        "cluster_id": cluster,
    }


def test_spans_by_hand():
    gold = [c("g1", [(0, 10)]), c("g2", [(20, 30)]), c("g3", [(40, 50)]), c("g4", [(60, 70)])]
    pred = [c("p1", [(0, 10)]), c("p2", [(25, 35)]), c("p3", [(80, 90)])]
    o = score(gold, pred, samples=0).overall
    # exact: g1=p1 -> P 1/3, R 1/4, F1 2/7 ; overlap: + g2-p2 -> P 2/3, R 1/2, F1 4/7
    assert (o["span_exact.precision"], o["span_exact.recall"]) == pytest.approx((1 / 3, 1 / 4))
    assert o["span_exact.f1"] == pytest.approx(2 / 7)
    assert o["span_overlap.f1"] == pytest.approx(4 / 7)


def test_attributes_and_end_to_end_by_hand():
    gold = [c("g1", [(0, 10)], who="us"), c("g2", [(20, 30)], who="us", certainty="probable"), c("g3", [(40, 50)], polarity="negative")]
    pred = [c("p1", [(0, 10)], who="us"), c("p2", [(20, 30)], who="nk", certainty="probable"), c("p3", [(40, 50)])]
    o = score(gold, pred, samples=0).overall
    assert o["claimant.accuracy"] == pytest.approx(2 / 3)
    # claimant labels: gold us,us,author  pred us,nk,author -> F1 us 2/3, nk 0, author 1 -> 5/9
    assert o["claimant.macro_f1"] == pytest.approx((2 / 3 + 0 + 1) / 3)
    assert o["end_to_end_exact.f1"] == pytest.approx(2 / 3)
    assert o["certainty.accuracy"] == 1.0 and o["polarity.accuracy"] == pytest.approx(2 / 3)
    assert macro_f1(Counter({("a", "a"): 1, ("b", "a"): 1})) == pytest.approx((2 / 3 + 0) / 2)


def test_typing_events_quantities_by_hand():
    q = {"value": 1000.0, "lower": 1000.0, "upper": None, "unit": "box"}
    ev = {"type": "arms_transfer", "agent": "nk", "recipient": "ru"}
    gold = [c("g1", [(0, 10)], types=("event", "quantity"), event=ev, quantities=[q]), c("g2", [(20, 30)], types=("position",))]
    pred = [c("p1", [(0, 10)], types=("event",), event={**ev, "recipient": None}, quantities=[{**q, "unit": "Box"}, {**q, "value": 5.0}]), c("p2", [(20, 30)], types=("position",))]
    o = score(gold, pred, samples=0).overall
    assert o["claim_types.accuracy"] == 0.5
    # per type: event F1 1, quantity F1 0 (gold yes, pred no), position 1 -> mean 2/3
    assert o["claim_types.macro_f1"] == pytest.approx(2 / 3)
    assert o["event_type.accuracy"] == 1.0 and o["event_agent.accuracy"] == 1.0 and o["event_recipient.accuracy"] == 0.0
    assert o["event_agent.pairs"] == 1  # participants only where the gold claim has an event
    # quantities: 1 of 2 predicted tuples right (unit case-insensitive), 1 of 1 gold found
    assert (o["quantities.precision"], o["quantities.recall"]) == (0.5, 1.0)


def test_clusters_by_hand():
    # items 1..4: gold {1,2,3} {4}; pred {1,2} {3,4}
    cnt = cluster_counts(["a", "a", "a", "b"], ["x", "x", "y", "y"])
    s = cluster_scores(cnt)
    # B-cubed P: 1, 1, 1/2, 1/2 -> 3/4 ; R: 2/3, 2/3, 1/3, 1 -> 2/3
    assert (s["bcubed_precision"], s["bcubed_recall"]) == pytest.approx((3 / 4, 2 / 3))
    # pairs: gold 3, pred 2, shared 1 (1-2)
    assert (s["pairwise_precision"], s["pairwise_recall"]) == pytest.approx((1 / 2, 1 / 3))
    gold = [c("g1", [(0, 5)]), c("g2", [(10, 15)]), c("g3", [(20, 25)], art="y")]
    pred = [c("p1", [(0, 5)], cluster="k"), c("p2", [(10, 15)]), c("p3", [(20, 25)], cluster="k", art="y")]
    o = score(gold, pred, tasks=TASKS, gold_clusters={"g1": "A", "g3": "A"}, samples=0).overall
    # across articles: gold {g1,g3}{g2}, pred {p1,p3}{p2} -> perfect
    assert o["clusters.bcubed_f1"] == 1.0 and o["clusters.pairwise_f1"] == 1.0


def test_empty_predictions_and_empty_articles():
    gold = [c("g1", [(0, 10)]), c("g2", [(20, 30)])]
    o = score(gold, [], samples=0).overall
    assert (o["span_overlap.precision"], o["span_overlap.recall"], o["span_overlap.f1"]) == (0.0, 0.0, 0.0)
    assert o["claims.predicted"] == 0
    both_empty = score([], [], articles=["x"], samples=0).overall
    assert both_empty["span_exact.f1"] == 1.0  # nothing to find, nothing predicted
    # an article in scope without predictions lowers recall; predictions outside scope are ignored
    o = score(gold + [c("h1", [(0, 4)], art="y")], [c("p", [(0, 10)]), c("q", [(0, 3)], art="z")], articles=["x", "y"], samples=0).overall
    assert (o["matched.overlap"], o["claims.gold"], o["claims.predicted"]) == (1, 3, 1)


def test_overlapping_predictions_compete_for_one_gold_claim():
    gold = [c("g1", [(0, 20)])]
    pred = [c("p1", [(0, 12)]), c("p2", [(5, 20)]), c("p3", [(0, 20)])]
    pairs = match(gold, pred, exact=False)
    assert [p["claim_id"] for _, p in pairs] == ["p3"]  # largest Jaccard wins, one-to-one
    o = score(gold, pred, samples=0).overall
    assert (o["span_overlap.precision"], o["span_overlap.recall"]) == pytest.approx((1 / 3, 1.0))


def test_discontinuous_spans():
    gold = [c("g1", [(0, 5), (10, 20)])]
    assert score(gold, [c("p", [(10, 20), (0, 5)])], samples=0).overall["span_exact.f1"] == 1.0  # order of spans is no matter
    whole = score(gold, [c("p", [(0, 20)])], samples=0).overall
    assert whole["span_exact.f1"] == 0.0 and whole["span_overlap.f1"] == 1.0
    split = score(gold, [c("p", [(0, 5), (10, 15), (15, 20)])], samples=0).overall
    assert split["span_exact.f1"] == 0.0 and split["span_overlap.f1"] == 1.0


@pytest.fixture(scope="module")
def release_gold():
    from claimset.benchmark.evaluation import load_gold

    return load_gold(ROOT / "release")


def _floats(overall):
    return {k: v for k, v in overall.items() if isinstance(v, float)}


def test_gold_against_itself_is_perfect(release_gold):
    g = release_gold
    ev = score(g.claims, copy.deepcopy(g.claims), tasks=TASKS, gold_clusters=g.clusters, pred_clusters=g.clusters, samples=50)
    assert ev.overall["claims.gold"] > 0
    bad = {k: v for k, v in _floats(ev.overall).items() if v != 1.0}
    assert not bad, bad
    assert all(lo == hi == 1.0 for lo, hi in ev.ci.values())


def _perturb(claims, kind):
    out = copy.deepcopy(claims)
    victim = next(x for x in out if x["claimant"]["kind"] == "entity" and x["event"] and x["quantities"])
    if kind == "shift span":
        victim["content"][0]["start"] += 1
    elif kind == "drop claim":
        out.remove(victim)
    elif kind == "add claim":
        out.append({**copy.deepcopy(victim), "claim_id": "extra", "content": [{"start": 0, "end": 3, "text": None}]})
    elif kind == "claimant":
        victim["claimant"] = {**victim["claimant"], "entity_id": "someone-else"}
    elif kind == "source chain":
        victim["source_chain"] = victim["source_chain"][-1:]
    elif kind == "certainty":
        victim["factuality"] = {**victim["factuality"], "certainty": "possible" if victim["factuality"]["certainty"] != "possible" else "certain"}
    elif kind == "polarity":
        victim["factuality"] = {**victim["factuality"], "polarity": "negative" if victim["factuality"]["polarity"] == "positive" else "positive"}
    elif kind == "conditional":
        victim["conditional"] = not victim["conditional"]
    elif kind == "claim types":
        victim["claim_types"] = ["prediction"]
    elif kind == "event type":
        victim["event"] = {**victim["event"], "type": "meeting" if victim["event"]["type"] != "meeting" else "sanction"}
    elif kind == "event agent":
        victim["event"] = {**victim["event"], "agent": "someone-else"}
    elif kind == "quantity":
        victim["quantities"] = [{**victim["quantities"][0], "value": 123456.0}]
    elif kind == "cluster":
        victim["cluster_id"] = "a-new-cluster"
    return out


PERTURBATIONS = {
    "shift span": "span_exact.f1",
    "drop claim": "span_overlap.recall",
    "add claim": "span_overlap.precision",
    "claimant": "end_to_end_overlap.f1",
    "source chain": "source_chain.accuracy",
    "certainty": "certainty.accuracy",
    "polarity": "polarity.accuracy",
    "conditional": "conditional.accuracy",
    "claim types": "claim_types.macro_f1",
    "event type": "event_type.accuracy",
    "event agent": "event_agent.accuracy",
    "quantity": "quantities.f1",
    "cluster": "clusters.bcubed_f1",
}


@pytest.mark.parametrize("kind", list(PERTURBATIONS))
def test_every_perturbation_lowers_the_score(release_gold, kind):
    g = release_gold
    clusters = {k: v for k, v in g.clusters.items()}
    pred = _perturb(g.claims, kind)
    ev = score(g.claims, pred, tasks=TASKS, gold_clusters=g.clusters, pred_clusters=clusters, samples=0)
    metric = PERTURBATIONS[kind]
    assert ev.overall[metric] < 1.0, (kind, metric, ev.overall[metric])


def test_bootstrap_is_deterministic(release_gold):
    g = release_gold
    pred = [x for i, x in enumerate(g.claims) if i % 3]
    a = score(g.claims, pred, samples=200, seed=7).ci
    b = score(g.claims, pred, samples=200, seed=7).ci
    assert a == b and a["span_overlap.recall"][0] <= a["span_overlap.recall"][1]
    assert score(g.claims, pred, samples=0).ci == {}


def test_agree_is_the_scorer_with_a_as_gold():
    gold = [c("g1", [(0, 10)], who="us"), c("g2", [(20, 30)]), c("g3", [(40, 50)])]
    pred = [c("p1", [(0, 10)], who="nk"), c("p2", [(22, 30)])]
    ag = agree(gold, pred)
    o = score(gold, pred, samples=0).overall
    assert ag.exact.f1 == pytest.approx(o["span_exact.f1"]) and ag.overlap.f1 == pytest.approx(o["span_overlap.f1"])
    d = ag.as_dict()
    assert d["attributes"]["claimant"]["accuracy"] == pytest.approx(o["claimant.accuracy"]) == 0.5
    assert d["clusters"] is None  # no clusters file on either side


def test_agree_reads_clusters_and_several_annotators(tmp_path):
    from claimset.benchmark.agreement import read_pass

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    ga = [c("x-c1", [(0, 5)]), c("x-c2", [(10, 15)]), c("y-c1", [(0, 5)], art="y")]
    bx = [{**c("x-c1", [(0, 5)]), "annotator": "ann-d"}, {**c("x-c2", [(10, 15)]), "annotator": "ann-d"}]
    by = [{**c("y-c1", [(0, 5)], art="y"), "annotator": "ann-e"}]
    for folder, name, rows in ((a, "x.claims.jsonl", ga[:2]), (a, "y.claims.jsonl", ga[2:]), (b, "x.claims.jsonl", bx), (b, "y.claims.jsonl", by)):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    (a / "clusters.jsonl").write_text(json.dumps({"cluster_id": "k", "proposition": "P.", "claim_ids": ["x-c1", "x-c2"]}) + "\n")
    (b / "clusters.jsonl").write_text(json.dumps({"cluster_id": "j", "proposition": "P.", "claim_ids": ["x-c1"]}) + "\n")
    ag = agree(read_pass([a]), read_pass([b]))
    d = ag.as_dict()
    assert set(d["annotators"]) == {"ann-d", "ann-e"} and ag.articles == ["x", "y"]
    # items x-c1, x-c2 (gold together; B: j and alone) + y-c1 (alone both): B-cubed P 1, R (1/2+1/2+1)/3
    assert d["clusters"]["bcubed_precision"] == 1.0 and d["clusters"]["bcubed_recall"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="more than one annotator"):
        agree(_two_annotators(bx), ga)  # the reference must hold one annotation per article


def _two_annotators(bx):
    from claimset.benchmark.agreement import Pass

    return Pass(bx + [{**bx[0], "annotator": "ann-z"}])
