"""Print a validation report as text, JSON or GitHub workflow commands."""

from __future__ import annotations

import html
import json
import unicodedata

from .validate import Problem, Report


def printable(s: str, keep: str = "") -> str:
    """`s` with what a terminal or a log would act on or hide made visible as escapes: control,
    format and separator characters (ESC, NUL, newline, bidi controls, U+2028), and lone
    surrogates (file names that are not UTF-8, as os.fsdecode gives them: \\xNN for the byte)."""
    out = []
    for ch in s:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch in keep or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(ch)
        elif o <= 0xFF:
            out.append(f"\\x{o:02x}")
        else:
            out.append(f"\\u{o:04x}")
    return "".join(out)


def _utf8(s: str) -> str:
    """`s` encodable as UTF-8: lone surrogates (a non-UTF-8 file name) become escapes."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return "".join(printable(ch) if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in s)


def _summary(report: Report) -> str:
    counts = ", ".join(f"{n} {t}" for t, n in report.records.items())
    verdict = "valid" if report.ok else f"{len(report.problems)} problem(s)"
    return f"claimset validate: {report.files} file(s), {counts}: {verdict}"


def format_text(report: Report) -> str:
    lines = []
    for p in report.problems:
        fld = f" {printable(p.field)}:" if p.field else ""
        lines.append(f"{printable(p.file)}:{p.line}:{p.column}: {p.code} [{p.name}]{fld} {printable(p.message)}")
        lines.append(f"    fix: {p.fix}")
    lines.append(_summary(report))
    return "\n".join(lines)


def format_json(report: Report) -> str:
    return json.dumps(
        {
            "valid": report.ok,
            "files": report.files,
            "records": report.records,
            "problems": [{k: _utf8(v) if isinstance(v, str) else v for k, v in p.as_dict().items()} for p in report.problems],
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
    # GitHub's own escaping (%, CR, LF, and : , in properties) round-trips every name exactly, which
    # the annotation needs to find its file; only a non-UTF-8 name is shown with escapes.
    props = f"file={escape_property(_utf8(p.file))},line={p.line},col={p.column},title={escape_property(f'{p.code} {p.name}')}"
    fld = f"{_utf8(p.field)}: " if p.field else ""
    return f"::error {props}::{escape_data(_utf8(f'{fld}{p.message} Fix: {p.fix}'))}"


def format_github(report: Report) -> str:
    return "\n".join([github_line(p) for p in report.problems] + [_summary(report)])


def format_markdown(report: Report) -> str:
    """The full report for a GitHub step summary (annotations are capped at 10 per step)."""
    out = [f"## {_summary(report)}", ""]
    if report.problems:
        out += ["| file | line | rule | field | message | fix |", "|---|---|---|---|---|---|"]
        for p in report.problems:
            cells = [p.file, str(p.line), f"{p.code} {p.name}", p.field, p.message, p.fix]
            # GitHub renders the summary as Markdown with HTML: nothing from the sources may become markup
            out.append("| " + " | ".join(html.escape(printable(c)).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


FORMATS = {"text": format_text, "json": format_json, "github": format_github, "markdown": format_markdown}
