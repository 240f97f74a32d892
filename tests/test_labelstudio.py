"""Label Studio export and import without a server: the interface covers every claim field,
UTF-16 offsets convert exactly, the released claims round-trip byte for byte, and every refusal
names its task, annotation and region and writes nothing. (tests/test_labelstudio_server.py
does the same through a real Label Studio.)"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import typing
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pydantic import BaseModel

from claimset.labelstudio import config as C
from claimset.labelstudio.importer import ImportFailure, import_export
from claimset.labelstudio.offsets import OffsetError, Utf16Map, utf16_len
from claimset.labelstudio.tasks import export
from claimset.models import Claim
from claimset.validation.validate import validate

from conftest import ROOT, make_records, write_dataset

ARTICLES = sorted(p.name for p in (ROOT / "data" / "articles").iterdir() if (p / "claims.jsonl").is_file())
EMOJI_TEXT = (
    "Kirby\u00a0says \U0001F600 Pyongyang sent shells\n"
    "Advertisement:\n"
    "\U0001F4E6 \u201cNorth Korea sent over 1000 boxes \u2026 to Russia,\u201d Kirby said on 2 October.\n"
    "North Korea denied it.\n"
)


def repo_copy(dst: Path) -> Path:
    """The repository's sources (and the release's claim IDs, which add-claim numbering reads)."""
    shutil.copytree(ROOT / "data", dst / "data", ignore=shutil.ignore_patterns("agreement"))
    (dst / "release").mkdir()
    shutil.copy(ROOT / "release" / "claims.jsonl", dst / "release" / "claims.jsonl")
    return dst


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def as_javascript(obj):
    """What a browser sends back: 1000.0 becomes 1000 (JavaScript has one number type)."""
    if isinstance(obj, dict):
        return {k: as_javascript(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [as_javascript(v) for v in obj]
    if isinstance(obj, float) and obj.is_integer():
        return int(obj)
    return obj


def ls_export(out: Path, annotate=None, annotations: int = 1) -> list[dict]:
    """A Label Studio JSON export of the exported tasks, each annotated by accepting its
    pre-annotations (then `annotate(article_id, result)` may change them)."""
    tasks = []
    for i, f in enumerate(sorted((out / "tasks").glob("*.json"))):
        (task,) = json.loads(f.read_text(encoding="utf-8"))
        task = {"id": 10 + i, **task, "annotations": []}
        for a in range(annotations):
            result = as_javascript(copy.deepcopy(task["predictions"][0]["result"]))
            for item in result:  # the editor keeps choices in its own order
                if item.get("type") == "choices":
                    item["value"]["choices"] = list(reversed(item["value"]["choices"]))
            if annotate:
                result = annotate(task["data"]["article_id"], result) or result
            task["annotations"].append({"id": 100 * (i + 1) + a, "completed_by": {"id": a + 1, "email": f"annotator{a + 1}@example.org"},
                                        "result": result, "was_cancelled": False})
        tasks.append(task)
    return tasks


def write_export(tmp_path: Path, tasks) -> Path:
    p = tmp_path / "export.json"
    p.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return p


# --- the interface --------------------------------------------------------------------------------


def _leaves(model: type[BaseModel], prefix: str = "") -> set[str]:
    out = set()
    for name, f in model.model_fields.items():
        inner = [a for a in typing.get_args(f.annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        inner += [a for arg in typing.get_args(f.annotation) for a in typing.get_args(arg) if isinstance(a, type) and issubclass(a, BaseModel)]
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            inner.append(ann)
        if inner:
            out |= _leaves(inner[0], f"{prefix}{name}.")
        else:
            out.add(prefix + name)
    return out


# Where each claim field is in the interface: a region label (its span), or a control.
COVERAGE = {
    "claim_id": "claim_id", "article_id": "task data", "content.start": C.CONTENT, "content.end": C.CONTENT, "content.text": C.CONTENT,
    "claim": "claim", "claimant.kind": "claimant", "claimant.entity_id": "claimant", "claimant.name": C.CLAIMANT,
    "claimant.mention.start": C.CLAIMANT, "claimant.mention.end": C.CLAIMANT, "claimant.mention.text": C.CLAIMANT,
    "source_chain.kind": "relay_entity", "source_chain.entity_id": "relay_entity", "source_chain.name": C.RELAY,
    "source_chain.mention.start": C.RELAY, "source_chain.mention.end": C.RELAY, "source_chain.mention.text": C.RELAY,
    "cue.start": C.CUE, "cue.end": C.CUE, "cue.text": C.CUE, "statement_date": "statement_date",
    "factuality.certainty": "certainty", "factuality.polarity": "polarity", "conditional": "conditional",
    "hedges.start": C.HEDGE, "hedges.end": C.HEDGE, "hedges.text": C.HEDGE, "evidence.cited": "cited",
    "evidence.corroboration": "corroboration", "evidence.corroboration_spans.start": C.CORROBORATION,
    "evidence.corroboration_spans.end": C.CORROBORATION, "evidence.corroboration_spans.text": C.CORROBORATION,
    "claim_types": "claim_types", "event.type": "event_type", "event.agent": "event_agent", "event.recipient": "event_recipient",
    "event.item": "event_item", "event.item_entity_id": "event_item_entity", "event.date": "event_date",
    "event.location.name": "event_location_name", "event.location.text": "event_location_text", "event.location.entity_id": "event_location_entity",
    "annotator": "annotator",
}
for _k in ("span.start", "span.end", "span.text", "value", "lower", "upper", "unit", "per", "qualifier", "approximate"):
    _ctl = C.QUANTITY if _k.startswith("span") else "q_" + _k
    COVERAGE[f"quantities.{_k}"] = _ctl
    COVERAGE[f"event.quantity.{_k}"] = _ctl if _k.startswith("span") else "q_role"


def test_config_covers_every_claim_field(tmp_path):
    repo = repo_copy(tmp_path / "repo")
    export(repo, [], tmp_path / "ls")
    xml = (tmp_path / "ls" / "labeling-config.xml").read_text(encoding="utf-8")
    tree = ET.fromstring(xml)
    assert _leaves(Claim) == set(COVERAGE), "a claim field without a place in the interface (or a stale entry here)"
    controls = {e.get("name"): e for e in tree.iter() if e.get("name")}
    labels = {e.get("value") for e in controls[C.SPAN].iter("Label")}
    for fld, where in COVERAGE.items():
        assert where in labels or where in controls or where == "task data", fld
    for name, options in C.OPTIONS.items():
        assert [c.get("value") for c in controls[name].iter("Choice")] == options
    assert [c.get("value") for c in controls["certainty"].iter("Choice")] == list(typing.get_args(typing.get_type_hints(Claim)["factuality"].model_fields["certainty"].annotation))
    entities = sorted(p.stem for p in (repo / "data" / "entities").glob("*.json"))
    assert [c.get("value") for c in controls["claimant"].iter("Choice")] == ["author", *entities]
    assert [c.get("value") for c in controls["relay_entity"].iter("Choice")] == entities
    assert tree.find("Relations") is not None and controls[C.TEXT].tag == "Text"
    for name in C.PER_REGION:
        assert controls[name].get("perRegion") == "true", name


# --- offsets --------------------------------------------------------------------------------------


def test_utf16_offsets_round_trip_outside_the_bmp():
    text = "a\U0001F600b\u00e9\U0001F4E6\U0001F4E6c"
    m = Utf16Map(text)
    assert m.length16 == len(text.encode("utf-16-le")) // 2 == utf16_len(text) == 10
    for cp in range(len(text) + 1):
        u = m.to_utf16(cp)
        assert u == len(text[:cp].encode("utf-16-le")) // 2
        assert m.to_codepoint(u) == cp
    for inside in (2, 6, 8):  # between the two halves of a surrogate pair
        with pytest.raises(OffsetError, match="inside the character"):
            m.to_codepoint(inside)
    with pytest.raises(OffsetError):
        m.to_codepoint(11)


def test_article_with_emoji_round_trips_exactly(tmp_path):
    repo = write_dataset(tmp_path / "repo", make_records(EMOJI_TEXT))
    (repo / "release").mkdir()
    assert validate([repo / "data"], root=repo).ok
    before = snapshot(repo / "data")
    export(repo, [], tmp_path / "ls")
    (task,) = json.loads((tmp_path / "ls" / "tasks" / "tiny-2023-10.json").read_text(encoding="utf-8"))
    cue = next(r for r in task["predictions"][0]["result"] if r.get("id") == "c001-cue")
    units = EMOJI_TEXT.encode("utf-16-le")
    assert units[2 * cue["value"]["start"] : 2 * cue["value"]["end"]].decode("utf-16-le") == "said"
    assert cue["value"]["start"] == EMOJI_TEXT.index("said") + 2  # two emoji before it
    result = import_export(repo, write_export(tmp_path, ls_export(tmp_path / "ls")))
    assert snapshot(repo / "data") == before and result.claims
    passes = tmp_path / "passes"
    import_export(repo, write_export(tmp_path, ls_export(tmp_path / "ls")), passes_dir=passes)
    assert (passes / "annotator1" / "tiny-2023-10.claims.jsonl").read_bytes() == before["articles/tiny-2023-10/claims.jsonl"]


# --- the round trip of the released claims ----------------------------------------------------------


def test_released_claims_round_trip_byte_identical(tmp_path):
    repo = repo_copy(tmp_path / "repo")
    before = snapshot(repo / "data")
    export(repo, [], tmp_path / "ls")
    tasks = ls_export(tmp_path / "ls")
    assert sorted(t["data"]["article_id"] for t in tasks) == ARTICLES
    result = import_export(repo, write_export(tmp_path, tasks))
    assert snapshot(repo / "data") == before
    assert all(c["changed"] == c["new"] == c["removed"] == 0 for c in result.claims.values())
    # Written afresh into an empty folder (no file to compare with), the bytes are the same.
    import_export(repo, write_export(tmp_path, tasks), passes_dir=tmp_path / "passes")
    for aid in ARTICLES:
        assert (tmp_path / "passes" / "annotator1" / f"{aid}.claims.jsonl").read_bytes() == before[f"articles/{aid}/claims.jsonl"], aid


def _fields(result, rid):
    return {r["from_name"]: r for r in result if r.get("id") == rid and r["type"] != "labels"}


def test_changed_and_new_claims(tmp_path):
    repo = repo_copy(tmp_path / "repo")
    aid = "wh-accuses-nk-artillery-shells-2022-11"
    path = repo / "data" / "articles" / aid / "claims.jsonl"
    old = path.read_text(encoding="utf-8").splitlines()
    export(repo, [aid], tmp_path / "ls")
    text = (repo / "data" / "articles" / aid / "text.txt").read_text(encoding="utf-8")
    said = text.index("North Korea")

    def annotate(_aid, result):
        _fields(result, "c002-content0")["certainty"]["value"]["choices"] = ["probable"]
        region = {"start": said, "end": said + len("North Korea"), "text": "North Korea"}
        result.append({"id": "new1", "from_name": "span", "to_name": "text", "type": "labels", "value": {**region, "labels": ["Content"]}})
        for name, kind, value in (("claim", "textarea", {"text": ["North Korea is named in the article."]}), ("claimant", "choices", {"choices": ["author"]}),
                                  ("claim_types", "choices", {"choices": ["position"]}), ("annotator", "textarea", {"text": ["ann-c"]})):
            result.append({"id": "new1", "from_name": name, "to_name": "text", "type": kind, "value": {"start": region["start"], "end": region["end"], **value}})

    import_export(repo, write_export(tmp_path, ls_export(tmp_path / "ls", annotate)))
    new = path.read_text(encoding="utf-8").splitlines()
    assert len(new) == len(old) + 1
    assert [line for i, line in enumerate(new[: len(old)]) if line != old[i]] == [new[1]]
    assert json.loads(new[1])["factuality"]["certainty"] == "probable"
    added = json.loads(new[-1])
    last = max(int(json.loads(line)["claim_id"].rsplit("-c", 1)[1]) for line in (ROOT / "release" / "claims.jsonl").read_text().splitlines() if aid in line)
    assert added["claim_id"] == f"{aid}-c{max(last, len(old)) + 1:03d}"
    assert added["source_chain"] == [{"kind": "author", "entity_id": None, "name": "author", "mention": None}]
    assert validate([repo / "data"], root=repo).ok


# --- refusals -------------------------------------------------------------------------------------------


def _refused(repo, tmp_path, tasks, **kw) -> str:
    before = snapshot(repo)
    with pytest.raises(ImportFailure) as e:
        import_export(repo, write_export(tmp_path, tasks), **kw)
    assert snapshot(repo) == before, "something was written"
    assert e.value.exit_code == 1
    return "\n".join(e.value.lines)


def test_region_across_boilerplate_is_refused(tmp_path):
    repo = write_dataset(tmp_path / "repo", make_records())
    export(repo, [], tmp_path / "ls")
    ad = make_records()["article"]["text"].index("Advertisement:")

    def annotate(_aid, result):
        reg = next(r for r in result if r.get("id") == "c002-content0" and r["type"] == "labels")
        reg["value"].update(start=ad - 7, end=ad + 5, text=make_records()["article"]["text"][ad - 7 : ad + 5])

    msg = _refused(repo, tmp_path, ls_export(tmp_path / "ls", annotate))
    assert "task 10, annotation 100, region c002-content0: Content span" in msg and "boilerplate (advert" in msg


def test_missing_claimant_is_refused(tmp_path):
    repo = write_dataset(tmp_path / "repo", make_records())
    export(repo, [], tmp_path / "ls")

    def annotate(_aid, result):
        return [r for r in result if not (r.get("id") == "c001-content0" and r.get("from_name") == "claimant")]

    msg = _refused(repo, tmp_path, ls_export(tmp_path / "ls", annotate))
    assert "task 10, annotation 100, region c001-content0: claimant: no claimant chosen; choose the claimant entity" in msg


def test_everything_checked_before_anything_is_written(tmp_path):
    """Two articles, a problem in the second: the first is not written either."""
    repo = repo_copy(tmp_path / "repo")
    export(repo, [], tmp_path / "ls")

    def annotate(aid, result):
        for r in result:
            if r.get("from_name") == "certainty":
                r["value"]["choices"] = ["sure"] if aid == ARTICLES[-1] else ["possible"]

    msg = _refused(repo, tmp_path, ls_export(tmp_path / "ls", annotate))
    assert "factuality.certainty" in msg and "'sure'" in msg and f"task {10 + len(ARTICLES) - 1}," in msg


def test_stray_region_and_bad_offsets_are_refused(tmp_path):
    repo = write_dataset(tmp_path / "repo", make_records(EMOJI_TEXT))
    export(repo, [], tmp_path / "ls")
    e = EMOJI_TEXT.index("\U0001F600")

    def annotate(_aid, result):
        result.append({"id": "stray", "from_name": "span", "to_name": "text", "type": "labels", "value": {"start": 0, "end": 5, "text": "Kirby", "labels": ["Hedge"]}})
        result.append({"id": "half", "from_name": "span", "to_name": "text", "type": "labels", "value": {"start": e + 1, "end": e + 3, "labels": ["Cue"]}})

    msg = _refused(repo, tmp_path, ls_export(tmp_path / "ls", annotate))
    assert "region stray: Hedge: 'Kirby' belongs to no claim" in msg
    assert "region half: Cue span: position" in msg and "between its two UTF-16 halves" in msg


def test_several_annotations_import_as_passes(tmp_path):
    repo = write_dataset(tmp_path / "repo", make_records())
    export(repo, [], tmp_path / "ls")
    tasks = ls_export(tmp_path / "ls", annotations=2)
    tasks[0]["annotations"][1]["result"] = [r for r in tasks[0]["annotations"][1]["result"] if not str(r.get("id", r.get("from_id"))).startswith("c002")]
    before = snapshot(repo)
    with pytest.raises(ImportFailure) as e:
        import_export(repo, write_export(tmp_path, tasks))
    assert e.value.exit_code == 2 and "--passes-dir" in e.value.lines[0] and snapshot(repo) == before
    passes = tmp_path / "passes"
    import_export(repo, write_export(tmp_path, tasks), passes_dir=passes)
    assert snapshot(repo) == before
    a, b = passes / "annotator1", passes / "annotator2"
    assert len((a / "tiny-2023-10.claims.jsonl").read_text().splitlines()) == 3
    assert len((b / "tiny-2023-10.claims.jsonl").read_text().splitlines()) == 2
    r = subprocess.run([sys.executable, "-m", "claimset", "agree", str(a), str(b), "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)


# --- the command line and the output guard ----------------------------------------------------------


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "claimset", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_out_guard(tmp_path):
    repo = repo_copy(tmp_path / "repo")
    (repo / ".git").mkdir()
    for bad in (".", "data", "data/x"):
        r = _cli("export", "label-studio", "--out", bad, cwd=repo)
        assert r.returncode == 2 and r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1, r.stderr
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    r = _cli("export", "label-studio", "--out", str(busy), cwd=repo)
    assert r.returncode == 2 and "not empty" in r.stderr and (busy / "notes.txt").read_text() == "mine"
    out = tmp_path / "ls"
    for _ in range(2):  # an earlier export is replaced
        r = _cli("export", "label-studio", ARTICLES[0], "--out", str(out), cwd=repo)
        assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (out / "tasks").iterdir()) == [f"{ARTICLES[0]}.json"]
    (out / "extra.txt").write_text("x")
    assert _cli("export", "label-studio", "--out", str(out), cwd=repo).returncode == 2


def test_import_cli_exit_codes(tmp_path):
    repo = write_dataset(tmp_path / "repo", make_records())
    export(repo, [], tmp_path / "ls")
    good = write_export(tmp_path, ls_export(tmp_path / "ls"))
    r = _cli("import", "label-studio", str(good), cwd=repo)
    assert r.returncode == 0 and "3 unchanged" in r.stdout, r.stdout + r.stderr
    (tmp_path / "junk.json").write_text("{not json")
    r = _cli("import", "label-studio", str(tmp_path / "junk.json"), cwd=repo)
    assert r.returncode == 2 and "not JSON" in r.stderr and "Traceback" not in r.stderr
    tasks = ls_export(tmp_path / "ls")
    tasks[0]["annotations"][0]["result"] = [x for x in tasks[0]["annotations"][0]["result"] if x.get("from_name") != "claim_types"]
    r = _cli("import", "label-studio", str(write_export(tmp_path, tasks)), cwd=repo)
    assert r.returncode == 1 and "claim_types: no claim type" in r.stderr and "nothing was written" in r.stderr
