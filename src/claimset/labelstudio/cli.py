"""The `export` and `import` command groups; Label Studio is their first (and only) format.

Exit codes: 0 done, 1 annotations that would not validate (each problem with its task,
annotation and region; nothing written), 2 unusable input (no repository, an export that is not
Label Studio JSON, an output folder the guard refuses).
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

export_app = typer.Typer(no_args_is_help=True, help="Export sources for annotation tools.")
import_app = typer.Typer(no_args_is_help=True, help="Import annotations made in annotation tools.")
ROOT_OPT = typer.Option(Path("."), "--root", help="Repository root (holds data/).")


@export_app.command("label-studio")
def export_label_studio(
    articles: Optional[List[str]] = typer.Argument(None, help="Article IDs (default: every article in data/articles/)."),
    out: Path = typer.Option(..., "--out", help="Folder for labeling-config.xml and tasks/<article_id>.json (a new or empty folder, or an earlier export)."),
    root: Path = ROOT_OPT,
    no_claims: bool = typer.Option(False, "--no-claims", help="No pre-annotations: an independent pass over annotated articles."),
) -> None:
    """Write a Label Studio labeling configuration and one tasks file per article, claims pre-annotated."""
    from ..outputs import OutputError
    from .tasks import ExportError, export

    try:
        out_dir, ids = export(root, articles or [], out, with_claims=not no_claims)
    except (ExportError, OutputError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2)
    typer.echo(f"claimset export label-studio: wrote {out_dir}/labeling-config.xml and {len(ids)} tasks file(s) in {out_dir}/tasks/")


@import_app.command("label-studio")
def import_label_studio(
    export_file: Path = typer.Argument(..., metavar="EXPORT.json", help="A Label Studio export in its JSON format."),
    root: Path = ROOT_OPT,
    passes_dir: Optional[Path] = typer.Option(None, "--passes-dir", help="Write each annotation as a pass, DIR/<annotator>/<article_id>.claims.jsonl (for claimset agree), not into data/articles/."),
    annotator: Optional[str] = typer.Option(None, "--annotator", help="Annotator ID for claims whose annotator box is empty."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything, write nothing."),
) -> None:
    """Turn a Label Studio JSON export into validated claims in the article folders (or passes)."""
    from .importer import ImportFailure, import_export

    try:
        result = import_export(root, export_file, passes_dir, annotator, dry_run)
    except ImportFailure as e:
        for line in e.lines:
            typer.echo(f"{'error' if e.exit_code == 2 else 'refused'}: {line}", err=True)
        if e.exit_code == 1:
            typer.echo(f"claimset import label-studio: {len(e.lines)} problem(s); nothing was written", err=True)
        raise typer.Exit(e.exit_code)
    for note in result.notes:
        typer.echo(f"note: {note}")
    for path, c in result.claims.items():
        typer.echo(f"{path}: {c['kept']} unchanged, {c['changed']} changed, {c['new']} new, {c['removed']} removed claim(s)")
    verb = "would write" if dry_run else "wrote"
    typer.echo(f"claimset import label-studio: valid; {verb} {len(result.claims) if dry_run else len(result.written)} file(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")
