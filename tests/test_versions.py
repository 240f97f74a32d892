"""Release diffs, bump rules and `claimset check-version`, on the tiny dataset and throwaway git repositories."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from claimset.publish.build import build
from claimset.cli.main import app
from claimset.publish.changelog import CHANGELOG_HEADING
from claimset.publish.versions import (
    DiffError,
    bumped,
    changed_paths,
    check_version,
    diff,
    last_release,
    read_release,
    release_of,
)

from conftest import TEXT, claims_path, make_records, span
from claimset.version import __version__ as V

from release_helpers import commit_all, copy_release, git, git_repo, read_jsonl, refresh_manifest, rewrite_table

# Versions come from version.py, never from the test: the suite holds at every release.
PATCH, MINOR, MAJOR = bumped(V, "patch"), bumped(V, "minor"), bumped(V, "major")

runner = CliRunner()


@pytest.fixture
def base(tiny, tmp_path):
    return build(tiny, tmp_path / "base").out


def _new_claim() -> dict:
    c = make_records()["claims"][2]
    return {**c, "claim_id": "tiny-2023-10-c003", "content": [span(TEXT, "North Korea denied it")]}


def add_claim(root) -> None:
    with open(claims_path(root), "a", encoding="utf-8") as f:
        f.write(json.dumps(_new_claim(), ensure_ascii=False) + "\n")


def edit_claim(root, cid: str, fn) -> None:
    p = claims_path(root)
    rows = read_jsonl(p)
    rows = [fn(r) if r["claim_id"] == cid else r for r in rows]
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


# --- bump rules -------------------------------------------------------------------------------------


def test_bumped():
    assert bumped("0.1.0", "major") == "1.0.0"
    assert bumped("0.1.3", "minor") == "0.2.0"
    assert bumped("1.4.2", "patch") == "1.4.3"
    assert bumped("1.4.2", "none") == "1.4.2"


def test_changed_paths():
    assert changed_paths({"a": 1000, "b": None}, {"a": 1000.0, "b": None}) == []
    assert changed_paths({"a": 1}, {"a": 1, "new": None}) == []  # a new empty field is no change
    assert changed_paths({"a": 1}, {"a": 1, "new": []}) == []
    assert changed_paths({"a": 1}, {"a": 1, "new": "x"}) == ["new"]
    assert changed_paths({"f": {"c": "certain"}}, {"f": {"c": "possible"}}) == ["f.c"]
    assert changed_paths({"s": [{"e": 1}]}, {"s": [{"e": 2}]}) == ["s[0].e"]
    assert changed_paths({"s": [1]}, {"s": [1, 2]}) == ["s"]
    assert changed_paths({"b": False}, {"b": 0}) == ["b"]


def test_identical_releases_need_no_bump(tiny, base, tmp_path):
    again = build(tiny, tmp_path / "again").out
    d = diff(read_release(base), read_release(again))
    assert d.level == "none" and d.reasons == [] and d.required_version == V
    assert all(t.empty for t in d.tables.values())


def test_added_record_is_minor(tiny, base, tmp_path):
    add_claim(tiny)
    d = diff(read_release(base), read_release(build(tiny, tmp_path / "new").out))
    assert d.level == "minor"
    assert d.tables["claims"].added == ["tiny-2023-10-c003"]
    assert not d.tables["claims"].changed and not d.tables["claims"].removed
    assert bumped(d.old_version, d.level) == d.required_version


def test_changed_record_is_major_with_fields(tiny, base, tmp_path):
    edit_claim(tiny, "tiny-2023-10-c001", lambda r: {**r, "factuality": {**r["factuality"], "certainty": "probable"}, "annotator": "x"})
    d = diff(read_release(base), read_release(build(tiny, tmp_path / "new").out))
    assert d.level == "major"
    assert d.tables["claims"].changed == {"tiny-2023-10-c001": ["factuality.certainty", "annotator"]}
    assert "claims: 1 existing record(s) changed" in d.reasons


def test_removed_record_is_major(tiny, base, tmp_path):
    p = claims_path(tiny)
    rows = [r for r in read_jsonl(p) if r["claim_id"] != "tiny-2023-10-c000"]
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    d = diff(read_release(base), read_release(build(tiny, tmp_path / "new").out))
    assert d.level == "major" and d.tables["claims"].removed == ["tiny-2023-10-c000"]


def test_serialisation_change_is_patch(base, tmp_path):
    new = copy_release(base, tmp_path / "new")
    rows = read_jsonl(new / "entities.jsonl")
    from claimset.models.schemas import arrow_schema

    rewrite_table(new, "entities", rows, schema=arrow_schema("entities"), compression="snappy")
    d = diff(read_release(base), read_release(new))
    assert d.level == "patch" and d.files == ["entities.parquet"]
    assert all(t.empty for t in d.tables.values())


def test_metadata_change_is_patch_but_a_version_bump_alone_is_not(base, tmp_path):
    new = copy_release(base, tmp_path / "new")
    man = json.loads((new / "manifest.json").read_text())
    man["version"] = PATCH
    (new / "manifest.json").write_text(json.dumps(man))
    (new / "croissant.json").write_text((new / "croissant.json").read_text().replace(V, PATCH))
    doc = json.loads((new / "croissant.json").read_text())
    assert doc["version"] == PATCH and f"Version {PATCH}" in doc["citeAs"]
    refresh_manifest(new)
    assert diff(read_release(base), read_release(new)).level == "none"
    doc["rai:dataBiases"] = doc["rai:dataBiases"] + ["A bias found later."]
    (new / "croissant.json").write_text(json.dumps(doc))
    refresh_manifest(new)
    d = diff(read_release(base), read_release(new))
    assert d.level == "patch" and d.metadata == ["croissant.json"]


def test_optional_field_added_is_minor_unless_existing_records_get_values(base, tmp_path):
    rows = read_jsonl(base / "clusters.jsonl")
    new = copy_release(base, tmp_path / "new")
    schema = read_release_schema(base, "clusters").append(pa.field("note", pa.string()))
    rewrite_table(new, "clusters", [{**r, "note": None} for r in rows], schema=schema)
    d = diff(read_release(base), read_release(new))
    assert d.level == "minor" and d.tables["clusters"].fields_added == ["note"]
    rewrite_table(new, "clusters", [{**r, "note": "checked"} for r in rows], schema=schema)
    d = diff(read_release(base), read_release(new))
    assert d.level == "major" and d.tables["clusters"].changed == {"nk-sent-boxes": ["note"]}


def test_removed_or_retyped_field_is_major(base, tmp_path):
    rows = read_jsonl(base / "entities.jsonl")
    new = copy_release(base, tmp_path / "new")
    rewrite_table(new, "entities", [{k: v for k, v in r.items() if k != "wikidata"} for r in rows])
    d = diff(read_release(base), read_release(new))
    assert d.level == "major" and "wikidata" in d.tables["entities"].fields_removed
    new2 = copy_release(base, tmp_path / "new2")
    schema = pa.schema([pa.field("entity_id", pa.large_string()) if f.name == "entity_id" else f for f in read_release_schema(base, "entities")])
    rewrite_table(new2, "entities", rows, schema=schema)
    d = diff(read_release(base), read_release(new2))
    assert d.level == "major" and d.tables["entities"].fields_retyped == ["entity_id: string -> large_string or null"]


def read_release_schema(folder, table):
    import pyarrow.parquet as pq

    return pq.read_schema(folder / f"{table}.parquet").remove_metadata()


# --- CLI diff, git revisions -------------------------------------------------------------------------


def test_cli_diff_two_release_folders(tiny, base, tmp_path):
    add_claim(tiny)
    edit_claim(tiny, "tiny-2023-10-c002", lambda r: {**r, "conditional": True})
    new = build(tiny, tmp_path / "new").out
    r = runner.invoke(app, ["diff", str(base), str(new)])
    assert r.exit_code == 0, r.output
    assert "claims: 1 added, 0 removed, 1 changed" in r.output
    assert "added tiny-2023-10-c003" in r.output and "changed tiny-2023-10-c002: conditional" in r.output
    assert f"required bump: MAJOR (from {V}: at least {MAJOR})" in r.output
    r = runner.invoke(app, ["diff", str(base), str(new), "--format", "json"])
    out = json.loads(r.output)
    assert out["bump"] == "major" and out["tables"]["claims"]["changed"] == {"tiny-2023-10-c002": ["conditional"]}
    assert runner.invoke(app, ["diff", str(tmp_path / "nowhere"), str(new), "--root", str(tmp_path)]).exit_code == 2


def test_diff_git_revisions(tiny):
    build(tiny)
    git_repo(tiny)
    add_claim(tiny)
    build(tiny)
    commit_all(tiny, "second")
    r = runner.invoke(app, ["diff", "HEAD~1", "HEAD", "--root", str(tiny)])
    assert r.exit_code == 0, r.output
    assert "claims: 1 added, 0 removed, 0 changed" in r.output and "required bump: MINOR" in r.output
    assert re.search(r"old: HEAD~1 \(release/ at [0-9a-f]{12}\)", r.output)
    # a revision without release/ is built from its data/
    git(tiny, "rm", "-r", "-q", "release")
    commit_all(tiny, "no release")
    with release_of("HEAD", tiny) as snap:
        assert "data/ at" in snap.label and len(snap.records["claims"]) == 4
    with pytest.raises(DiffError):
        with release_of("no-such-rev", tiny):
            pass


# --- check-version -----------------------------------------------------------------------------------


def test_check_version_against_the_committed_release(tiny):
    build(tiny)
    git_repo(tiny)
    assert last_release(tiny) == git(tiny, "rev-parse", "HEAD")  # the commit that set the version
    ok = check_version(tiny, version=V)
    assert ok.ok and ok.diff.level == "none", ok.problems
    add_claim(tiny)
    bad = check_version(tiny, version=V)
    assert not bad.ok and bad.diff.level == "minor"
    assert f"set __version__ in src/claimset/version.py to at least {MINOR} (it is {V})" in bad.problems[0]
    no_entry = check_version(tiny, version=MINOR)
    assert no_entry.problems == [f"CHANGELOG.md has no '## {MINOR}' entry"]
    (tiny / "CHANGELOG.md").write_text(f"# Changelog\n\n## {MINOR}\n\n- One claim added.\n\n## {V}\n\n- First.\n")
    assert check_version(tiny, version=MINOR).ok
    assert check_version(tiny, version=MAJOR).problems == [f"CHANGELOG.md has no '## {MAJOR}' entry"]
    edit_claim(tiny, "tiny-2023-10-c000", lambda r: {**r, "claim": "Pyongyang sent shells to Moscow."})
    major = check_version(tiny, version=MINOR)
    assert not major.ok and major.diff.level == "major" and f"at least {MAJOR}" in major.problems[0]


def test_check_version_uses_the_newest_release_tag(tiny):
    """Once the version is tagged, committing more records at that version is caught, whatever HEAD holds."""
    build(tiny)
    git_repo(tiny)
    git(tiny, "tag", f"v{V}")
    add_claim(tiny)
    build(tiny)
    commit_all(tiny, "more claims, no bump")
    assert last_release(tiny) == f"v{V}"
    result = check_version(tiny, version=V)
    assert not result.ok and result.baseline == f"v{V}" and result.diff.tables["claims"].added == ["tiny-2023-10-c003"]
    assert check_version(tiny, against="HEAD", version=V).ok  # HEAD already holds the change


def test_an_unbumped_change_is_caught_after_it_is_committed(tiny):
    """No tags: the baseline is the commit that set the version, not HEAD, so rebuilding and
    committing a changed released claim without a bump does not make it the new baseline."""
    build(tiny)
    git_repo(tiny)
    cut = git(tiny, "rev-parse", "HEAD")
    edit_claim(tiny, "tiny-2023-10-c000", lambda r: {**r, "claim": "Pyongyang sent shells to Moscow."})
    build(tiny)
    commit_all(tiny, "changed a released claim, rebuilt, no bump")
    assert last_release(tiny) == cut
    r = check_version(tiny, version=V)
    assert not r.ok and r.diff.level == "major" and f"at least {MAJOR}" in r.problems[0], r.problems
    assert check_version(tiny, against="HEAD", version=V).ok  # what 0.1.0 compared against: HEAD


def test_in_a_pull_request_the_baseline_is_the_merge_base(tiny, monkeypatch):
    build(tiny)
    git_repo(tiny)
    base = git(tiny, "rev-parse", "HEAD")
    git(tiny, "checkout", "-q", "-b", "contribution")
    add_claim(tiny)
    build(tiny)
    commit_all(tiny, "a new claim")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    assert last_release(tiny) == base
    r = check_version(tiny, version=V)
    assert not r.ok and f"at least {MINOR}" in r.problems[0]
    monkeypatch.setenv("GITHUB_BASE_REF", "no-such-branch")
    with pytest.raises(DiffError, match="fetch-depth"):
        last_release(tiny)


def test_check_version_changelog_rules(tiny):
    build(tiny)
    git_repo(tiny, changelog=f"# Changelog\n\n## [{MINOR}] - unreleased\n\n## {V}\n")
    r = check_version(tiny, version=V)
    assert r.problems == [f"CHANGELOG.md has entries for {MINOR}, newer than version.py's {V}"]
    assert CHANGELOG_HEADING.findall(f"## {V}\n## [1.2.3] - 2025-01-01\n## v2.0.0 (x)\n### 9.9.9\n") == [V, "1.2.3", "2.0.0"]


def test_check_version_cli_exit_codes(tiny):
    build(tiny)
    git_repo(tiny)
    (tiny / "src" / "claimset").mkdir(parents=True)
    (tiny / "src" / "claimset" / "version.py").write_text(f'__version__ = "{V}"\n')
    r = runner.invoke(app, ["check-version", "--root", str(tiny)])
    assert r.exit_code == 0, r.output
    assert f"sources equal the last release {V} (commit {git(tiny, 'rev-parse', 'HEAD')[:12]})" in r.output
    add_claim(tiny)
    r = runner.invoke(app, ["check-version", "--root", str(tiny)])
    assert r.exit_code == 1 and "MINOR change" in r.output and f"at least {MINOR}" in r.output
    (tiny / "src" / "claimset" / "version.py").write_text(f'__version__ = "{MINOR}"\n')
    (tiny / "CHANGELOG.md").write_text(f"# Changelog\n\n## {MINOR}\n\n- One claim added.\n\n## {V}\n")
    assert runner.invoke(app, ["check-version", "--root", str(tiny)]).exit_code == 0
    assert runner.invoke(app, ["check-version", "--root", str(tiny), "--against", "nope"]).exit_code == 2


def test_first_release_has_nothing_to_compare(tiny):
    (tiny / "CHANGELOG.md").write_text(f"# Changelog\n\n## {V}\n")
    git_repo(tiny, changelog=None)  # committed without release/
    assert last_release(tiny) is None
    r = check_version(tiny, version=V)
    assert r.ok and r.diff is None
