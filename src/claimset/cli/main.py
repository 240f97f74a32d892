"""The one command-line entry: each command delegates to a library function tests call directly."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

from ..version import __version__

import typer


def _plain_help_metavars() -> None:
    """Help as click writes it, not as this typer renders it: a flag (--dry-run, --help) shows no
    `<bool>` type, and the usage line names arguments in capitals, FILE and [RELEASE], not {file}.

    Typer (0.29) renders both through two methods; they are replaced only where they exist, so
    another typer version falls back to its own rendering instead of failing."""
    from typer import core

    option, argument = getattr(core, "TyperOption", None), getattr(core, "TyperArgument", None)
    if option is not None and hasattr(option, "display_type_rich"):
        shown = option.display_type_rich

        def display_type_rich(self, ctx):
            return None if (self.is_flag or self.count) else shown(self, ctx)

        option.display_type_rich = display_type_rich
    if argument is not None and hasattr(argument, "_usage_display_name"):

        def _usage_display_name(self) -> str:
            name = self.metavar if self.metavar is not None else str(self.name).upper()
            name = name if self.required else f"[{name}]"
            return name + ("..." if self.nargs != 1 else "")

        argument._usage_display_name = _usage_display_name


_plain_help_metavars()

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="claimset: news claims, attributed, anchored and typed.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"claimset {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """claimset: news claims, attributed, anchored and typed."""
schema_app = typer.Typer(no_args_is_help=True, help="Generated schemas and docs.")
app.add_typer(schema_app, name="schema")

ROOT_OPT = typer.Option(Path("."), "--root", help="Repository root (holds data/ and release/).")


def _echo_report(report, fmt: str) -> None:
    from ..validation.report import FORMATS

    typer.echo(FORMATS[fmt](report))


@app.command()
def validate(
    paths: Optional[List[Path]] = typer.Argument(None, help="data/, an article folder, or <table>.jsonl files (default: data/)."),
    fmt: str = typer.Option("text", "--format", help="text, json, github or markdown."),
    root: Path = ROOT_OPT,
    summary: Optional[Path] = typer.Option(None, help="Also append a Markdown report here (e.g. $GITHUB_STEP_SUMMARY)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Processes (default: the available cores). Same report for any number."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar on stderr (default: only on a terminal)."),
    changed: bool = typer.Option(False, "--changed", help="PATHS are changed files (the pre-commit hook): validate the datasets they belong to."),
) -> None:
    """Check sources: structure, record semantics, dataset. Exit 0 valid, 1 invalid, 2 usage or I/O error."""
    from ..validation.parallel import default_jobs
    from ..validation.report import FORMATS, format_markdown
    from ..validation.validate import UsageError, validate as run

    if fmt not in FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    try:
        if changed:
            from ..validation.validate import datasets_of

            if not paths:
                typer.echo("claimset validate --changed: no files given; nothing to check")
                raise typer.Exit(0)
            paths = datasets_of(paths)
        report = run(paths or None, root=root, jobs=jobs or default_jobs(), progress=sys.stderr.isatty() if progress is None else progress)
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
    out: Optional[Path] = typer.Option(None, "--out", help="Release folder (default: release/; annotations-only: dist/claimset-<version>-annotations-only)."),
    root: Path = ROOT_OPT,
    edition: str = typer.Option("full", "--edition", help="full, or annotations-only (no article text: offsets, hashes, text_sha256)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Processes (default: the available cores). Same bytes for any number."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar on stderr (default: only on a terminal)."),
) -> None:
    """Validate, then write Parquet + JSONL + croissant.json + manifest atomically, and the dataset card.

    Writes nothing from invalid data. Building the full edition into release/ also regenerates
    README.md's YAML front matter and dataset card, and docs/claims-over-time.png.
    """
    from ..publish.build import EDITIONS, BuildError, build as run
    from ..validation.report import format_text
    from ..version import __version__

    if edition not in EDITIONS:
        typer.echo(f"error: --edition must be one of {', '.join(EDITIONS)}", err=True)
        raise typer.Exit(2)
    if out is None and edition != "full":
        out = root / "dist" / f"claimset-{__version__}-{edition}"
    try:
        from ..validation.parallel import default_jobs

        result = run(root, out, edition=edition, jobs=jobs or default_jobs(), progress=sys.stderr.isatty() if progress is None else progress)
    except BuildError as e:
        if e.report is not None:
            typer.echo(format_text(e.report))
        typer.echo(f"build failed: {e}", err=True)
        raise typer.Exit(1)
    total = sum(m["bytes"] for m in result.files.values())
    counts = ", ".join(f"{n} {t}" for t, n in result.rows.items())
    typer.echo(f"claimset build: valid; wrote {len(result.files)} files ({total:,} bytes) to {result.out}: {counts}")
    if edition == "full" and result.out.resolve() == (root / "release").resolve():
        from ..publish.card import figure_available, write_card

        written = write_card(root)
        typer.echo("\n".join(f"wrote {p}" for p in written) or "dataset card and README front matter are up to date")
        if not figure_available():
            typer.echo("note: matplotlib is not installed, so docs/claims-over-time.png was not regenerated (pip install claimset[docs])")


@app.command()
def agree(
    a: Optional[Path] = typer.Argument(None, help="Reference annotation set: a claims.jsonl file or a folder of them (one annotation of each article)."),
    b: Optional[List[Path]] = typer.Argument(None, help="Second annotation set(s) of the same articles: files or folders, several annotators allowed (grouped by `annotator`)."),
    fmt: str = typer.Option("text", "--format", help="text (Markdown tables) or json."),
    reference_clusters: Optional[Path] = typer.Option(None, "--reference-clusters", help="Clusters of A when A has no clusters.jsonl: a clusters.jsonl or a folder of cluster records (data/clusters)."),
    update: bool = typer.Option(False, "--update", help="Recompute the committed report (docs/agreement.md figures, data/agreement/agreement.json) from data/agreement/: first-pass/ against every other pass."),
    check: bool = typer.Option(False, "--check", help="Exit 1 if the committed report differs from what --update would write."),
    root: Path = ROOT_OPT,
) -> None:
    """Inter-annotator agreement: B scored against A by the benchmark scorer (spans, attributes, clusters) and Cohen's kappa."""
    import json

    from ..benchmark.agree import agree as run, format_agreement, stale, update as rewrite
    from ..benchmark.agreement import read_cluster_labels, read_pass, with_clusters

    if fmt not in ("text", "json"):
        typer.echo("error: --format must be one of text, json", err=True)
        raise typer.Exit(2)
    if update or check:
        if a is not None or b or reference_clusters is not None:
            typer.echo("error: --update and --check take no annotation sets (they compare data/agreement/first-pass with the other passes)", err=True)
            raise typer.Exit(2)
        try:
            changed = stale(root) if check else rewrite(root)
        except (OSError, ValueError) as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2)
        if check and changed:
            typer.echo(f"claimset agree: {', '.join(map(str, changed))} out of date: run `claimset agree --update` and commit the result", err=True)
            raise typer.Exit(1)
        typer.echo("\n".join(f"wrote {p}" for p in changed) if changed and not check else "claimset agree: the agreement report is up to date")
        return
    if a is None or not b:
        typer.echo("error: give the reference set A and at least one set B (or --update)", err=True)
        raise typer.Exit(2)
    try:
        ref = read_pass([a])
        if reference_clusters is not None:
            ref = with_clusters(ref, read_cluster_labels(reference_clusters))
        result = run(ref, read_pass(b))
    except (OSError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2)
    if not result.articles:
        typer.echo("error: the two sets share no article", err=True)
        raise typer.Exit(2)
    typer.echo(json.dumps(result.as_dict(), indent=2) if fmt == "json" else format_agreement(result))


