"""Commands that write folders write only where they were told and only what they own (issue 11).

Every dangerous target leaves the whole tree byte-identical; a release or site is published by
an exchange, so a kill at any moment leaves the previous one readable and the next run leaves
nothing behind; two builds into one folder both finish without a traceback.
"""

from __future__ import annotations

import hashlib
import os
import stat
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claimset.publish.build import BuildError, build
from claimset.outputs import OutputError, check_target, recover
from claimset.publish.verify import verify

from conftest import write_dataset

CLI = [sys.executable, "-m", "claimset"]


def snapshot(root: Path) -> dict[str, str]:
    """Every path under root (files hashed, folders and links listed), .git included."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for d in dirs:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = "dir"
        for f in files:
            p = os.path.join(dirpath, f)
            if os.path.islink(p):
                out[os.path.relpath(p, root)] = "link"
            elif not stat.S_ISREG(os.stat(p).st_mode):  # other tests' FIFOs live beside ours: never open them
                out[os.path.relpath(p, root)] = "special"
            else:
                out[os.path.relpath(p, root)] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
    return out


def run(args, cwd, env=None, **kw):
    return subprocess.run(CLI + [str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env, **kw)


@pytest.fixture
def repo(tmp_path, records):
    """The tiny dataset as a git repository with a built release, a README and an uncommitted file,
    alone in its parent folder (snapshots of the parent stay small, whatever other tests leave)."""
    tiny = write_dataset(tmp_path / "repo", records)
    (tiny / "README.md").write_text("# a repository\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(tiny)], check=True)
    build(tiny)
    (tiny / "notes.txt").write_text("uncommitted work\n", encoding="utf-8")
    return tiny


DANGEROUS = {
    "the repository root": ".",
    "the sources": "data",
    "inside the sources": "data/articles/new-release",
    "a file": "README.md",
    "the folder above the repository": "..",
    "an unknown non-empty folder": "docs",
    "the git folder": ".git",
}


@pytest.mark.parametrize("what", sorted(DANGEROUS))
def test_build_out_refuses_dangerous_targets_and_changes_nothing(repo, what):
    (repo / "docs").mkdir()
    (repo / "docs" / "page.md").write_text("mine\n", encoding="utf-8")
    before = snapshot(repo.parent)
    p = run(["build", "--out", DANGEROUS[what]], cwd=repo)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr + p.stdout
    assert p.stderr.startswith("error: ") and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert snapshot(repo.parent) == before


@pytest.mark.parametrize("what", ["the repository root", "the sources", "a file", "an unknown non-empty folder"])
def test_rehydrate_and_explore_refuse_the_same_targets(repo, what, tmp_path_factory):
    (repo / "docs").mkdir(exist_ok=True)
    (repo / "docs" / "page.md").write_text("mine\n", encoding="utf-8")
    ann = tmp_path_factory.mktemp("ann") / "annotations-only"
    assert run(["build", "--edition", "annotations-only", "--out", ann], cwd=repo).returncode == 0
    before = snapshot(repo)
    p = run(["rehydrate", ann, "--texts", repo / "data" / "articles", "--out", DANGEROUS[what]], cwd=repo)
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    p = run(["explore", repo / "release", "--out", DANGEROUS[what]], cwd=repo)
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert snapshot(repo) == before


def test_release_with_a_file_it_does_not_list_is_not_replaced(repo):
    (repo / "release" / "my-analysis.ipynb").write_text("{}", encoding="utf-8")
    before = snapshot(repo)
    with pytest.raises(OutputError, match="my-analysis.ipynb"):
        build(repo)
    assert snapshot(repo) == before


def test_guard_accepts_absent_empty_and_same_kind(repo, tmp_path_factory):
    base = tmp_path_factory.mktemp("targets")
    (base / "empty").mkdir()
    assert check_target(base / "absent", "release") == base / "absent"
    assert check_target(base / "empty", "release") == base / "empty"
    assert check_target(repo / "release", "release", repo) == repo / "release"
    with pytest.raises(OutputError, match="not a claimset explorer site"):
        check_target(repo / "release", "site")
    os.symlink(repo / "release", base / "link")
    with pytest.raises(OutputError, match="symbolic link"):
        check_target(base / "link", "release")


def test_an_interrupted_swap_is_rolled_back_by_the_next_run(repo):
    """A kill between the fallback's two renames leaves only .release.old-*: recover() puts it back."""
    release = repo / "release"
    before = snapshot(release)
    os.rename(release, repo / ".release.old-4242")
    (repo / ".release.tmp-abc").mkdir()
    (repo / ".release.tmp-abc" / "claims.jsonl").write_text("half", encoding="utf-8")
    recover(release)
    assert snapshot(release) == before
    assert sorted(p.name for p in repo.iterdir() if p.name.startswith(".release")) == []


