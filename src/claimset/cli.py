"""The one command-line entry: each command delegates to a library function tests call directly."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="claimset: news claims, attributed, anchored and typed.")
schema_app = typer.Typer(no_args_is_help=True, help="Generated schemas and docs.")
app.add_typer(schema_app, name="schema")

ROOT_OPT = typer.Option(Path("."), "--root", help="Repository root (holds data/ and release/).")


def _echo_report(report, fmt: str) -> None:
    from .report import FORMATS

    typer.echo(FORMATS[fmt](report))


@app.command()
def validate(
    paths: Optional[List[Path]] = typer.Argument(None, help="data/, an article folder, or <table>.jsonl files (default: data/)."),
    fmt: str = typer.Option("text", "--format", help="text, json, github or markdown."),
    root: Path = ROOT_OPT,
    summary: Optional[Path] = typer.Option(None, help="Also append a Markdown report here (e.g. $GITHUB_STEP_SUMMARY)."),
) -> None:
    """Check sources: structure, record semantics, dataset. Exit 0 valid, 1 invalid, 2 usage or I/O error."""
    from .report import FORMATS, format_markdown
    from .validate import UsageError, validate as run

    if fmt not in FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    try:
        report = run(paths or None, root=root)
    except UsageError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2)
    _echo_report(report, fmt)
    if summary is not None:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(format_markdown(report))
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def build(
    out: Optional[Path] = typer.Option(None, "--out", help="Release folder (default: release/)."),
    root: Path = ROOT_OPT,
) -> None:
    """Validate, then write Parquet + JSONL + manifest atomically. Writes nothing from invalid data."""
    from .build import BuildError, build as run
    from .report import format_text

    try:
        result = run(root, out)
    except BuildError as e:
        if e.report is not None:
            typer.echo(format_text(e.report))
        typer.echo(f"build failed: {e}", err=True)
        raise typer.Exit(1)
    total = sum(m["bytes"] for m in result.files.values())
    counts = ", ".join(f"{n} {t}" for t, n in result.rows.items())
    typer.echo(f"claimset build: valid; wrote {len(result.files)} files ({total:,} bytes) to {result.out}: {counts}")


@app.command()
def agree(
    a: Path = typer.Argument(..., help="First annotation set: a claims.jsonl file or a folder of them."),
    b: Path = typer.Argument(..., help="Second annotation set, of the same articles."),
    fmt: str = typer.Option("text", "--format", help="text (Markdown tables) or json."),
) -> None:
    """Inter-annotator agreement: span P/R/F1 (exact, overlap) and Cohen's kappa on labels."""
    import json

    from .agree import agree as run, format_agreement, read_claims

    try:
        ca, cb = read_claims(a), read_claims(b)
    except (OSError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2)
    result = run(ca, cb)
    if not result.articles:
        typer.echo("error: the two sets share no article", err=True)
        raise typer.Exit(2)
    typer.echo(json.dumps(result.as_dict(), indent=2) if fmt == "json" else format_agreement(result))


@schema_app.command("export")
def schema_export(root: Path = ROOT_OPT) -> None:
    """Regenerate schema/*.schema.json, docs/rules.md, docs/data-model.md and the README table."""
    from .generated import export

    written = export(root)
    typer.echo("\n".join(f"wrote {p}" for p in written) or "all generated files are up to date")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
