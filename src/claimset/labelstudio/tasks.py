"""`claimset export label-studio`: the labeling configuration and one tasks file per article.

Each task holds the article text, its boilerplate as read-only regions, and (for a review of an
annotated article) its claims as pre-annotations ("predictions" in Label Studio's task format),
one region per span, the claim's own fields as per-region controls on its first content region.
The task data also keeps the claims as they were and the hash of claims.jsonl, so the import
can tell an unchanged claim (written back byte for byte) from an edited one, can refuse to
overwrite an article changed since the export, and can restore what the interface cannot show
(a relay the text never names: no region to hang it on).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional, Sequence

from ..sources import layout
from ..contribute import ContributeError, load_article, load_entities
from ..outputs import SITE, OutputError, check_target, publishing
from ..utils import atomic_write_bytes, sha256_bytes
from ..version import __version__
from . import config as C
from .offsets import Utf16Map

MARKER = ".claimset-label-studio"
CONFIG_FILE = "labeling-config.xml"
TASKS_DIR = "tasks"
DATA_KEY = "claimset"  # task data: {"text", "article_id", "claimset": {...}}


class ExportError(ValueError):
    """An export refused before anything was written (exit 2)."""


def _region(rid: str, m: Utf16Map, span: dict, label: str, control: str = C.SPAN) -> dict:
    return {
        "id": rid, "from_name": control, "to_name": C.TEXT, "type": "labels",
        "value": {"start": m.to_utf16(span["start"]), "end": m.to_utf16(span["end"]), "text": span["text"], "labels": [label]},
    }


def _attr(region: dict, name: str, kind: str, value) -> dict:
    v = {"start": region["value"]["start"], "end": region["value"]["end"]}
    if kind == "text":
        v["text"] = [value]
        t = "textarea"
    elif kind == "number":
        v["number"] = value
        t = "number"
    else:
        v["choices"] = list(value) if isinstance(value, list) else [value]
        t = "choices"
    return {"id": region["id"], "from_name": name, "to_name": C.TEXT, "type": t, "value": v}


def _relation(from_id: str, to_id: str) -> dict:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": ["of claim"]}


def claim_results(claim: dict, m: Utf16Map, tag: str) -> list[dict]:
    """The regions of one claim: its head carries the claim's fields, the rest relate to it."""
    out: list[dict] = []
    parts = [_region(f"{tag}-content{i}", m, s, C.CONTENT) for i, s in enumerate(claim["content"])]
    head = parts[0]
    out += parts
    ev = claim["event"] or {}
    loc = ev.get("location") or {}
    fields = [
        ("claim_id", "text", claim["claim_id"]),
        ("claim", "text", claim["claim"]),
        ("claimant", "choices", claim["claimant"]["entity_id"] or C.AUTHOR),
        ("statement_date", "text", claim["statement_date"]),
        ("certainty", "choices", claim["factuality"]["certainty"]),
        ("polarity", "choices", claim["factuality"]["polarity"]),
        ("conditional", "choices", C.YES if claim["conditional"] else C.NO),
        ("claim_types", "choices", list(claim["claim_types"])),
        ("cited", "choices", list(claim["evidence"]["cited"])),
        ("corroboration", "choices", claim["evidence"]["corroboration"]),
        ("event_type", "choices", ev.get("type") or C.NO_EVENT),
        ("event_agent", "choices", ev.get("agent")),
        ("event_recipient", "choices", ev.get("recipient")),
        ("event_item", "text", ev.get("item")),
        ("event_item_entity", "choices", ev.get("item_entity_id")),
        ("event_date", "text", ev.get("date")),
        ("event_location_name", "text", loc.get("name")),
        ("event_location_text", "text", loc.get("text")),
        ("event_location_entity", "choices", loc.get("entity_id")),
        ("annotator", "text", claim["annotator"]),
    ]
    out += [_attr(head, n, k, v) for n, k, v in fields if v is not None and v != []]
    linked: list[dict] = list(parts[1:])
    if claim["claimant"]["mention"]:
        linked.append(_region(f"{tag}-claimant", m, claim["claimant"]["mention"], C.CLAIMANT))
    relays = claim["source_chain"][1:]
    if relays and relays[-1]["kind"] == "author" and claim["claimant"]["kind"] == "entity":
        relays = relays[:-1]
    for i, r in enumerate(relays):
        if r["mention"]:  # a relay the text never names has no region: the import restores it from the task data
            reg = _region(f"{tag}-relay{i}", m, r["mention"], C.RELAY)
            linked += [reg, _attr(reg, "relay_entity", "choices", r["entity_id"])]
    if claim["cue"]:
        linked.append(_region(f"{tag}-cue", m, claim["cue"], C.CUE))
    linked += [_region(f"{tag}-hedge{i}", m, s, C.HEDGE) for i, s in enumerate(claim["hedges"])]
    linked += [_region(f"{tag}-corroboration{i}", m, s, C.CORROBORATION) for i, s in enumerate(claim["evidence"]["corroboration_spans"])]
    quantities = [(q, C.Q_BOTH if q == ev.get("quantity") else C.Q_CLAIM) for q in claim["quantities"]]
    if ev.get("quantity") and ev["quantity"] not in claim["quantities"]:
        quantities.append((ev["quantity"], C.Q_EVENT))
    for i, (q, role) in enumerate(quantities):
        reg = _region(f"{tag}-quantity{i}", m, q["span"], C.QUANTITY)
        linked.append(reg)
        for name, key in (("q_value", "value"), ("q_lower", "lower"), ("q_upper", "upper")):
            if q[key] is not None:
                linked.append(_attr(reg, name, "number", q[key]))
        linked.append(_attr(reg, "q_unit", "text", q["unit"]))
        if q["per"] is not None:
            linked.append(_attr(reg, "q_per", "text", q["per"]))
        linked += [_attr(reg, "q_qualifier", "choices", q["qualifier"]), _attr(reg, "q_approximate", "choices", C.YES if q["approximate"] else C.NO)]
        linked.append(_attr(reg, "q_role", "choices", role))
    out += linked
    out += [_relation(r["id"], head["id"]) for r in linked if r["type"] == "labels"]
    return out