def test_the_fallback_swap_without_exchange_is_atomic_enough(repo, monkeypatch):
    """Where renameat2 is unsupported, two renames; the release is whole after a rebuild."""
    import claimset.outputs as outputs

    monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    build(repo)
    assert verify(repo / "release").ok
    assert [p.name for p in repo.iterdir() if p.name.startswith(".release")] == []


def test_invalid_sources_leave_no_temporary_folder(repo):
    claims = repo / "data" / "articles" / "tiny-2023-10" / "claims.jsonl"
    claims.write_text(claims.read_text(encoding="utf-8").replace('"certain"', '"sure"', 1), encoding="utf-8")
    before = snapshot(repo)
    with pytest.raises(BuildError):
        build(repo)
    assert snapshot(repo) == before


def _leftovers(repo: Path, tmpdir: Path) -> list[str]:
    near = [p.name for p in repo.iterdir() if p.name.startswith(".release.") or p.name.startswith(".claimset-runs-")]
    return near + [p.name for p in tmpdir.iterdir()]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_killed_build_leaves_a_readable_release_and_the_next_run_leaves_nothing(repo, tmp_path_factory, sig):
    tmpdir = tmp_path_factory.mktemp("tmpdir")
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    # a rebuild must change the bytes, so that a half-swapped release would be noticed
    # SIGKILL from the first instant; a catchable signal once the interpreter runs claimset's code
    # (a Ctrl-C while Python itself is still starting is Python's to report)
    delays = [0.05, 0.15, 0.3, 0.45, 0.6, 0.8, 1.0, 1.3] if sig == signal.SIGKILL else [0.4, 0.5, 0.6, 0.8, 1.0, 1.3]
    for i, delay in enumerate(delays):
        art = repo / "data" / "articles" / "tiny-2023-10" / "article.json"
        art.write_text(art.read_text(encoding="utf-8").replace(f'"tests/conftest.py{"" if i == 0 else i - 1}"', f'"tests/conftest.py{i}"'), encoding="utf-8")
        proc = subprocess.Popen(CLI + ["build", "-j", "2"], cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, err
        assert (repo / "release").is_dir(), f"no release after {sig!r} at {delay}s"
        assert verify(repo / "release").ok, verify(repo / "release").problems
        if sig != signal.SIGKILL:  # a signal Python sees: cleaned up at once
            assert _leftovers(repo, tmpdir) == [], (delay, _leftovers(repo, tmpdir))
    p = run(["build"], cwd=repo, env=env)
    assert p.returncode == 0, p.stderr
    assert _leftovers(repo, tmpdir) == []
    assert verify(repo / "release").ok


def test_two_builds_into_one_folder_both_finish(repo, tmp_path_factory):
    tmpdir = tmp_path_factory.mktemp("tmpdir")
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    for _ in range(3):
        procs = [subprocess.Popen(CLI + ["build", "-j", "1"], cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
        for out, err, rc in results:
            assert rc == 0 and "Traceback" not in err, err
        assert verify(repo / "release").ok
        assert _leftovers(repo, tmpdir) == []


def test_explore_publishes_a_site_with_its_marker_and_rebuilds_it(repo, tmp_path_factory):
    site = tmp_path_factory.mktemp("s") / "site"
    assert run(["explore", repo / "release", "--out", site], cwd=repo).returncode == 0
    assert (site / ".claimset-site").is_file() and (site / "index.html").is_file()
    (site / "index.html").write_text("stale", encoding="utf-8")
    assert run(["explore", repo / "release", "--out", site], cwd=repo).returncode == 0
    assert "claimset" in (site / "index.html").read_text(encoding="utf-8")
    assert [p.name for p in site.parent.iterdir()] == ["site"]


def test_pool_workers_die_with_a_parent_killed_outright(tmp_path):
    """A SIGKILLed build cannot stop its workers: they must end with it, not finish their part and
    print a BrokenPipeError traceback into the dead parent's stderr."""
    pidfile = tmp_path / "worker.pid"
    parent = subprocess.Popen([sys.executable, "-c", f"""
import multiprocessing as mp, os, time
from claimset.outputs import reset_in_worker
def work():
    reset_in_worker()
    open({str(pidfile)!r}, "w").write(str(os.getpid()))
    time.sleep(60)
mp.get_context("fork").Process(target=work).start()
time.sleep(60)
"""])
    try:
        deadline = time.monotonic() + 30
        while not pidfile.exists() or not pidfile.read_text():
            assert time.monotonic() < deadline, "the worker never started"
            time.sleep(0.05)
        worker = int(pidfile.read_text())
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker):
            assert time.monotonic() < deadline, "the worker outlived its parent"
            time.sleep(0.05)
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text(errors="replace")
    except FileNotFoundError:
        return False