@app.command()
def explore(
    release: Optional[Path] = typer.Argument(None, help="Release folder (default: the installed or repository release/)."),
    out: Path = typer.Option(Path("site"), "--out", help="Folder for the static site (replaced atomically)."),
    changed_since: Optional[str] = typer.Option(
        None, "--changed-since", help="Review mode: mark claims added or changed since a git revision or an earlier release folder."
    ),
    summary: Optional[Path] = typer.Option(None, help="Also append a Markdown note here (e.g. $GITHUB_STEP_SUMMARY)."),
) -> None:
    """Write a static browser explorer of a release: articles with claims highlighted, entities, clusters."""
    from ..explore import ExploreError, build_site, summary_markdown

    try:
        result = build_site(release, out, changed_since)
    except (ExploreError, FileNotFoundError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2)
    c = result.counts
    typer.echo(
        f"claimset explore: wrote {len(result.pages)} pages to {result.out} "
        f"({c['articles']} articles, {c['claims']} claims, {c['entities']} entities, {c['clusters']} clusters); "
        f"open {result.out / 'index.html'}"
    )
    if result.review is not None:
        r = result.review
        typer.echo(f"changes since {r.description}: {len(r.added)} added, {len(r.changed)} changed, {len(r.removed)} removed claims")
    if summary is not None:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(summary_markdown(result))


@schema_app.command("export")
def schema_export(root: Path = ROOT_OPT) -> None:
    """Regenerate schema/*.schema.json, docs/rules.md, docs/data-model.md and the README table."""
    from ..publish.generated import export
    from ..validation.validate import require_repository

    written = export(require_repository(root, "schema", "pyproject.toml"))
    typer.echo("\n".join(f"wrote {p}" for p in written) or "all generated files are up to date")


# Contributor commands (new-article, new-entity, find, add-claim, stats): see cli/contribute.py.
from .contribute import register as _register_contribute  # noqa: E402

_register_contribute(app)

# Publishing commands (diff, check-version, verify, rehydrate): see cli/publish.py.
from .publish import register as _register_publish  # noqa: E402

_register_publish(app)

# Benchmark commands (evaluate, baseline, benchmark): see benchmark/cli.py.
from ..benchmark.cli import register as _register_benchmark  # noqa: E402

_register_benchmark(app)

# Annotation tools (export label-studio, import label-studio): see labelstudio/cli.py.
from ..labelstudio.cli import register as _register_labelstudio  # noqa: E402

_register_labelstudio(app)


def main() -> None:
    """Run the CLI; errors of the environment end in one line and exit 2, never a traceback."""
    from ..outputs import OutputError, Terminated, exit_terminated
    from ..validation.validate import UsageError  # noqa: F401  (light enough; the try below covers the rest)

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Terminated as t:
        exit_terminated(t)
    except (OutputError, UsageError) as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(2)
    except OSError as e:
        typer.echo(f"error: {e.filename or ''}{': ' if e.filename else ''}{e.strerror or e}", err=True)
        sys.exit(2)
    except Exception as e:  # a bug of ours: one line for the user, the traceback on request
        if os.environ.get("CLAIMSET_DEBUG") == "1":
            raise
        typer.echo(
            f"internal error: {type(e).__name__}: {e}. This is a bug in claimset {__version__}; "
            "please report it with the command you ran (CLAIMSET_DEBUG=1 shows the traceback).",
            err=True,
        )
        sys.exit(70)