def read_claims(folder: Path) -> tuple[list[dict], bytes]:
    path = folder / layout.CLAIMS_FILE
    raw = path.read_bytes() if path.is_file() else b""
    claims = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    return claims, raw


def article_task(root: Path, article_id: str, with_claims: bool = True) -> dict:
    src = load_article(root, article_id)
    m = Utf16Map(src.text)
    try:
        claims, raw = read_claims(src.folder)
    except (ValueError, OSError) as e:
        raise ContributeError(f"data/articles/{article_id}/{layout.CLAIMS_FILE} cannot be read ({e}); run claimset validate") from None
    boiler = [
        _region(f"bp{i}", m, b, b["kind"], C.BOILERPLATE) | {"readonly": True}
        for i, b in enumerate(src.article.get("boilerplate") or [])
    ]
    result = list(boiler)
    if with_claims:
        for c in claims:
            tag = c["claim_id"][len(article_id) + 1 :] if c["claim_id"].startswith(article_id + "-") else c["claim_id"]
            result += claim_results(c, m, tag)
    return {
        "data": {
            C.TEXT: src.text,
            "article_id": article_id,
            "title": src.article.get("title"),
            DATA_KEY: {
                "text_sha256": sha256_bytes(src.text.encode("utf-8")),
                "claims_sha256": sha256_bytes(raw),
                "claims": claims if with_claims else [],
                "prefilled": with_claims,
            },
        },
        "predictions": [{"model_version": f"claimset {__version__}", "result": result}],
    }


def guard(out: Path, root: Optional[Path]) -> Path:
    """The project's output guard, also accepting a folder this command wrote before."""
    try:
        return check_target(out, SITE, root)
    except OutputError:
        real = Path(os.path.realpath(out))
        if not (real.is_dir() and not Path(out).is_symlink() and _own_export(real)):
            raise OutputError(
                f"{out}: is not empty and not a folder written by claimset export label-studio; give a new or empty folder"
            ) from None
        # Same refusals for the inside of data/, src/ and .git, checked on a path that does not exist yet.
        check_target(real.parent / f".{real.name}.probe-{os.getpid()}", SITE, root)
        return Path(os.path.abspath(out))


def _own_export(folder: Path) -> bool:
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict) or marker.get("generator") != "claimset export label-studio":
        return False
    listed = {MARKER, CONFIG_FILE, TASKS_DIR}
    tasks = folder / TASKS_DIR
    names = {p.name for p in folder.iterdir()}
    return names <= listed and (not tasks.exists() or (tasks.is_dir() and all(p.suffix == ".json" and p.is_file() for p in tasks.iterdir())))


def export(root: Path, article_ids: Sequence[str], out: Path, with_claims: bool = True) -> tuple[Path, list[str]]:
    """Write DIR/labeling-config.xml and DIR/tasks/<article_id>.json; every article, if none named."""
    root = Path(root)
    base = root / "data" / layout.ARTICLES
    if not base.is_dir():
        raise ExportError(f"{base}: no such folder; run claimset in the root of a claimset repository, or pass --root")
    ids = list(article_ids) or sorted(p.name for p in base.iterdir() if (p / layout.TEXT_FILE).is_file())
    if not ids:
        raise ExportError(f"{base}: holds no article")
    guard(out, root)  # refuse early, before reading every article
    try:
        tasks = {a: article_task(root, a, with_claims) for a in dict.fromkeys(ids)}
    except ContributeError as e:
        raise ExportError(str(e)) from None
    entities = sorted((e, str(v.get("name", e))) for e, v in load_entities(root).items())
    with publishing(out, SITE, root, guard=guard) as tmp:
        atomic_write_bytes(tmp / CONFIG_FILE, C.labeling_config(entities).encode("utf-8"))
        for aid, task in tasks.items():
            atomic_write_bytes(tmp / TASKS_DIR / f"{aid}.json", (json.dumps([task], ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
        marker = {"generator": "claimset export label-studio", "version": __version__, "articles": list(tasks)}
        atomic_write_bytes(tmp / MARKER, (json.dumps(marker, indent=2) + "\n").encode("utf-8"))
    return Path(os.path.abspath(out)), list(tasks)
