"""What a hostile or careless pull request can put in the sources, and what claimset does with it.

Each test is a finding of the safety review (issue 11): it failed before the fix. Every input gets a
rule code, file, line and field, exit 1 (2 for usage and I/O), never a traceback, a hang or a file
read or written outside what the command was given.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimset.publish.build import BuildError, build
from claimset.cli.main import app
from claimset.validation.report import format_json, format_markdown, format_text
from claimset.validation.validate import Problem, Report, Validator, validate

from conftest import TEXT, claims_path, make_records, span, write_dataset

CLAIMS = "data/articles/tiny-2023-10/claims.jsonl"
ARTICLE = "data/articles/tiny-2023-10/article.json"


def both(root: Path, paths=None) -> list[Report]:
    """The streaming engine (one and two processes) and the reference validator."""
    paths = paths or [root / "data"]
    return [validate(paths, root=root, jobs=1), validate(paths, root=root, jobs=2), Validator(root).run(paths)]


def codes(report: Report) -> list[tuple[str, str, int, str]]:
    return [(p.code, p.file, p.line, p.field) for p in report.problems]


def write_claims_raw(root: Path, claims: list) -> None:
    claims_path(root).write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims), encoding="utf-8")


def cli(*args: str, cwd: Path, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "claimset", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


# --- crashes and hangs ------------------------------------------------------------------------------


def test_integral_float_offset_is_a_type_error_not_a_crash(tiny):
    recs = make_records()
    recs["claims"][1]["cue"]["start"] = float(recs["claims"][1]["cue"]["start"])  # 1268.0: a JSON Schema "integer"
    write_claims_raw(tiny, recs["claims"])
    for report in both(tiny):
        assert ("C301", CLAIMS, 2, "cue.start") in codes(report), codes(report)
        assert "expected integer" in report.problems[0].message
    with pytest.raises(BuildError):
        build(tiny)
    r = cli("build", cwd=tiny)
    assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr and "C301" in r.stdout + r.stderr


@pytest.mark.parametrize("bad", ["tiny-2023-10-c001\n", "tiny-2023-10-c001\n\n", "Tiny-2023-10-c001", "tiny-2023-10-c001 "])
def test_an_id_with_a_final_newline_fails_as_ajv_would(tiny, bad):
    recs = make_records()
    recs["claims"][1]["claim_id"] = bad
    recs["clusters"][0]["claim_ids"] = [recs["claims"][2]["claim_id"]]
    write_dataset(tiny, recs)
    for report in both(tiny):
        assert ("C305", CLAIMS, 2, "claim_id") in codes(report), codes(report)


@pytest.mark.parametrize("annotator", [" ann-a", "\u200bann-b", "ann\u00a0c", "ann-d\n", "ANN"])
def test_an_annotator_must_be_an_id(tiny, annotator):
    recs = make_records()
    recs["claims"][0]["annotator"] = annotator
    write_dataset(tiny, recs)
    for report in both(tiny):
        assert codes(report) == [("C305", CLAIMS, 1, "annotator")], codes(report)


def test_a_fifo_in_data_is_reported_not_waited_for(tiny):
    p = claims_path(tiny)
    p.unlink()
    os.mkfifo(p)
    (tiny / "data" / "entities" / "pipe.json").unlink(missing_ok=True)
    os.mkfifo(tiny / "data" / "entities" / "pipe.json")
    for args in (["validate"], ["validate", "-j", "2"], ["build"]):
        r = cli(*args, cwd=tiny, timeout=60)  # before the fix: blocked forever in open()
        out = r.stdout + r.stderr
        assert r.returncode == 1 and "Traceback" not in out, out
        assert f"{CLAIMS}:1:1: C101" in out and "not a regular file" in out
        assert "data/entities/pipe.json:1:1: C103" in out
        assert "C504" not in out  # its claims were not read: the cluster naming them is not a second fault


def test_a_fifo_given_as_a_path_is_reported(tmp_path):
    fifo = tmp_path / "claims.jsonl"
    os.mkfifo(fifo)
    r = cli("validate", str(fifo), cwd=tmp_path, timeout=60)
    assert r.returncode in (1, 2) and "Traceback" not in r.stdout + r.stderr
    assert "not a regular file" in r.stdout + r.stderr


def test_an_unreadable_article_folder_is_c101(tiny, monkeypatch):
    """Mode 000 (simulated: the tests may run as root, whom permissions do not stop)."""
    folder = str(tiny / "data" / "articles" / "tiny-2023-10")
    real_listdir, real_scandir = os.listdir, os.scandir

    def deny(path="."):
        if not isinstance(path, int) and os.fspath(path).rstrip("/") == folder:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return None

    monkeypatch.setattr(os, "listdir", lambda p=".": deny(p) or real_listdir(p))
    monkeypatch.setattr(os, "scandir", lambda p=".": deny(p) or real_scandir(p))
    for report in (validate([tiny / "data"], root=tiny, jobs=1), Validator(tiny).run([tiny / "data"])):
        assert codes(report) == [("C101", "data/articles/tiny-2023-10", 1, "")], codes(report)
        assert "cannot read the folder (Permission denied)" in report.problems[0].message


# --- injection ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>", "/relative/path", "https://example.org/a\u2028b",
     "https://exa mple.org", "https://", "ftp://example.org/x", " https://example.org"],
)  # fmt: skip
def test_urls_must_be_absolute_http(tiny, url):
    recs = make_records()
    recs["article"]["url"] = url
    write_dataset(tiny, recs)
    for report in both(tiny):
        assert [(c, f, fld) for c, f, _, fld in codes(report)] == [("C307", ARTICLE, "url")], codes(report)


@pytest.mark.parametrize("url", ["https://example.org", "http://example.org/news/2024/01/x.html?id=3#top", "https://ex.org/\u00fcber"])
def test_good_urls_pass(tiny, url):
    recs = make_records()
    recs["article"]["url"] = url
    write_dataset(tiny, recs)
    assert all(r.ok for r in both(tiny))


def test_explorer_never_links_a_non_http_url_even_from_a_tampered_release(tiny, tmp_path):
    from claimset.explore import ExploreError, build_site
    from claimset.explore.build import _environment
    from claimset.explore.release import http_url

    build(tiny)
    rel = tiny / "release"
    arts = [json.loads(line) for line in (rel / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    arts[0]["url"] = "javascript:alert(document.cookie)"
    (rel / "articles.jsonl").write_text("".join(json.dumps(a) + "\n" for a in arts), encoding="utf-8")
    with pytest.raises(ExploreError, match="url"):
        build_site(rel, tmp_path / "site")
    assert not (tmp_path / "site").exists()
    # and the template itself links only http(s), whatever reaches it
    assert http_url("https://example.org/x") and not http_url("javascript:alert(1)") and not http_url(None)
    tpl = _environment().from_string('{% if u is http_url %}<a href="{{ u }}">{{ u }}</a>{% else %}{{ u }}{% endif %}')
    assert "<a" not in tpl.render(u="javascript:alert(1)") and "<a" in tpl.render(u="https://example.org")


def test_a_tampered_release_id_cannot_write_outside_the_site(tiny, tmp_path):
    from claimset.explore import ExploreError, build_site

    build(tiny)
    rel = tiny / "release"
    ents = [json.loads(line) for line in (rel / "entities.jsonl").read_text(encoding="utf-8").splitlines()]
    ents[0]["entity_id"] = "../../../escaped"
    (rel / "entities.jsonl").write_text("".join(json.dumps(e) + "\n" for e in ents), encoding="utf-8")
    with pytest.raises(ExploreError, match="entity_id"):
        build_site(rel, tmp_path / "out" / "site")
    assert not list(tmp_path.rglob("escaped*"))


def _problem(file: str, field: str = "f", message: str = "m") -> Problem:
    return Problem(file, 1, 1, "C303", field, message)


def test_text_report_shows_hostile_file_names_escaped():
    rep = Report(problems=[_problem("data/\x1b[31mred\x1b[0m\nfake.json:9:9: C000 fine", "a\x07b", "unknown field 'x\x1b]0;t\x07'")])
    out = format_text(rep)
    first = out.splitlines()[0]
    assert "\x1b" not in out and "\x07" not in out
    assert first.startswith("data/\\x1b[31mred\\x1b[0m\\x0afake.json:9:9: C000 fine:1:1: C303")
    assert len(out.splitlines()) == 3  # problem, fix, summary: the name's newline did not add a line


def test_json_report_is_valid_utf8_for_a_non_utf8_file_name(tmp_path):
    name = os.fsdecode(b"data/entities/caf\xe9.json")  # as os.listdir gives a Latin-1 name
    out = format_json(Report(problems=[_problem(name)]))
    doc = json.loads(out.encode("utf-8"))  # would raise UnicodeEncodeError before the fix
    assert doc["problems"][0]["file"] == "data/entities/caf\\xe9.json"


def test_json_report_through_the_cli_on_a_non_utf8_name(tiny):
    (tiny / "data" / "entities").joinpath(os.fsdecode(b"x\xff.json")).write_text("{}", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "claimset", "validate", "--format", "json"], cwd=tiny, capture_output=True)
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    doc = json.loads(r.stdout.decode("utf-8"))
    assert any(p["file"] == "data/entities/x\\xff.json" for p in doc["problems"])


def test_markdown_summary_escapes_html_from_field_names():
    rep = Report(problems=[_problem("a<b>.json", "<img src=x onerror=alert(1)>", "unknown field '<script>alert(1)</script>'")])
    md = format_markdown(rep)
    assert "<img" not in md and "<script" not in md and "&lt;img src=x onerror=alert(1)&gt;" in md


def test_markdown_summary_from_a_real_unknown_field(tiny):
    recs = make_records()
    recs["claims"][0]["<img src=x onerror=alert(1)>"] = 1
    write_dataset(tiny, recs)
    summary = tiny.parent / "summary.md"
    r = cli("validate", "--format", "github", "--summary", str(summary), cwd=tiny)
    assert r.returncode == 1 and "<img" not in summary.read_text(encoding="utf-8")


def test_verify_reads_nothing_outside_the_release(tiny, tmp_path):
    build(tiny)
    rel = tiny / "release"
    secret = tiny / "outside.txt"
    secret.write_text("secret\n", encoding="utf-8")
    man = json.loads((rel / "manifest.json").read_text(encoding="utf-8"))
    man["files"]["../outside.txt"] = {"bytes": 7, "sha256": "0" * 64}
    (rel / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    r = CliRunner().invoke(app, ["verify", str(rel)])
    assert r.exit_code == 1 and "'../outside.txt' is not a file name in the release" in r.output
    import hashlib

    assert hashlib.sha256(b"secret\n").hexdigest() not in r.output and "7 bytes" not in r.output


@pytest.mark.parametrize("aid", ["../../x", "../articles/tiny-2023-10", "/etc", "tiny-2023-10/../tiny-2023-10"])
def test_find_refuses_a_path_as_an_article_id(tiny, aid):
    outside = tiny.parent / "x"
    outside.mkdir(exist_ok=True)
    (outside / "text.txt").write_text(TEXT, encoding="utf-8")
    r = cli("find", aid, "Kirby", cwd=tiny)
    assert r.returncode in (1, 2) and "Traceback" not in r.stdout + r.stderr
    assert "is not an article ID" in r.stdout + r.stderr


# --- data the validator accepted ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["North Korea\x00 sent boxes.", "North Korea sent boxes.\n", "\tNorth Korea sent boxes.", "North\u2028Korea", "North \u202eaerok", " North Korea sent boxes."])
def test_free_text_is_one_visible_line(tiny, bad):
    recs = make_records()
    recs["claims"][0]["claim"] = bad
    write_dataset(tiny, recs)
    for report in both(tiny):
        assert codes(report) == [("C308", CLAIMS, 1, "claim")], codes(report)


def test_control_characters_in_an_entity_name(tiny):
    recs = make_records()
    recs["entities"][0]["name"] = "John\x1b[2J Kirby"
    write_dataset(tiny, recs)
    for report in both(tiny):
        assert [(c, fld) for c, _, _, fld in codes(report)] == [("C308", "name")]
        assert "U+001B" in report.problems[0].message


@pytest.mark.parametrize("field", ["hedges", "corroboration_spans"])
def test_the_same_span_twice_is_c435(tiny, field):
    recs = make_records()
    c = recs["claims"][1]
    s = span(TEXT, "said")
    if field == "hedges":
        c["hedges"] = [s, dict(s)]
        where = "hedges[1]"
    else:
        c["evidence"]["corroboration_spans"] = [s, dict(s)]
        where = "evidence.corroboration_spans[1]"
    write_dataset(tiny, recs)
    for report in both(tiny):
        assert codes(report) == [("C435", CLAIMS, 2, where)], codes(report)


# --- cascades ----------------------------------------------------------------------------------------------


def test_a_missing_text_file_is_reported_once(tiny):
    (tiny / "data" / "articles" / "tiny-2023-10" / "text.txt").unlink()
    for report in both(tiny):
        assert codes(report) == [("C105", "data/articles/tiny-2023-10/text.txt", 1, "")], codes(report)


def test_a_claim_with_a_bad_enum_does_not_make_its_cluster_fail(tiny):
    recs = make_records()
    recs["claims"][1]["factuality"]["certainty"] = "sure"
    write_dataset(tiny, recs)
    for report in both(tiny):
        assert codes(report) == [("C304", CLAIMS, 2, "factuality.certainty")], codes(report)


def test_an_unknown_claim_is_still_reported(tiny):
    """Suppression is only for what exists: a cluster naming a claim nobody wrote is still C504."""
    recs = make_records()
    recs["claims"][1]["factuality"]["certainty"] = "sure"
    recs["clusters"][0]["claim_ids"].append("tiny-2023-10-c099")
    write_dataset(tiny, recs)
    for report in both(tiny):
        assert [c for c, *_ in codes(report)] == ["C304", "C504"], codes(report)


def test_an_undecodable_claims_file_does_not_cascade(tiny):
    claims_path(tiny).write_bytes(b"\xff\xfe" + claims_path(tiny).read_bytes())
    for report in both(tiny):
        assert [c for c, *_ in codes(report)] == ["C112"], codes(report)


def test_outside_a_repository_validate_and_build_say_so(tmp_path):
    for cmd in (["validate"], ["build"]):
        r = cli(*cmd, cwd=tmp_path)
        assert r.returncode == 2 and "Traceback" not in r.stdout + r.stderr, r.stderr
    shutil.rmtree(tmp_path, ignore_errors=True)
