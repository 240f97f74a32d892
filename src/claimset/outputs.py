"""Where a command may write a folder, and how it publishes one: guarded, locked, fsynced, swapped.

Every command that writes a folder (`build --out`, `rehydrate --out`, `explore --out`) goes
through `publishing()`, so one set of rules protects a user's files:

* The guard (`check_target`): a folder is written only where it is absent, empty, or already a
  claimset folder of the same kind (a release recognised by its manifest, a site by its marker),
  holding nothing that folder does not list. Never a repository root or a folder above one, never
  inside `data/`, `src/` or `.git`, never over a file or through a symbolic link.
* The lock: the parent folder is locked (flock) for the whole run, so a second command writing
  beside it waits, then stops with a message; the lock dies with its process, so nothing is left
  behind by a killed run.
* Recovery: under the lock, leftovers of killed runs (`.NAME.tmp-*`, `.NAME.old-*`,
  `.NAME.runs-*`) belong to nobody; an interrupted swap is rolled back (the old folder put back),
  the rest removed.
* The swap: every file and folder of the new tree is fsynced, then the new folder and the old
  one are exchanged in one rename (renameat2 RENAME_EXCHANGE, so a reader always sees a whole
  folder), or, where the file system cannot exchange, two renames whose gap recovery closes.

Temporary folders are removed on every exit Python sees; `install_signal_handlers` (called by
the CLI) turns SIGTERM and SIGHUP into exceptions so that cleanup runs for them too.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

RELEASE = "release"
SITE = "site"
SITE_MARKER = ".claimset-site"  # an explorer site's marker file: {"generator": "claimset explore"}
PROTECTED_INSIDE = ("data", "src", ".git")
LOCK_TIMEOUT = float(os.environ.get("CLAIMSET_LOCK_TIMEOUT", "600"))


class OutputError(Exception):
    """A folder a command refuses to write (exit 2): the message says why and what to do."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the process is, so `finally` blocks clean up."""

    def __init__(self, signum: int):
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


_HANDLER_PID = [0]


CLEANUP_SECONDS = float(os.environ.get("CLAIMSET_CLEANUP_SECONDS", "30"))


def _raise_terminated(signum, frame):  # pragma: no cover - exercised through subprocesses
    if os.getpid() != _HANDLER_PID[0]:  # a forked worker (Pool.terminate sends SIGTERM): its parent cleans up
        os._exit(128 + signum)
    # The cleanup that the exception runs is bounded: should anything in it wait for good (a
    # library's lock or thread in an unexpected state), the process prints where every thread
    # was and ends, instead of hanging.
    import faulthandler

    faulthandler.dump_traceback_later(CLEANUP_SECONDS, exit=True)
    raise Terminated(signum)


def exit_terminated(t: Terminated) -> None:
    """End a command whose cleanup has run (the `finally` blocks did, on the way out): flush, then
    exit at once, skipping the interpreter's shutdown (atexit hooks, joins of library threads),
    which a signal may have caught half-way through an import or a pool's set-up."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(128 + t.signum)


def reset_in_worker() -> None:
    """Pool initializer: a worker dies at once on SIGTERM/SIGHUP (the kernel's default, whatever the
    worker is blocked in: Pool.terminate must never wait) and leaves Ctrl-C to its parent."""
    parent = os.getppid()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """A parent killed outright (SIGKILL) cannot stop its workers; left alone, each would finish its
    part, write it into the dead parent's pipe and print a BrokenPipeError traceback. Linux ends a
    worker with its parent instead (prctl PR_SET_PDEATHSIG); elsewhere the worker lives on quietly."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def install_signal_handlers() -> None:
    _HANDLER_PID[0] = os.getpid()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):  # not the main thread, or no such signal
            signal.signal(sig, _raise_terminated)


# --- recognising what a folder is ----------------------------------------------------------------


def release_listing(folder: Path) -> Optional[set[str]]:
    """The names a claimset release folder may hold (from its manifest), or None if it is not one."""
    try:
        man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(man, dict) or man.get("name") != "claimset" or not isinstance(man.get("files"), dict):
        return None
    return {str(n).split("/", 1)[0] for n in man["files"]} | {"manifest.json", "SHA256SUMS"}  # annotations-only/<file>: its folder


