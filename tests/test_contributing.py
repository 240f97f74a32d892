"""CONTRIBUTING.md cannot rot: its walkthrough runs on a copy of the repository and prints what it says.

Every `$ .venv/bin/claimset ...` command of a ```console block is run in order; each output line the
document shows must appear in the real output (whitespace collapsed, git commit hashes masked, and
no digit masked: a stale count fails). `<!-- doc-test: skip -->` before a block skips it;
`<!-- doc-test: edit FILE: OLD => NEW -->` applies the hand edit the text describes.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from typer.main import get_command

from claimset.cli.main import app

from conftest import ROOT

DOC = ROOT / "CONTRIBUTING.md"
COMMAND = get_command(app)
CONTRIBUTOR_COMMANDS = {"new-article", "new-entity", "find", "add-claim", "validate", "coverage", "stats", "build", "benchmark", "check-version"}
_DIRECTIVE = re.compile(r"^<!-- doc-test: (.*) -->$")


@dataclass
class Step:
    command: str
    expected: list[str]
    edits: list[tuple[str, str, str]] = field(default_factory=list)  # applied before the command
    skip: bool = False


def walkthrough() -> list[Step]:
    steps: list[Step] = []
    lines = DOC.read_text(encoding="utf-8").splitlines()
    pending_edits: list[tuple[str, str, str]] = []
    skip = False
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if m:
            d = m.group(1)
            if d == "skip":
                skip = True
            elif d.startswith("edit "):
                path, _, rest = d[5:].partition(": ")
                old, _, new = rest.partition(" => ")
                pending_edits.append((path, old.replace("\\n", "\n"), new.replace("\\n", "\n")))  # \n: a line break
            else:
                raise AssertionError(f"unknown doc-test directive {d!r}")
        elif lines[i] == "```console":
            i += 1
            block: list[Step] = []
            while lines[i] != "```":
                line = lines[i]
                if line.startswith("$ "):
                    cmd = line[2:]
                    while cmd.endswith("\\"):
                        i += 1
                        cmd = cmd[:-1].rstrip() + " " + lines[i].strip()
                    block.append(Step(cmd, [], skip=skip))
                else:
                    block[-1].expected.append(line)
                i += 1
            if block:
                block[0].edits = pending_edits
            steps += block
            pending_edits, skip = [], False
        i += 1
    return steps


def _norm(line: str) -> str:
    # Numbers are compared as shown (counts, offsets, sizes, versions): a stale number in the guide
    # fails here. Only whitespace is collapsed, and git commit hashes, which no reader compares.
    line = " ".join(line.split())
    return re.sub(r"\bcommit [0-9a-f]{12}\b", "commit <hash>", line)


def test_walkthrough_uses_only_the_contributor_commands():
    steps = walkthrough()
    claimset = [shlex.split(s.command) for s in steps if s.command.startswith(".venv/bin/claimset")]
    assert len(claimset) >= 8
    assert {argv[1] for argv in claimset} <= CONTRIBUTOR_COMMANDS
    for cmd in ("new-article", "add-claim", "validate", "build"):
        assert any(argv[1] == cmd for argv in claimset), cmd
    assert any(s.edits for s in steps), "the deliberate mistake is missing"


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    dst = tmp_path / "repo"
    ignore = shutil.ignore_patterns(".git", ".venv", ".venv-*", "__pycache__", ".hypothesis", ".pytest_cache", "site", "dist", "node_modules")
    shutil.copytree(ROOT, dst, ignore=ignore, symlinks=True)
    shutil.rmtree(dst / "tests")
    shutil.copytree(ROOT / "tests" / "fixtures", dst / "tests" / "fixtures")
    # a clone: the history holds the last release, which check-version compares against
    import subprocess

    ident = ["-c", "user.name=contributor", "-c", "user.email=contributor@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(dst)], check=True)
    subprocess.run(["git", "-C", str(dst), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(dst), *ident, "commit", "-q", "-m", "the last release"], check=True)
    return dst


def test_walkthrough_prints_what_the_document_shows(repo_copy, monkeypatch):
    monkeypatch.chdir(repo_copy)
    monkeypatch.setattr("os.fsync", lambda fd: None)  # durability is not under test; keep it fast
    # the copy's own split assignment, as the contributor's editable install of the copy would read it
    from claimset.benchmark import splits

    monkeypatch.setattr(splits, "SPLITS_FILE", repo_copy / "src" / "claimset" / "benchmark" / "splits.json")
    splits._raw.cache_clear()
    splits.splits.cache_clear()
    ran = 0
    for step in walkthrough():
        for path, old, new in step.edits:
            p = repo_copy / path
            text = p.read_text(encoding="utf-8")
            assert old in text, f"the edit described before `{step.command}` does not apply: {old!r} not in {path}"
            p.write_text(text.replace(old, new), encoding="utf-8")
        argv = shlex.split(step.command)
        if step.skip or argv[0] != ".venv/bin/claimset":
            continue
        r = CliRunner().invoke(COMMAND, argv[1:], env={"COLUMNS": "100"})
        assert r.exception is None or isinstance(r.exception, SystemExit), (step.command, r.exception)
        got = {_norm(l) for l in r.output.splitlines()}
        missing = [l for l in step.expected if l.strip() and _norm(l) not in got]
        assert not missing, f"`{step.command}` no longer prints:\n" + "\n".join(missing) + "\n--- it printed:\n" + r.output
        fails = any("error:" in l or "problem(s)" in l or "to review:" in l for l in step.expected)
        assert (r.exit_code != 0) == fails, (step.command, r.exit_code, r.output)
        ran += 1
    splits._raw.cache_clear()
    splits.splits.cache_clear()
    assert ran >= 8
