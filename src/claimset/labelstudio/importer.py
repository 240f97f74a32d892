"""`claimset import label-studio EXPORT.json`: a Label Studio JSON export -> claims.jsonl.

Nothing is written until every claim of every task has passed the models and the project's
validator (on a temporary copy of data/ holding the new files); then each file is replaced
atomically. An existing claim keeps its ID and, when the annotator left it as it was, its exact
bytes: numbers keep their spelling (1000.0 stays 1000.0, though Label Studio's JavaScript would
print 1000) and unordered choices their order. New claims are numbered as add-claim numbers
them. A task with several annotations (several annotators) becomes one pass per annotation
under --passes-dir, in the layout `claimset agree` reads, rather than the article's claims.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pydantic import ValidationError

from ..sources import layout
from ..contribute import ContributeError, load_article, load_entities, next_claim_id
from ..models import Claim
from ..outputs import owned_tempdir
from ..utils import atomic_write_bytes, json_line, read_regular, sha256_bytes
from ..validation.validate import field_path, validate
from .claims import Built, Context, Issue, parse
from .tasks import DATA_KEY, read_claims


class ImportFailure(Exception):
    """exit_code 2: the export cannot be used at all; 1: annotations that would not validate."""

    def __init__(self, exit_code: int, lines: list[str]):
        super().__init__("\n".join(lines))
        self.exit_code = exit_code
        self.lines = lines


@dataclass
class Imported:
    written: list[Path] = field(default_factory=list)
    claims: dict[str, dict[str, int]] = field(default_factory=dict)  # target -> {"kept", "changed", "new", "removed"}
    notes: list[str] = field(default_factory=list)


def read_export(path: Path) -> list[dict]:
    try:
        data = json.loads(read_regular(path).decode("utf-8"))
    except OSError as e:
        raise ImportFailure(2, [f"{path}: cannot read ({e.strerror or e})"]) from None
    except (UnicodeDecodeError, ValueError) as e:
        raise ImportFailure(2, [f"{path}: not JSON ({e}); export the project from Label Studio as JSON (not JSON-MIN or CSV)"]) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(t, dict) and isinstance(t.get("data"), dict) for t in data):
        raise ImportFailure(2, [f"{path}: not a Label Studio JSON export (a list of tasks, each with data and annotations)"])
    return data


def keep_form(new: Any, old: Any) -> Any:
    """`new`, spelled as `old` where they are equal: JSON numbers and unordered choice lists."""
    if isinstance(new, dict) and isinstance(old, dict):
        return {k: keep_form(v, old.get(k)) for k, v in new.items()}
    if isinstance(new, list) and isinstance(old, list):
        if len(new) == len(old) and all(isinstance(x, str) for x in new + old) and sorted(new) == sorted(old):
            return old  # claim_types, cited: the same set keeps the order it was stored in
        if len(new) == len(old):
            return [keep_form(a, b) for a, b in zip(new, old)]
        return new
    if isinstance(new, (int, float)) and isinstance(old, (int, float)) and not isinstance(new, bool) and not isinstance(old, bool) and new == old:
        return old
    return new


def _who(ann: dict, taken: set[str]) -> str:
    """A folder name for an annotation's pass: the annotator's e-mail name, else user-<id>."""
    by = ann.get("completed_by")
    name = None
    if isinstance(by, dict):
        email = by.get("email") or ""
        name = re.sub(r"[^a-z0-9]+", "-", email.split("@")[0].lower()).strip("-") or None
        by = by.get("id")
    name = name or f"user-{by if isinstance(by, int) else 'unknown'}"
    if name in taken:
        name = f"{name}-a{ann.get('id')}"
    taken.add(name)
    return name


@dataclass
class _Target:
    path: Path  # the file to write
    article_id: str
    claims: list[Built]
    origin: tuple[Any, Any]  # task, annotation
    old_raw: bytes
    old: list[dict]


def _render(t: _Target, root: Path, next_no: dict[str, int]) -> tuple[bytes, dict[str, int]]:
    """The new claims.jsonl: existing claims in their stored order, then new ones in text order."""
    old_line = {c["claim_id"]: json_line(c) for c in t.old}
    raw_line = dict(zip([c["claim_id"] for c in t.old], t.old_raw.decode("utf-8").splitlines()))
    kept = [b for b in t.claims if b.record["claim_id"] is not None]
    new = [b for b in t.claims if b.record["claim_id"] is None]
    order = {c["claim_id"]: i for i, c in enumerate(t.old)}
    kept.sort(key=lambda b: order.get(b.record["claim_id"], len(order)))
    for b in new:
        if t.article_id not in next_no:
            next_no[t.article_id] = int(next_claim_id(root, t.article_id).rsplit("-c", 1)[1])
        b.record["claim_id"] = f"{t.article_id}-c{next_no[t.article_id]:03d}"
        next_no[t.article_id] += 1
    lines, counts = [], {"kept": 0, "changed": 0, "new": len(new), "removed": 0}
    for b in kept:
        old = next((c for c in t.old if c["claim_id"] == b.record["claim_id"]), b.base)
        line = json_line(keep_form(b.record, old)) if old is not None else json_line(b.record)
        same = old is not None and line == old_line.get(b.record["claim_id"])
        lines.append(raw_line.get(b.record["claim_id"], line) if same else line)
        counts["kept" if same else "changed"] += 1
    lines += [json_line(b.record) for b in new]
    counts["removed"] = len(set(order) - {b.record["claim_id"] for b in kept})
    return "".join(line + "\n" for line in lines).encode("utf-8"), counts


_FIELD = re.compile(r"^(content|source_chain|quantities|hedges|evidence\.corroboration_spans|event\.quantity|claimant|cue)(?:\[(\d+)\])?")


def _region_for(b: Built, fld: str) -> str:
    m = _FIELD.match(fld or "")
    if not m:
        return b.head
    ids = b.regions.get(m.group(1)) or [b.head]
    i = int(m.group(2)) if m.group(2) else 0
    return ids[i] if i < len(ids) else ids[0]


def import_export(root: Path, export: Path, passes_dir: Optional[Path] = None, annotator: Optional[str] = None, dry_run: bool = False) -> Imported:
    root = Path(root)
    if not (root / "data" / layout.ARTICLES).is_dir():
        raise ImportFailure(2, [f"{root / 'data' / layout.ARTICLES}: no such folder; run claimset in the root of a claimset repository, or pass --root"])
    tasks = read_export(export)
    entities = load_entities(root)
    issues: list[Issue] = []
    targets: list[_Target] = []
    result = Imported()
    if passes_dir is not None:
        pd = Path(passes_dir).resolve()
        arts = (root / "data" / layout.ARTICLES).resolve()
        if pd == arts or pd.is_relative_to(arts):
            raise ImportFailure(2, [f"--passes-dir {passes_dir}: is inside data/articles/; give a folder such as data/agreement/<name> or one outside the repository"])
    several = [t.get("id") for t in tasks if len([a for a in t.get("annotations") or [] if not a.get("was_cancelled")]) > 1]
    if several and passes_dir is None:
        raise ImportFailure(2, [f"task {', '.join(map(str, several))}: several annotations; give --passes-dir DIR to import each as a separate pass for claimset agree"])
    seen_articles: dict[str, Any] = {}
    taken: dict[str, set[str]] = {}
    for task in tasks:
        tid, data = task.get("id"), task["data"]
        aid, meta = data.get("article_id"), data.get(DATA_KEY) or {}
        try:
            src = load_article(root, str(aid))
        except ContributeError as e:
            issues.append(Issue(tid, None, None, "data.article_id", str(e), "import into the repository the tasks were exported from (--root)"))
            continue
        if meta.get("text_sha256") != sha256_bytes(src.text.encode("utf-8")) or data.get("text") != src.text:
            issues.append(Issue(tid, None, None, "data.text", f"the task's text is not the text of {aid} in {root}/data", "export the article again and redo the task"))
            continue
        old, old_raw = read_claims(src.folder)
        base = {c["claim_id"]: c for c in meta.get("claims") or [] if isinstance(c, dict) and "claim_id" in c}
        anns = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
        if not anns:
            result.notes.append(f"task {tid} ({aid}): no annotation; skipped")
            continue
        if passes_dir is None:
            if aid in seen_articles:
                issues.append(Issue(tid, None, None, "data.article_id", f"{aid} is also task {seen_articles[aid]}", "import one task per article"))
                continue
            seen_articles[aid] = tid
            if meta.get("claims_sha256") not in (None, sha256_bytes(old_raw)):
                issues.append(Issue(tid, None, None, f"data/articles/{aid}/claims.jsonl", "changed since the tasks were exported, so importing would undo that change",
                                    "export the article again and redo the task on the new export (or use --passes-dir)"))
                continue
        boiler = [(b["start"], b["end"], b["kind"]) for b in src.article.get("boilerplate") or []]
        for ann in anns:
            ctx = Context(tid, ann.get("id"), aid, src.text, boiler, entities, base, annotator)
            built = parse(ctx, ann.get("result") or [])
            issues += ctx.issues
            if passes_dir is None:
                path = src.folder / layout.CLAIMS_FILE
            else:
                path = Path(passes_dir) / _who(ann, taken.setdefault(aid, set())) / f"{aid}.claims.jsonl"
            targets.append(_Target(path, aid, built, (tid, ann.get("id")), old_raw, old))
    if issues:
        raise ImportFailure(1, [i.line() for i in issues])
    rendered = _validated(root, targets, issues)
    if issues:
        raise ImportFailure(1, [i.line() for i in issues])
    for t, (raw, counts) in zip(targets, rendered):
        result.claims[str(t.path)] = counts
        if not dry_run and (not t.path.is_file() or t.path.read_bytes() != raw):
            atomic_write_bytes(t.path, raw)
            result.written.append(t.path)
    return result


def _validated(root: Path, targets: list[_Target], issues: list[Issue]) -> list[tuple[bytes, dict]]:
    """Render every target, then check it with the models and the validator on a copy of data/."""
    next_no: dict[str, int] = {}
    rendered = []
    for t in targets:
        raw, counts = _render(t, root, next_no)
        rendered.append((raw, counts))
        for b in t.claims:
            try:
                Claim.model_validate(b.record)
            except ValidationError as e:
                for err in e.errors():
                    fld = field_path(list(err["loc"]))
                    got = f" (got {err['input']!r})" if not isinstance(err.get("input"), (dict, list)) else ""
                    issues.append(Issue(*t.origin, _region_for(b, fld), fld, f"{err['msg']}{got}", "correct it in the editor and export again"))
    if issues:
        return rendered
    # One validation per round: the passes of one article replace the same file in the copy.
    rounds: list[list[int]] = []
    for i, t in enumerate(targets):
        for r in rounds:
            if all(targets[j].article_id != t.article_id for j in r):
                r.append(i)
                break
        else:
            rounds.append([i])
    with owned_tempdir(prefix="claimset-ls-") as tmp:
        shutil.copytree(root / "data", tmp / "data", ignore=shutil.ignore_patterns("agreement"))
        for r in rounds:
            rel = {}
            for i in r:
                p = layout.article_dir(tmp / "data", targets[i].article_id) / layout.CLAIMS_FILE
                p.write_bytes(rendered[i][0])
                rel[p.relative_to(tmp).as_posix()] = i
            report = validate([tmp / "data"], root=tmp, jobs=1)
            for p in report.problems:
                i = rel.get(p.file)
                if i is None:
                    continue  # a problem of the repository as it already is, not of this import
                t = targets[i]
                lines = rendered[i][0].decode("utf-8").splitlines()
                cid = json.loads(lines[p.line - 1]).get("claim_id", "?") if 0 < p.line <= len(lines) else "?"
                b = next((c for c in t.claims if c.record["claim_id"] == cid), None)
                region = _region_for(b, p.field) if b else None
                issues.append(Issue(*t.origin, region, f"{cid} {p.field}".strip(), f"{p.code} [{p.name}] {p.message}", p.fix))
            for i in r:  # put the repository's own file back for the next round
                p = layout.article_dir(tmp / "data", targets[i].article_id) / layout.CLAIMS_FILE
                p.write_bytes(targets[i].old_raw)
    return rendered
