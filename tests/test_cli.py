"""The command line: exit codes, output formats, GitHub annotation escaping, no tracebacks."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from claimset.cli import app
from claimset.report import escape_data, escape_property, github_line
from claimset.validate import Problem

from conftest import claims_path

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_valid_exit_0(tiny):
    r = run("validate", "--root", str(tiny))
    assert r.exit_code == 0, r.output
    assert "valid" in r.output and "3 claims" in r.output


def test_invalid_exit_1_with_file_line_field_code(tiny):
    p = claims_path(tiny)
    lines = p.read_text(encoding="utf-8").splitlines()
    c = json.loads(lines[1])
    c["cue"]["start"] += 1
    c["cue"]["end"] += 1
    lines[1] = json.dumps(c, ensure_ascii=False)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("validate", "--root", str(tiny))
    assert r.exit_code == 1
    assert re.search(r"data/articles/tiny-2023-10/claims.jsonl:2:\d+: C414 \[span-text-mismatch\] cue.text: .*off by -1", r.output), r.output
    assert "fix:" in r.output


def test_missing_path_exit_2(tmp_path):
    r = run("validate", str(tmp_path / "nope"), "--root", str(tmp_path))
    assert r.exit_code == 2
    assert "no such file" in r.output


def test_bad_format_exit_2(tiny):
    assert run("validate", "--root", str(tiny), "--format", "xml").exit_code == 2


def test_json_format(tiny):
    (tiny / "data" / "entities" / "russia.json").write_text("{", encoding="utf-8")
    r = run("validate", "--root", str(tiny), "--format", "json")
    out = json.loads(r.output)
    assert r.exit_code == 1 and not out["valid"]
    assert {"file", "line", "column", "code", "rule", "field", "message", "fix"} <= set(out["problems"][0])


def test_github_format_and_step_summary(tiny, tmp_path):
    (tiny / "data" / "entities" / "russia.json").write_text('{"a": 1,}', encoding="utf-8")
    summary = tmp_path / "summary.md"
    r = run("validate", "--root", str(tiny), "--format", "github", "--summary", str(summary))
    first = next(l for l in r.output.splitlines() if "russia.json" in l)
    assert first.startswith("::error file=data/entities/russia.json,line=1,col=")
    assert "title=C201 json-syntax::" in first
    assert "| data/entities/russia.json | 1 | C201 json-syntax |" in summary.read_text()


# GitHub's documented workflow-command escaping: data escapes % CR LF; properties also : and ,
def test_github_escaping_rules():
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    line = github_line(Problem("dir,x/a:b.json", 3, 4, "C201", "f", "bad\nvalue 100%"))
    assert line.startswith("::error file=dir%2Cx/a%3Ab.json,line=3,col=4,title=C201 json-syntax::f: bad%0Avalue 100%25")
    assert "\n" not in line
    assert re.fullmatch(r"::error (file=[^,:]*,line=\d+,col=\d+,title=[^,:]*)::[^\r\n]*", line)


def test_build_refuses_invalid_and_keeps_previous_release(tiny):
    assert run("build", "--root", str(tiny)).exit_code == 0
    before = {p.name: p.read_bytes() for p in (tiny / "release").iterdir()}
    (tiny / "data" / "entities" / "russia.json").write_text("[]", encoding="utf-8")
    r = run("build", "--root", str(tiny))
    assert r.exit_code == 1 and "nothing was written" in r.output
    assert {p.name: p.read_bytes() for p in (tiny / "release").iterdir()} == before


def test_console_script_runs_without_traceback(tiny):
    (tiny / "data" / "entities" / "russia.json").write_bytes(b"\xff\xfe")
    r = subprocess.run([sys.executable, "-m", "claimset", "validate", "--root", str(tiny)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "C112" in r.stdout and "Traceback" not in r.stdout + r.stderr
