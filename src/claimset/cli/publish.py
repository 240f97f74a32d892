"""Publishing commands: diff, check-version, verify, rehydrate (`build --edition` lives in cli.py).

Exit codes: 0 success, 1 the check failed (differences that need a bump, a damaged release, a text
that differs), 2 usage or I/O error (a release that cannot be found or read).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

ROOT_OPT = typer.Option(Path("."), "--root", help="Repository root (holds data/, release/ and CHANGELOG.md).")


def diff(
    old: str = typer.Argument(..., help="Old release: a release folder, a repository root (its sources are built) or a git revision."),
    new: str = typer.Argument(".", help="New release, same forms (default: the sources in --root)."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    root: Path = ROOT_OPT,
) -> None:
    """Records added, removed and changed per table (by ID, with the changed fields) and the smallest bump required."""
    from ..publish.versions import DiffError, diff as run, format_diff, release_of

    try:
        with release_of(old, root) as a, release_of(new, root) as b:
            result = run(a, b)
    except DiffError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2)
    typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False) if fmt == "json" else format_diff(result))


def check_version(
    against: Optional[str] = typer.Option(
        None, "--against", help="The last release: a release folder or git revision (default: the pull request's base in GitHub Actions, else the newest vX.Y.Z tag, else the commit that set the current version)."
    ),
    root: Path = ROOT_OPT,
) -> None:
    """Fail unless version.py is bumped as far as the change since the last release requires and CHANGELOG.md has its entry."""
    from ..validation.validate import require_repository
    from ..publish.versions import DiffError, check_version as run, describe_rev

    try:
        result = run(require_repository(root, "CHANGELOG.md"), against)
    except DiffError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2)
    d = result.diff
    if d is None:
        typer.echo(f"claimset check-version: no earlier release to compare with; version {result.version}")
    elif d.level == "none":
        typer.echo(f"claimset check-version: sources equal the last release {d.old_version} ({describe_rev(result.baseline)}); version {result.version}")
    else:
        typer.echo(f"claimset check-version: since {d.old_version} ({describe_rev(result.baseline)}): {d.level.upper()} change; version {result.version}")
        for r in d.reasons:
            typer.echo(f"  - {r}")
    for p in result.problems:
        typer.echo(f"error: {p}", err=True)
    raise typer.Exit(0 if result.ok else 1)


def verify(
    release: Optional[Path] = typer.Argument(
        None, help="Release folder (default: the installed or repository release/, as for explore and claimset.load)."
    ),
) -> None:
    """Recompute every checksum and row count of a release's manifest; fail on any mismatch, missing or extra file."""
    from ..loaders import default_release
    from ..publish.verify import verify as run

    if release is None:  # the one default for where the release is (loaders.default_release)
        try:
            release = default_release()
        except FileNotFoundError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
    if not release.is_dir():
        typer.echo(f"error: {release}: no such folder", err=True)
        raise typer.Exit(2)
    result = run(release)
    for p in result.problems:
        typer.echo(f"{release}/{p}")
    if result.ok:
        typer.echo(f"claimset verify: {release}: {result.checked} files, checksums and row counts match the manifest")
    else:
        typer.echo(f"claimset verify: {release}: {len(result.problems)} problem(s)", err=True)
    raise typer.Exit(0 if result.ok else 1)


def rehydrate(
    release: Path = typer.Argument(..., help="An annotations-only release folder."),
    texts: Path = typer.Option(..., "--texts", help="Folder of the texts you hold: <article_id>.txt or <article_id>/text.txt (data/articles works)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to write the full edition (default: <RELEASE>-full beside it)."),
) -> None:
    """Re-attach article texts to an annotations-only release, verifying each hash; writes the full edition."""
    from ..publish.rehydrate import RehydrateError, rehydrate as run

    if not (release / "manifest.json").is_file():
        typer.echo(f"error: {release}: not a release (no manifest.json)", err=True)
        raise typer.Exit(2)
    if not texts.is_dir():
        typer.echo(f"error: {texts}: no such folder", err=True)
        raise typer.Exit(2)
    from ..outputs import RELEASE, check_target

    target = check_target(out or release.with_name(f"{release.name}-full"), RELEASE)  # before reading any text
    try:
        written, manifest = run(release, texts, target)
    except RehydrateError as e:
        for line in str(e).splitlines():
            typer.echo(f"refused: {line}", err=True)
        typer.echo("claimset rehydrate: nothing was written", err=True)
        raise typer.Exit(1)
    counts = ", ".join(f"{m['rows']} {t}" for t, m in manifest["tables"].items())
    typer.echo(f"claimset rehydrate: every text matches its hash; wrote the full edition {manifest['version']} to {written}: {counts}")


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
    app.command("check-version")(check_version)
    app.command("verify")(verify)
    app.command("rehydrate")(rehydrate)
