"""The first outside contribution goes green (issue 12).

On a copy of the repository (a git repository whose history holds the current release), a
contributor follows CONTRIBUTING.md with a new article dated 2025, a new entity and claims, all
through the CLI: reviews the sentences without a claim, bumps the version the documented way,
rebuilds, and runs the CI commands and the tests that pin facts of the data. Everything passes.
The same contribution without the bump fails check-version, with its message.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claimset.version import __version__ as V
from claimset.publish.versions import bumped

from conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "contribution_article.txt"
AID = "seoul-nk-artillery-crews-trained-in-russia-2025-02-20"
MINOR = bumped(V, "minor")
# The tests a contribution can break: facts of the data, the generated files, the release, versions.
DATA_TESTS = ["tests/test_corpus.py", "tests/test_load.py", "tests/test_coverage.py", "tests/test_schemas.py", "tests/test_versions.py", "tests/test_build.py::test_committed_release_matches_a_rebuild", "tests/test_benchmark_splits.py"]


def sh(cwd: Path, *cmd: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd / "src"), "GIT_AUTHOR_NAME": "c", "GIT_AUTHOR_EMAIL": "c@example.org",
           "GIT_COMMITTER_NAME": "c", "GIT_COMMITTER_EMAIL": "c@example.org"}  # fmt: skip
    env.pop("GITHUB_BASE_REF", None)
    r = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    if ok:
        assert r.returncode == 0, f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r


def claimset(cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    # the copy's own sources (PYTHONPATH), so its version.py is the version the build writes
    return sh(cwd, sys.executable, "-m", "claimset", *args, ok=ok)


@pytest.fixture(scope="module")
def contributed(tmp_path_factory) -> Path:
    """A clone-like copy with the contribution made, not yet bumped."""
    repo = tmp_path_factory.mktemp("contribution") / "repo"
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, tracked):
        src = ROOT / rel
        if src.is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / rel)
    sh(repo, "git", "init", "-q", "-b", "main")
    sh(repo, "git", "add", "-A")
    sh(repo, "git", "commit", "-q", "-m", f"release {V}")
    sh(repo, "git", "checkout", "-q", "-b", "add-seoul-article")

    claimset(repo, "new-article", str(FIXTURE), "--id", AID,
             "--title", "Seoul says North Korean artillery crews trained in Russia", "--published", "2025-02-20", "--rights", "full_text",
             "--boilerplate", "other=TEST FIXTURE: an invented report for tests/test_contribution.py, not a real news report.")  # fmt: skip
    claimset(repo, "new-entity", "south-korea-nis", "--name", "National Intelligence Service", "--type", "government",
             "--description", "South Korea's intelligence agency.", "--alias", "South Korea's National Intelligence Service")  # fmt: skip
    claimset(repo, "add-claim", AID,
             "--quote", "about 300 North Korean artillery crew members had completed training at a range in Russia's Far East",
             "--claim", "About 300 North Korean artillery crew members completed training at a range in Russia's Far East.",
             "--claimant", "south-korea-nis", "--mention", "South Korea's National Intelligence Service", "--cue", "said",
             "--type", "event", "--event", "other", "--agent", "north-korean-military",
             "--quantity", "about 300 North Korean artillery crew members|unit=person",
             "--statement-date", "2025-02-20", "--annotator", "test-contributor")  # fmt: skip
    claimset(repo, "add-claim", AID,
             "--quote", "the crews were expected to operate self-propelled guns supplied by North Korea",
             "--claim", "The North Korean artillery crews trained in Russia were expected to operate self-propelled guns supplied by North Korea.",
             "--claimant", "south-korea-nis", "--mention", "The agency", "--cue", "told lawmakers",
             "--type", "prediction", "--certainty", "probable", "--hedge", "were expected to",
             "--statement-date", "2025-02-20", "--annotator", "test-contributor")  # fmt: skip
    # the sentences without a claim: listed, recorded, then given a reason by the contributor
    r = claimset(repo, "coverage", ok=False)
    assert r.returncode == 1 and "claimset coverage --update" in r.stdout
    claimset(repo, "coverage", "--update", ok=False)
    review = repo / "docs" / "uncovered-sentences.json"
    doc = json.loads(review.read_text(encoding="utf-8"))
    reasons = {
        "Seoul says North Korean artillery crews trained in Russia": "Headline; its claim is annotated in the body (c001).",
        "Seoul, 20 February 2025": "Dateline: publication metadata.",
        "Russia's defence ministry did not comment on the report.": "A non-response, not a claim (guidelines section 1).",
    }
    assert set(doc[AID]) == set(reasons), doc[AID]
    doc[AID] = reasons
    review.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    claimset(repo, "coverage")
    # the new article joins the benchmark's train split and the end of the folds (CONTRIBUTING step 6)
    split_file = repo / "src" / "claimset" / "benchmark" / "splits.json"
    splits = json.loads(split_file.read_text(encoding="utf-8"))
    splits["train"].append(AID)
    splits["folds"].append(AID)
    split_file.write_text(json.dumps(splits, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    claimset(repo, "build")
    claimset(repo, "benchmark")
    return repo


def ci_commands(repo: Path, tmp: Path) -> None:
    """The commands of .ci/run after the install (tests/test_workflow.py keeps .ci/run and the workflow in step)."""
    claimset(repo, "validate", "--format", "github")
    claimset(repo, "build", "--out", str(tmp / "rebuild"))
    sh(repo, "diff", "-r", "release", str(tmp / "rebuild"))
    claimset(repo, "verify", "release")
    claimset(repo, "check-version")


def test_without_the_bump_check_version_fails_and_says_what_to_do(contributed):
    r = claimset(contributed, "check-version", ok=False)
    assert r.returncode == 1
    assert f"That is a MINOR change: set __version__ in src/claimset/version.py to at least {MINOR} (it is {V})" in r.stderr


def test_the_contribution_bumped_the_documented_way_passes_ci(contributed, tmp_path):
    repo = contributed
    version_py = repo / "src" / "claimset" / "version.py"
    version_py.write_text(version_py.read_text(encoding="utf-8").replace(f'__version__ = "{V}"', f'__version__ = "{MINOR}"'), encoding="utf-8")
    changelog = repo / "CHANGELOG.md"
    head, _, rest = changelog.read_text(encoding="utf-8").partition(f"## {V}")
    changelog.write_text(f"{head}## {MINOR}\n\n- Article {AID}: 2 claims, entity south-korea-nis.\n\n## {V}{rest}", encoding="utf-8")
    claimset(repo, "build")
    sh(repo, "git", "add", "-A")
    sh(repo, "git", "commit", "-q", "-m", "Add article: Seoul says North Korean artillery crews trained in Russia")

    ci_commands(repo, tmp_path)
    man = json.loads((repo / "release" / "manifest.json").read_text(encoding="utf-8"))
    assert man["version"] == MINOR and man["tables"]["articles"]["rows"] == json.loads((ROOT / "release" / "manifest.json").read_text())["tables"]["articles"]["rows"] + 1
    # the card and Croissant follow the data: the 2025 article widens the years
    croissant = (repo / "release" / "croissant.json").read_text(encoding="utf-8")
    assert "to 2025" in croissant and "and 2025" in croissant
    assert "2022-2025" in (repo / "README.md").read_text(encoding="utf-8")
    # the tests that pin facts of the data, run on the copy with the copy's sources
    r = sh(repo, sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider", "-x", *DATA_TESTS, ok=False)
    assert r.returncode == 0, r.stdout[-6000:]
    passed = re.search(r"(\d+) passed", r.stdout)
    assert passed and int(passed.group(1)) >= 40 and "failed" not in r.stdout, r.stdout[-2000:]
