"""Print a validation report as text, JSON or GitHub workflow commands."""

from __future__ import annotations

import json

from .validate import Problem, Report


def _summary(report: Report) -> str:
    counts = ", ".join(f"{n} {t}" for t, n in report.records.items())
    verdict = "valid" if report.ok else f"{len(report.problems)} problem(s)"
    return f"claimset validate: {report.files} file(s), {counts}: {verdict}"


def format_text(report: Report) -> str:
    lines = []
    for p in report.problems:
        fld = f" {p.field}:" if p.field else ""
        lines.append(f"{p.file}:{p.line}:{p.column}: {p.code} [{p.name}]{fld} {p.message}")
        lines.append(f"    fix: {p.fix}")
    lines.append(_summary(report))
    return "\n".join(lines)


def format_json(report: Report) -> str:
    return json.dumps(
        {
            "valid": report.ok,
            "files": report.files,
            "records": report.records,
            "problems": [p.as_dict() for p in report.problems],
        },
        ensure_ascii=False,
        indent=2,
    )


def escape_data(s: str) -> str:
    """GitHub workflow command message escaping (%, CR, LF)."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """GitHub workflow command property escaping: also ':' and ','."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github_line(p: Problem) -> str:
    props = f"file={escape_property(p.file)},line={p.line},col={p.column},title={escape_property(f'{p.code} {p.name}')}"
    fld = f"{p.field}: " if p.field else ""
    return f"::error {props}::{escape_data(f'{fld}{p.message} Fix: {p.fix}')}"


def format_github(report: Report) -> str:
    return "\n".join([github_line(p) for p in report.problems] + [_summary(report)])


def format_markdown(report: Report) -> str:
    """The full report for a GitHub step summary (annotations are capped at 10 per step)."""
    out = [f"## {_summary(report)}", ""]
    if report.problems:
        out += ["| file | line | rule | field | message | fix |", "|---|---|---|---|---|---|"]
        for p in report.problems:
            cells = [p.file, str(p.line), f"{p.code} {p.name}", p.field, p.message, p.fix]
            out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(out) + "\n"


FORMATS = {"text": format_text, "json": format_json, "github": format_github, "markdown": format_markdown}
