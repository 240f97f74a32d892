"""The command line: exit codes, output formats, GitHub annotation escaping, no tracebacks."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from typer.testing import CliRunner

from claimset.cli.main import app
from claimset.validation.report import escape_data, escape_property, github_line
from claimset.validation.validate import Problem

from conftest import claims_path
from release_helpers import files_of

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
    before = files_of(tiny / "release")
    (tiny / "data" / "entities" / "russia.json").write_text("[]", encoding="utf-8")
    r = run("build", "--root", str(tiny))
    assert r.exit_code == 1 and "nothing was written" in r.output
    assert files_of(tiny / "release") == before


def test_console_script_runs_without_traceback(tiny):
    (tiny / "data" / "entities" / "russia.json").write_bytes(b"\xff\xfe")
    r = subprocess.run([sys.executable, "-m", "claimset", "validate", "--root", str(tiny)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "C112" in r.stdout and "Traceback" not in r.stdout + r.stderr


def _all_commands():
    from typer.main import get_command

    def walk(group, prefix=()):
        for name, cmd in sorted(group.commands.items()):
            if hasattr(cmd, "commands"):
                yield from walk(cmd, (*prefix, name))
            else:
                yield [*prefix, name]

    return list(walk(get_command(app)))


def test_help_shows_no_bool_type_and_plain_usage():
    """Flags show no `<bool>`; usage lines name arguments FILE / [RELEASE], never {file} (issue 14)."""
    for command in [[]] + _all_commands():
        r = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
        assert r.exit_code == 0, (command, r.output)
        assert "<bool>" not in r.output, (command, r.output)
        (usage,) = [line for line in r.output.splitlines() if "Usage:" in line]
        assert "{" not in usage and "}" not in usage, (command, usage)
    usage = lambda *c: next(l for l in CliRunner().invoke(app, [*c, "--help"], env={"COLUMNS": "200"}).output.splitlines() if "Usage:" in l)  # noqa: E731
    assert "new-article [OPTIONS] FILE" in usage("new-article")
    assert "verify [OPTIONS] [RELEASE]" in usage("verify")
    assert "diff [OPTIONS] OLD [NEW]" in usage("diff")


def test_verify_names_an_absolute_release_once(tmp_path):
    bad = tmp_path / "rel"
    bad.mkdir()
    (bad / "manifest.json").write_text("{", encoding="utf-8")
    r = CliRunner().invoke(app, ["verify", str(bad)])
    assert r.exit_code == 1
    assert f"{bad}/manifest.json: cannot read the manifest" in r.output
    assert r.output.count(str(bad)) == 2  # the problem line and the summary line, each once
    missing = tmp_path / "empty"
    missing.mkdir()
    r = CliRunner().invoke(app, ["verify", str(missing)])
    assert f"{missing}/manifest.json: cannot read the manifest: No such file or directory" in r.output


def test_verify_without_argument_uses_the_installed_release(tmp_path):
    """Outside a repository, `claimset verify` checks the installed (or editable checkout's) release,
    the same default as explore and claimset.load: loaders.default_release()."""
    import os

    from claimset.loaders import default_release

    env = {k: v for k, v in os.environ.items() if k != "CLAIMSET_RELEASE"}
    r = subprocess.run([sys.executable, "-m", "claimset", "verify"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"claimset verify: {default_release()}:" in r.stdout
    assert list(tmp_path.iterdir()) == []
