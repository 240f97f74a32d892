"""The pull-request workflow, .ci/run and the pre-commit hooks: right, in step, and working.

A workflow file cannot be run here, so: its commands must be exactly the ones .ci/run executes
(run locally, .ci/run reproduces CI), the steps are run against tiny repositories, and the
annotations are checked against GitHub's documented workflow-command format.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from claimset.publish.build import build
from claimset.validation.report import github_line
from claimset.validation.rules import RULES
from claimset.validation.validate import Problem

from conftest import ROOT, claims_path

WORKFLOW = ROOT / ".github" / "workflows" / "validate.yml"
CI_RUN = ROOT / ".ci" / "run"
BIN = Path(sys.executable).parent  # this environment's claimset stands in for .venv/bin/claimset


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def workflow_commands() -> list[str]:
    steps = workflow()["jobs"]["validate"]["steps"]
    return [textwrap.dedent(s["run"]).strip() for s in steps if "run" in s]


# Lines of .ci/run that prepare the shell rather than run a CI step.
PROLOGUE = re.compile(r"^(set -euo pipefail|cd \"\$\(dirname \"\$0\"\)/\.\.\"|export \w+=.*|rm -rf \.venv)$")


def ci_run_commands() -> list[str]:
    """The commands .ci/run executes, an if ... fi block counting as one."""
    out, block = [], []
    for line in CI_RUN.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#") or PROLOGUE.match(line):
            continue
        if block or line.startswith("if "):
            block.append(line)
            if line.strip() == "fi":
                out.append("\n".join(block))
                block = []
            continue
        out.append(line.strip())
    assert not block, "unterminated if block in .ci/run"
    return out


def run_step(cmd: str, cwd: Path, **env) -> subprocess.CompletedProcess:
    local = cmd.replace(".venv/bin/", f"{BIN}/")
    return subprocess.run(["bash", "-euo", "pipefail", "-c", local], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)


def step(word: str) -> str:
    (cmd,) = [c for c in workflow_commands() if word in c]
    return cmd


# --- the workflow file ---------------------------------------------------------------------------------------------


def test_workflow_triggers_and_checkout():
    wf = workflow()
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert {"pull_request", "push"} <= set(on)
    assert wf["permissions"] == {"contents": "read"}
    steps = wf["jobs"]["validate"]["steps"]
    checkout = steps[0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0  # check-version needs the tags and history


def test_workflow_runs_exactly_what_ci_run_runs():
    """Same commands, same order: a CI failure can be reproduced with .ci/run."""
    assert workflow_commands() == ci_run_commands()


def test_workflow_steps_are_the_ones_the_issue_asks_for():
    cmds = workflow_commands()
    assert cmds[0] == 'python3 -m venv .venv && .venv/bin/pip install -c constraints.txt -e ".[test]"'  # fresh install
    validate_cmd = step("claimset validate")
    assert "--format github" in validate_cmd
    assert '--summary "$GITHUB_STEP_SUMMARY"' in validate_cmd  # annotations are capped at 10 a step
    assert ".venv/bin/python -m pytest" in cmds
    assert ".venv/bin/claimset check-version" in cmds
    rebuild = step("diff -r release")
    assert rebuild.startswith(".venv/bin/claimset build --out ")
    order = [cmds.index(c) for c in (cmds[0], validate_cmd, rebuild)]
    assert order == sorted(order)
    # nothing rebuilds release/ in place before the comparison
    assert not [c for c in cmds[: cmds.index(rebuild)] if re.search(r"claimset build(?! --out)", c)]


def test_ci_run_is_executable_and_strict():
    assert os.access(CI_RUN, os.X_OK)
    text = CI_RUN.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
    assert "rm -rf .venv" in text  # installs from scratch


# --- the steps, run against tiny repositories ---------------------------------------------------------------------


def _break(root: Path, n: int) -> None:
    """Append n claims (lines 4 ...) whose content and cue offsets are shifted: two C414 each."""
    p = claims_path(root)
    lines = p.read_text(encoding="utf-8").splitlines()
    out = []
    for i in range(n):
        c = json.loads(lines[i % len(lines)])
        c["claim_id"] = f"tiny-2023-10-c{100 + i:03d}"
        c["content"] = [{**c["content"][0], "end": c["content"][0]["end"] - 1 - i // len(lines)}]
        c["cue"] = {**c["cue"], "start": c["cue"]["start"] + 1, "end": c["cue"]["end"] + 1}
        out.append(json.dumps(c, ensure_ascii=False))
    p.write_text("\n".join(lines + out) + "\n", encoding="utf-8")


def test_validate_step_on_valid_sources(tiny, tmp_path):
    summary = tmp_path / "summary.md"
    r = run_step(step("claimset validate"), tiny, GITHUB_STEP_SUMMARY=str(summary))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "::error" not in r.stdout
    assert ": valid" in summary.read_text(encoding="utf-8")


def test_validate_step_annotates_every_problem_and_summarises_all(tiny, tmp_path):
    _break(tiny, 12)
    summary = tmp_path / "summary.md"
    r = run_step(step("claimset validate"), tiny, GITHUB_STEP_SUMMARY=str(summary))
    assert r.returncode == 1
    assert "Traceback" not in r.stdout + r.stderr
    annotations = [l for l in r.stdout.splitlines() if l.startswith("::")]
    assert len(annotations) > 10  # more than GitHub shows for one step ...
    rows = [l for l in summary.read_text(encoding="utf-8").splitlines() if l.startswith("| data/")]
    assert len(rows) == len(annotations)  # ... so the step summary has them all
    for line in annotations:
        cmd = parse_workflow_command(line)
        assert cmd["command"] == "error"
        assert cmd["file"] == "data/articles/tiny-2023-10/claims.jsonl"
        assert int(cmd["line"]) >= 4 and int(cmd["col"]) >= 1
        code = cmd["title"].split()[0]
        assert code in RULES and cmd["title"] == f"{code} {RULES[code].name}"
        assert "Fix: " in cmd["message"]


def test_rebuild_step_passes_on_a_current_release_and_fails_on_a_stale_one(tiny, tmp_path):
    build(tiny)
    cmd = step("diff -r release")
    r = run_step(cmd, tiny, RUNNER_TEMP=str(tmp_path / "t1"))
    assert r.returncode == 0, r.stdout + r.stderr
    with open(tiny / "release" / "claims.jsonl", "ab") as f:
        f.write(b"\n")
    r = run_step(cmd, tiny, RUNNER_TEMP=str(tmp_path / "t2"))
    assert r.returncode != 0 and "claims.jsonl" in r.stdout


# --- GitHub's workflow-command format ---------------------------------------------------------------------------
# https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions#setting-an-error-message
#   ::error file={name},line={line},endLine={endLine},title={title}::{message}
# The runner (actions/runner, ActionCommand.cs) splits the command at the first "::" after the
# properties, the properties at "," and each at its first "="; it unescapes %0D, %0A, %3A, %2C in
# properties and %0D, %0A in the message, then %25 last.

_CMD = re.compile(r"^::(?P<command>[a-z]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def _unescape(s: str, prop: bool) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else [])
    for a, b in pairs + [("%25", "%")]:
        s = s.replace(a, b)
    return s


def parse_workflow_command(line: str) -> dict:
    assert "\n" not in line and "\r" not in line, "one command per line"
    m = _CMD.match(line)
    assert m, f"not a workflow command: {line!r}"
    out = {"command": m["command"], "message": _unescape(m["message"], False)}
    for prop in (m["props"] or "").split(","):
        key, eq, value = prop.partition("=")
        assert eq and key in ("file", "line", "endLine", "col", "endColumn", "title"), prop
        out[key] = _unescape(value, True)
    return out


def test_annotation_has_the_documented_properties():
    line = github_line(Problem("data/entities/a.json", 3, 4, "C201", "", "invalid JSON"))
    cmd = parse_workflow_command(line)
    assert list(cmd) == ["command", "message", "file", "line", "col", "title"]
    assert (cmd["file"], cmd["line"], cmd["col"], cmd["title"]) == ("data/entities/a.json", "3", "4", "C201 json-syntax")
    assert cmd["message"] == f"invalid JSON Fix: {RULES['C201'].fix}"


_tricky = st.text(alphabet=st.sampled_from(list("ab:,%=\r\n \u201c\u00e9/.")), max_size=20)


@settings(max_examples=200, deadline=None)
@given(file=_tricky, field=_tricky, message=_tricky, line=st.integers(1, 10**6), col=st.integers(1, 10**4))
def test_annotations_round_trip_through_githubs_parser(file, field, message, line, col):
    """Whatever a file name or message holds (: , % CR LF), GitHub reads back exactly what we meant."""
    p = Problem(file, line, col, "C414", field, message)
    cmd = parse_workflow_command(github_line(p))
    assert cmd["file"] == file
    assert (cmd["line"], cmd["col"]) == (str(line), str(col))
    assert cmd["title"] == "C414 span-text-mismatch"
    assert cmd["message"] == f"{field + ': ' if field else ''}{message} Fix: {RULES['C414'].fix}"


# --- pre-commit ---------------------------------------------------------------------------------------------------------


def _hooks() -> list[dict]:
    return yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def _config_hook() -> dict:
    cfg = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = cfg["repos"]
    assert repo["repo"] == "local"
    (hook,) = repo["hooks"]
    return hook


def test_pre_commit_hook_definition():
    (hook,) = _hooks()
    assert hook["id"] == "claimset-validate"
    assert hook["entry"] == "claimset validate --changed" and hook["language"] == "python"  # pre-commit installs this package
    assert hook["pass_filenames"] is True  # the changed files name the datasets to check, each checked whole
    local = _config_hook()
    assert local["id"] == hook["id"]
    assert local["entry"].endswith(hook["entry"])
    for key in ("files", "exclude", "pass_filenames"):
        assert local[key] == hook[key], key


@pytest.mark.parametrize(
    "path, selected",
    [
        ("data/articles/x/claims.jsonl", True),
        ("data/articles/x/article.json", True),
        ("data/articles/x/text.txt", True),
        ("data/entities/john-kirby.json", True),
        ("data/clusters/c.json", True),
        ("annotations/claims.jsonl", True),
        ("claims-2024.jsonl", True),
        ("release/claims.jsonl", False),
        ("src/claimset/cli.py", False),
        ("README.md", False),
        ("notes/todo.txt", False),
        ("corpus/some-article/article.json", True),
    ],
)
def test_pre_commit_hook_files(path, selected):
    (hook,) = _hooks()
    # pre-commit selects a file when `files` matches (re.search) and `exclude` does not
    chosen = bool(re.search(hook["files"], path)) and not re.search(hook["exclude"], path)
    assert chosen is selected


def _hook_argv(entry: str) -> list[str]:
    argv = shlex.split(entry)
    return [str(BIN / Path(argv[0]).name)] + argv[1:]


def test_pre_commit_entry_passes_on_this_repository():
    (hook,) = _hooks()
    r = subprocess.run(_hook_argv(hook["entry"]) + ["data/entities/john-kirby.json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    assert "5 articles" in r.stdout or "articles" in r.stdout  # the whole data/ was checked, not one file


def test_pre_commit_entry_fails_on_a_broken_fixture(tiny):
    _break(tiny, 1)
    for entry in (_hooks()[0]["entry"], _config_hook()["entry"]):
        # only the entity changed: the broken claim elsewhere in data/ is still found
        r = subprocess.run(_hook_argv(entry) + ["data/entities/john-kirby.json"], cwd=tiny, capture_output=True, text=True, timeout=300)
        assert r.returncode == 1
        assert re.search(r"^data/articles/tiny-2023-10/claims.jsonl:4:\d+: C414 ", r.stdout, re.M), r.stdout


def _table_folder(root: Path, recs: dict) -> Path:
    """The tiny dataset as a folder of <table>.jsonl files (another project's layout)."""
    from claimset.utils import json_line

    d = root / "annotations"
    d.mkdir(parents=True)
    (d / "articles.jsonl").write_text(json_line(recs["article"]) + "\n", encoding="utf-8")
    for t in ("claims", "entities", "clusters"):
        (d / f"{t}.jsonl").write_text("".join(json_line(r) + "\n" for r in recs[t]), encoding="utf-8")
    return d


def test_pre_commit_entry_in_every_layout(tmp_path):
    """A folder of table files is a dataset (not one article missing its text); an invalid claim
    in a file outside data/ fails the hook; a path that cannot be read is exit 2."""
    from conftest import make_records

    recs = make_records()
    d = _table_folder(tmp_path, recs)
    argv = _hook_argv(_hooks()[0]["entry"])
    r = subprocess.run(argv + ["annotations/claims.jsonl"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "has no text.txt" not in r.stdout, r.stdout[-2000:]
    r = subprocess.run([str(BIN / "claimset"), "validate", "annotations/"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "has no text.txt" not in r.stdout, r.stdout[-2000:]
    bad = [dict(c) for c in recs["claims"]]
    bad[1]["factuality"] = {"certainty": "sure", "polarity": "positive"}
    (d / "claims.jsonl").write_text("".join(json.dumps(c) + "\n" for c in bad), encoding="utf-8")
    r = subprocess.run(argv + ["annotations/claims.jsonl"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and re.search(r"^annotations/claims.jsonl:2:\d+: C304 ", r.stdout, re.M), r.stdout[-2000:]
    r = subprocess.run(argv + ["annotations/missing.jsonl"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "Traceback" not in r.stderr


@pytest.mark.skipif(shutil.which("pre-commit", path=str(BIN)) is None, reason="pre-commit is in the test extra")
def test_pre_commit_try_repo_from_another_repository(tmp_path):
    """As another project uses the hook: pre-commit installs this repository in its own virtual
    environment (pip, this repository's constraints) and runs it on that project's changed files."""
    from conftest import make_records

    proj = tmp_path / "other-project"
    proj.mkdir()
    d = _table_folder(proj, make_records())
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(proj)], check=True)
    subprocess.run(["git", "-C", str(proj), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(proj), *ident, "commit", "-q", "-m", "annotations"], check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PIP_CONSTRAINT": str(ROOT / "constraints.txt")}
    cmd = [str(BIN / "pre-commit"), "try-repo", str(ROOT), "claimset-validate", "--files", "annotations/claims.jsonl"]
    r = subprocess.run(cmd, cwd=proj, capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0 and "Passed" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]
    recs = [json.loads(line) for line in (d / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    recs[1]["claim_id"] = "not an id"
    (d / "claims.jsonl").write_text("".join(json.dumps(c) + "\n" for c in recs), encoding="utf-8")
    r = subprocess.run(cmd, cwd=proj, capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 1 and "Failed" in r.stdout and "C305" in r.stdout, r.stdout[-3000:]