def is_site(folder: Path) -> bool:
    try:
        marker = json.loads((folder / SITE_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        try:  # a site of claimset 0.1.0, which had no marker: its index page names the generator
            with open(folder / "index.html", encoding="utf-8", errors="replace") as f:
                return '<meta name="generator" content="claimset explore">' in f.read(4000)
        except OSError:
            return False
    return isinstance(marker, dict) and marker.get("generator") == "claimset explore"


def _repository_of(path: Path) -> Optional[Path]:
    """The nearest folder at or above `path` that holds .git (a repository root), if any."""
    for p in [path, *path.parents]:
        if (p / ".git").exists():
            return p
    return None


def _existing_ancestor(path: Path) -> Path:
    for p in [path, *path.parents]:
        if p.exists():
            return p
    return Path("/")


def check_target(out: Path, kind: str, root: Optional[Path] = None) -> Path:
    """The absolute folder to write, or OutputError saying why `out` must not be written."""
    out = Path(os.path.abspath(out))
    what = "a release" if kind == RELEASE else "an explorer site"
    if out.is_symlink():
        raise OutputError(f"{out}: is a symbolic link; give the folder itself, or a new path")
    real = Path(os.path.realpath(out))
    repos = {Path(os.path.realpath(r)) for r in (root, Path.cwd()) if r is not None and Path(r).exists()}
    for start in (Path.cwd(), _existing_ancestor(real)):
        repo = _repository_of(Path(os.path.realpath(start)))
        if repo is not None:
            repos.add(repo)
    for repo in sorted(repos):
        if real == repo or repo.is_relative_to(real):
            raise OutputError(f"{out}: holds the repository {repo}; writing {what} there would replace it. Give a new folder, e.g. {repo / 'dist' / kind}")
        for sub in PROTECTED_INSIDE:
            if real.is_relative_to(repo / sub):
                raise OutputError(f"{out}: is (or is inside) {repo / sub}, which claimset never writes {what} into; give a folder outside it")
    if real.exists() and not real.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; give a new or empty folder")
    if not real.is_dir():
        return out
    try:
        names = {p.name for p in real.iterdir()}
    except OSError as e:
        raise OutputError(f"{out}: cannot be listed ({e.strerror})") from None
    if not names:
        return out
    if kind == RELEASE:
        listed = release_listing(real)
        if listed is None:
            raise OutputError(f"{out}: is not empty and not a claimset release (no claimset manifest.json); give a new or empty folder")
        extra = sorted(names - listed)
        if extra:
            raise OutputError(f"{out}: holds {', '.join(extra[:5])}, which its manifest does not list; move it away first (a rebuild replaces the whole folder)")
    elif not is_site(real):
        raise OutputError(f"{out}: is not empty and not a claimset explorer site; give a new or empty folder")
    return out


# --- owned temporary folders ----------------------------------------------------------------------


OWNER = ".owner"


@contextlib.contextmanager
def owned_tempdir(parent: Optional[Path] = None, prefix: str = "claimset-") -> Iterator[Path]:
    """A temporary folder whose owner holds a lock on it: `sweep` removes those whose owner died."""
    import fcntl

    parent = Path(parent or tempfile.gettempdir())
    sweep(parent, prefix)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    fd = None
    try:
        fd = os.open(folder / OWNER, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if fd is not None:
            os.close(fd)


def sweep(parent: Path, prefix: str) -> None:
    """Remove `prefix*` folders in `parent` left by dead owners (their owner file is not locked).

    A folder without an owner file is never touched: it may be being created, or not be ours."""
    import fcntl

    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith(prefix) and e.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for e in entries:
        try:
            fd = os.open(os.path.join(e.path, OWNER), os.O_RDWR | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # its owner is alive
        else:
            shutil.rmtree(e.path, ignore_errors=True)
        finally:
            os.close(fd)


# --- the lock, recovery and the swap --------------------------------------------------------------


@contextlib.contextmanager
def _locked(folder: Path, what: str, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"claimset: waiting for another claimset command writing in {folder} ...", file=sys.stderr)
            deadline = time.monotonic() + timeout
            while True:
                time.sleep(0.05)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise OutputError(
                            f"{what}: another claimset command has been writing in {folder} for {timeout:.0f} s; "
                            "let it finish (or stop it), then run again"
                        ) from None
        yield
    finally:
        os.close(fd)


def _leftovers(out: Path, tag: str) -> list[Path]:
    prefix = f".{out.name}.{tag}-"
    try:
        return sorted(p for p in out.parent.iterdir() if p.name.startswith(prefix))
    except OSError:
        return []


def recover(out: Path) -> None:
    """Under the lock: undo what killed runs left beside `out` (see the module docstring)."""
    olds = _leftovers(out, "old")
    if not out.exists() and olds:
        os.rename(olds[-1], out)  # a swap interrupted between its two renames: roll back
        olds = olds[:-1]
    for p in olds + _leftovers(out, "tmp") + _leftovers(out, "runs"):
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() and not p.is_symlink() else p.unlink(missing_ok=True)
    legacy = ".claimset-runs-"  # claimset 0.1.0's build runs, left by killed builds
    for p in out.parent.iterdir():
        if p.name.startswith(legacy) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)


def fsync_tree(folder: Path) -> None:
    for dirpath, _dirs, files in os.walk(folder, topdown=False):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_into_place(tmp: Path, out: Path) -> None:
    """Replace folder `out` by the finished folder `tmp`; `out` is never missing where exchange works."""
    if not out.exists():
        os.rename(tmp, out)
    elif _exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old folder
    else:
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
        os.rename(tmp, out)  # a kill before this line is rolled back by the next run's recover()
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(out.parent)


@contextlib.contextmanager
def publishing(
    out: Path, kind: str, root: Optional[Path] = None, guard: Optional[Callable[[Path, Optional[Path]], Path]] = None
) -> Iterator[Path]:
    """Guard `out`, lock its parent, recover, and yield a temporary folder to fill; on success the
    folder is fsynced and swapped into place, on any failure removed, leaving `out` as it was.
    `guard(out, root)`: a command's own check of the target (default: check_target for `kind`)."""
    guard = guard or (lambda o, r: check_target(o, kind, r))
    out = guard(out, root)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out.parent, str(out)):
        recover(out)
        guard(out, root)  # recovery may have put a folder back
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        try:
            yield tmp
            fsync_tree(tmp)
            swap_into_place(tmp, out)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def runs_dir(out: Path) -> Path:
    """A scratch folder beside `out` for a build's sorted runs; call inside `publishing(out)`."""
    return Path(tempfile.mkdtemp(prefix=f".{Path(out).name}.runs-", dir=Path(os.path.abspath(out)).parent))
