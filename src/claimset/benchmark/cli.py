"""Benchmark commands: evaluate, baseline, benchmark (registered on the main app by cli.py).

Exit codes: 0 scored (or up to date), 1 `benchmark --check` found the committed table stale, 2 usage
or I/O error or a prediction file that cannot be scored (its problems listed). A bad prediction file is listed like
`claimset validate` lists sources, never as a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

FORMATS = ("text", "json")


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(2)


def _problems(report, fmt: str, path: str) -> None:
    from ..validation.report import printable

    if fmt == "json":
        typer.echo(json.dumps({"valid": False, "problems": [p.as_dict() for p in report.problems]}, indent=2, ensure_ascii=False))
    else:
        for p in report.problems:
            fld = f" {printable(p.field)}:" if p.field else ""
            typer.echo(f"{printable(p.file)}:{p.line}:{p.column}: {p.code} [{p.name}]{fld} {printable(p.message)}")
            typer.echo(f"    fix: {p.fix}")
        typer.echo(f"claimset evaluate: {printable(path)}: {len(report.problems)} problem(s); nothing was scored", err=True)


def evaluate(
    pred: Path = typer.Argument(..., help="Predictions: a JSONL file of claim records, or a folder of *claims.jsonl / *predictions.jsonl (with optional clusters.jsonl)."),
    split: Optional[str] = typer.Option(None, "--split", help="train, test, all, fold-K or fold-K-train (default: every released article)."),
    task: Optional[str] = typer.Option(None, "--task", help="Comma-separated: detection, attribution, factuality, typing, clustering, or all (default: the tasks the predictions carry fields for)."),
    fmt: str = typer.Option("text", "--format", help="text (Markdown tables) or json."),
    release: Optional[Path] = typer.Option(None, "--release", help="Release folder with the gold annotations (default: the installed or repository release/)."),
    samples: int = typer.Option(1000, "--bootstrap", min=0, help="Bootstrap resamples of articles for the 95% intervals (0: none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap (same seed, same intervals)."),
    covered_only: bool = typer.Option(False, "--covered-only", help="Score only the articles the predictions mention (a partial annotation pass)."),
) -> None:
    """Score predictions with the official scorer: spans, attributes, clusters, end to end (docs/benchmark.md)."""
    from .evaluation import evaluate as run, format_evaluation
    from .predictions import PredictionError

    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}")
    if release is not None and not (release / "manifest.json").is_file():
        _fail(f"{release}: not a release (no manifest.json)")
    if not pred.exists():
        _fail(f"{pred}: no such file or folder")
    try:
        result = run(pred, split=split, tasks=task, release=release, samples=samples, seed=seed, covered_only=covered_only)
    except PredictionError as e:
        _problems(e.report, fmt, str(pred))
        raise typer.Exit(2)
    except (ValueError, FileNotFoundError) as e:
        _fail(str(e))
    typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False) if fmt == "json" else format_evaluation(result))


def baseline(
    name: str = typer.Argument(..., help="author-sentences or reporting-rules."),
    split: Optional[str] = typer.Option(None, "--split", help="Only the articles of this split (default: every released article)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the predictions JSONL here (default: standard output)."),
    release: Optional[Path] = typer.Option(None, "--release", help="Release folder (default: the installed or repository release/)."),
) -> None:
    """Write a baseline's predictions (JSONL in the prediction format) for `claimset evaluate`."""
    from .baselines import BASELINES, predict
    from .evaluation import load_gold
    from .splits import split_articles

    if name not in BASELINES:
        _fail(f"unknown baseline {name!r}; choose one of {', '.join(BASELINES)}")
    if release is not None and not (release / "manifest.json").is_file():
        _fail(f"{release}: not a release (no manifest.json)")
    try:
        scope = split_articles(split) if split else None
    except ValueError as e:
        _fail(str(e))
    if out is not None and (out.is_dir() or not out.parent.is_dir()):
        _fail(f"{out}: not a file in an existing folder")
    gold = load_gold(release)
    arts = [a for a in gold.articles if scope is None or a["article_id"] in scope]
    text = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in predict(name, arts, gold.entities))
    if out is None:
        typer.echo(text, nl=False)
    else:
        from ..utils import atomic_write_text

        atomic_write_text(out, text)
        typer.echo(f"claimset baseline: wrote {text.count(chr(10))} predictions to {out}", err=True)


def benchmark(
    root: Path = typer.Option(Path("."), "--root", help="Repository root (holds release/, data/agreement/ and docs/benchmark.md)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if docs/benchmark.md's table is not current."),
    samples: int = typer.Option(1000, "--bootstrap", min=0, help="Bootstrap resamples (the committed table uses 1000)."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed (the committed table uses 0)."),
) -> None:
    """Score every baseline and the human ceiling on every split; write the table into docs/benchmark.md."""
    from ..validation.validate import UsageError, require_repository
    from .results import DOC, expected_doc

    try:
        root = require_repository(root, "release", str(DOC))
    except UsageError as e:
        _fail(str(e))
    if not (root / "release" / "manifest.json").is_file():
        _fail(f"{root / 'release'}: no release (run claimset build)")
    text = expected_doc(root, samples=samples, seed=seed)
    if text is None:
        _fail(f"{root / DOC}: no benchmark-results markers")
    path = root / DOC
    if path.read_text(encoding="utf-8") == text:
        typer.echo(f"claimset benchmark: {path} is up to date")
        return
    if check:
        typer.echo(f"claimset benchmark: {path} is stale; run `claimset benchmark` and commit it", err=True)
        raise typer.Exit(1)
    from ..utils import atomic_write_text

    atomic_write_text(path, text)
    typer.echo(f"claimset benchmark: wrote {path}; `claimset build` puts the same rows into the dataset card")


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate)
    app.command("baseline")(baseline)
    app.command("benchmark")(benchmark)
