"""croissant.json: valid Croissant 1.1, every field typed, RAI fields, loadable (hashes checked) by mlcroissant."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claimset.publish.build import build
from claimset.publish.card import render_blocks
from claimset.publish.verify import verify
from claimset.publish.croissant import CONFORMS_TO, croissant_text, plain
from claimset.loaders import load
from claimset.models import TABLES
from claimset.models.schemas import iter_fields

from conftest import ROOT

mlc = pytest.importorskip("mlcroissant")

RAI_REQUIRED = [
    "rai:dataLimitations",
    "rai:dataBiases",
    "rai:personalSensitiveInformation",
    "rai:dataUseCases",
    "rai:dataSocialImpact",
    "rai:hasSyntheticData",
    "rai:dataAnnotationProtocol",
    "rai:dataReleaseMaintenancePlan",
    "rai:dataCollection",
    "rai:dataPreprocessingProtocol",
]


@pytest.fixture
def release(tiny, tmp_path):
    return build(tiny, tmp_path / "release").out


def _doc(release):
    return json.loads((release / "croissant.json").read_text(encoding="utf-8"))


def _leaves(fields, out):
    for f in fields:
        if "subField" in f:
            _leaves(f["subField"], out)
        else:
            out[f["@id"]] = f
    return out


def _all_ids(fields, out):
    for f in fields:
        out.add(f["@id"])
        _all_ids(f.get("subField", []), out)
    return out


def test_metadata_validates_without_errors(release):
    ds = mlc.Dataset(jsonld=release / "croissant.json")
    assert not ds.metadata.ctx.issues.errors
    assert ds.metadata.ctx.is_v1_1()
    assert _doc(release)["conformsTo"] == CONFORMS_TO


def test_mlcroissant_validate_cli_on_committed_release():
    path = ROOT / "release" / "croissant.json"
    if not path.exists():
        pytest.skip("no committed release with croissant.json")
    exe = shutil.which("mlcroissant") or str(Path(sys.executable).with_name("mlcroissant"))
    r = subprocess.run([exe, "validate", "--jsonld", str(path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "error" not in (r.stdout + r.stderr).lower().replace("0 error", "")


def test_every_record_set_loads_through_mlcroissant(release):
    ds = mlc.Dataset(jsonld=release / "croissant.json")
    man = json.loads((release / "manifest.json").read_text())
    for table in TABLES:
        recs = list(ds.records(record_set=table))
        assert len(recs) == man["tables"][table]["rows"]
    claims = {r["claims/claim_id"].decode(): r for r in ds.records(record_set="claims")}
    ref = {c["claim_id"]: c for c in load("claims", release).to_pylist()}
    assert set(claims) == set(ref)
    for cid, rec in claims.items():
        content = [{k.rsplit("/", 1)[1]: v for k, v in span.items()} for span in rec["claims/content"]]
        assert [(int(s["start"]), int(s["end"]), s["text"].decode()) for s in content] == [
            (s["start"], s["end"], s["text"]) for s in ref[cid]["content"]
        ]
        assert rec["claims/claimant"]["claims/claimant/name"].decode() == ref[cid]["claimant"]["name"]
        assert rec["claims/factuality"]["claims/factuality/certainty"].decode() == ref[cid]["factuality"]["certainty"]
        assert [t.decode() for t in rec["claims/claim_types"]] == ref[cid]["claim_types"]
        assert rec["claims/conditional"] is ref[cid]["conditional"]


def test_mlcroissant_checks_the_hashes(release):
    p = release / "clusters.parquet"
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x01
    p.write_bytes(bytes(data))
    ds = mlc.Dataset(jsonld=release / "croissant.json")
    with pytest.raises(Exception, match=r"Download\(clusters.parquet\)"):
        list(ds.records(record_set="clusters"))


def test_distribution_hashes_every_data_file(release):
    doc, man = _doc(release), json.loads((release / "manifest.json").read_text())
    dist = {fo["contentUrl"]: fo for fo in doc["distribution"]}
    assert set(dist) == set(man["files"]) - {"croissant.json"}
    for name, fo in dist.items():
        assert fo["sha256"] == man["files"][name]["sha256"]
        assert fo["contentSize"] == f"{man['files'][name]['bytes']} B"
    assert dist["claims.parquet"]["encodingFormat"] == "application/x-parquet"


def test_every_model_field_is_a_typed_field(release):
    doc = _doc(release)
    sets = {rs["@id"]: rs for rs in doc["recordSet"]}
    splits = [f"{t}-{s}" for s in ("train", "test") for t in ("claims", "articles", "clusters")]  # the benchmark's
    assert list(sets) == list(TABLES) + [f"{t}-annotations-only" for t in TABLES] + splits  # the edition inside the release
    for table, model in TABLES.items():
        ids = _all_ids(sets[table]["field"], set())
        expected = {f"{table}/" + path.replace("[]", "").replace(".", "/") for path, _, _ in iter_fields(model)}
        assert ids == expected
        for fid, leaf in _leaves(sets[table]["field"], {}).items():
            assert leaf["dataType"] in {"sc:Text", "cr:Int64", "cr:Float64", "sc:Boolean"}, fid
    claims = {f["@id"]: f for f in sets["claims"]["field"]}
    assert claims["claims/content"]["isArray"] is True and {s["name"] for s in claims["claims/content"]["subField"]} == {"start", "end", "text"}
    certainty = next(s for s in claims["claims/factuality"]["subField"] if s["name"] == "certainty")
    assert certainty["source"] == {"fileObject": {"@id": "claims.parquet"}, "extract": {"column": "factuality"}, "transform": {"jsonPath": "certainty"}}
    assert "One of: certain, probable, possible, underspecified." in certainty["description"]
    corr = next(s for s in claims["claims/evidence"]["subField"] if s["name"] == "corroboration_spans")
    start = next(s for s in corr["subField"] if s["name"] == "start")
    assert start["source"]["transform"] == [{"jsonPath": "corroboration_spans"}, {"jsonPath": "start"}]
    assert sets["claims"]["key"] == {"@id": "claims/claim_id"}


def test_rai_fields_come_from_the_card_template(release):
    doc = _doc(release)
    for prop in RAI_REQUIRED:
        assert prop in doc and doc[prop] not in ("", [], None), prop
    assert doc["rai:hasSyntheticData"] is True  # real texts, AI-generated annotations: said plainly
    assert "AI language model" in " ".join(doc["rai:machineAnnotationTools"])
    assert "not human annotators" in " ".join(doc["rai:annotatorDemographics"])
    blocks = render_blocks(rows={t: 1 for t in TABLES}, edition="full", version="9.9.9")
    assert plain(blocks["personal_information"]) in doc["rai:personalSensitiveInformation"]
    limits = " ".join(doc["rai:dataLimitations"])
    assert "English only" in limits and "1 articles only" in limits
    assert "US government statements" in " ".join(doc["rai:dataBiases"])
    assert "aggregator" in " ".join(doc["rai:dataBiases"]).lower()
    assert doc["citeAs"].startswith("@misc{claimset,")


def test_croissant_is_deterministic_and_has_no_timestamp(tiny, tmp_path):
    a = build(tiny, tmp_path / "a").out / "croissant.json"
    b = build(tiny, tmp_path / "b").out / "croissant.json"
    assert a.read_bytes() == b.read_bytes()
    doc = json.loads(a.read_text())
    assert not {"dateCreated", "dateModified", "datePublished"} & set(doc)


def test_committed_croissant_is_what_build_generates():
    release = ROOT / "release"
    if not (release / "croissant.json").exists():
        pytest.skip("no committed release with croissant.json")
    man = json.loads((release / "manifest.json").read_text())
    rows = {t: m["rows"] for t, m in man["tables"].items()}
    files = {t: m["files"] for t, m in man["tables"].items()}
    from claimset.publish.croissant import project_url
    from claimset.publish.changelog import release_date

    expected = croissant_text(release, rows, files, man["edition"], man["version"], released=release_date(ROOT, man["version"]), url=project_url(), editions=man.get("editions"), splits=man.get("splits"))
    assert (release / "croissant.json").read_text(encoding="utf-8") == expected, "run `claimset build` and commit release/"


def test_release_date_version_citation_and_url(tiny, tmp_path):
    """citeAs is the card's BibTeX; version and datePublished come from the release: a CHANGELOG heading
    `## X.Y.Z (YYYY-MM-DD)` dates a version, an undated one (not cut yet) has no datePublished.
    No project URL is declared in pyproject.toml ([project.urls]), so `url` is left out."""
    from claimset.publish.croissant import project_url
    from claimset.version import __version__

    assert project_url() is None, "pyproject.toml now declares [project.urls]: croissant.json's `url` must be it"
    changelog = tiny / "CHANGELOG.md"
    changelog.write_text(f"# Changelog\n\n## Unreleased\n\n## {__version__}\n\n- notes\n", encoding="utf-8")
    doc = _doc(build(tiny, tmp_path / "undated").out)
    assert doc["version"] == __version__ and "datePublished" not in doc and "url" not in doc
    assert "year " not in doc["citeAs"] and f"version      = {{{__version__}}}" in doc["citeAs"]
    changelog.write_text(f"# Changelog\n\n## Unreleased\n\n## {__version__} (2026-12-05)\n\n- notes\n", encoding="utf-8")
    dated = build(tiny, tmp_path / "dated").out
    doc = _doc(dated)
    assert doc["datePublished"] == "2026-12-05" and doc["version"] == __version__
    blocks = render_blocks(rows={t: 1 for t in TABLES}, edition="full", version=__version__, released="2026-12-05")
    assert "date         = {2026-12-05}" in blocks["bibtex"] and "year         = {2026}" in blocks["bibtex"]
    assert doc["citeAs"].startswith("@misc{claimset,") and "date         = {2026-12-05}" in doc["citeAs"]
    assert verify(dated).ok



def test_annotations_only_record_sets_load_through_mlcroissant(release):
    """The annotations-only edition inside the release has its own record sets, typed like the tables."""
    ds = mlc.Dataset(jsonld=release / "croissant.json")
    man = json.loads((release / "manifest.json").read_text())
    ed = man["editions"]["annotations-only"]
    for table in TABLES:
        recs = list(ds.records(record_set=f"{table}-annotations-only"))
        assert len(recs) == ed["tables"][table]["rows"]
    (art,) = ds.records(record_set="articles-annotations-only")
    assert art["articles-annotations-only/text"] in (b"", None)
    claims = list(ds.records(record_set="claims-annotations-only"))
    assert all(s["claims-annotations-only/content/text"].decode().startswith("sha256:") for c in claims for s in c["claims-annotations-only/content"])
    dist = {d["@id"] for d in _doc(release)["distribution"]}
    assert {"annotations-only/claims.parquet", "annotations-only/text_fingerprints.jsonl"} <= dist
