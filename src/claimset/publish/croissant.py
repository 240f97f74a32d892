"""`croissant.json`: Croissant 1.1 metadata for a release, generated from the models and the card.

The file lives inside the release folder, beside the files it describes: `contentUrl`s are
relative to it, so the release folder (or the wheel's copy) is self-describing. It lists every
data file of the release with its SHA-256 (it cannot hash itself, and manifest.json, which hashes
croissant.json, is left out to avoid a cycle), one record set per table with every field typed
(nested fields as `subField`s, lists as `isArray`), and the Responsible AI fields, whose prose
comes from the blocks of the one card template (templates/card.md.j2).

Nothing here reads the repository: the same records, edition and version give the same bytes,
which is what lets `claimset rehydrate` rebuild a full edition byte for byte.
"""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel

from ..models import ID_FIELDS, TABLES
from ..models.schemas import _kind, _unwrap
from ..utils import sha256_file

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"

CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

DATA_TYPES = {"str": "sc:Text", "enum": "sc:Text", "int": "cr:Int64", "float": "cr:Float64", "bool": "sc:Boolean"}
ENCODINGS = {".parquet": "application/x-parquet", ".jsonl": "application/jsonlines"}

# RAI property -> (card template block, cardinality). The prose is written once, in the template.
RAI_BLOCKS: dict[str, tuple[str, str]] = {
    "rai:dataCollection": ("collection", "one"),
    "rai:dataPreprocessingProtocol": ("preprocessing", "many"),
    "rai:dataAnnotationProtocol": ("annotation_protocol", "many"),
    "rai:dataAnnotationPlatform": ("annotation_platform", "many"),
    "rai:annotatorDemographics": ("annotator_demographics", "many"),
    "rai:machineAnnotationTools": ("machine_annotation", "many"),
    "rai:annotationsPerItem": ("annotations_per_item", "one"),
    "rai:dataUseCases": ("uses", "many"),
    "rai:dataLimitations": ("limitations", "many"),
    "rai:dataBiases": ("biases", "many"),
    "rai:personalSensitiveInformation": ("personal_information", "many"),
    "rai:dataSocialImpact": ("social_impact", "one"),
    "rai:dataReleaseMaintenancePlan": ("maintenance", "one"),
}


def plain(markdown: str) -> str:
    """Markdown prose to plain text: links to their text, no emphasis or code marks, one space."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"[`*]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(markdown: str) -> list[str]:
    """Each paragraph or bullet of a block as one plain-text string."""
    items = re.split(r"\n\s*\n|\n(?=\s*- )", markdown.strip())
    return [plain(re.sub(r"^\s*- ", "", i)) for i in items if plain(i)]


# --- record sets from the models -----------------------------------------------------------------


def _description(info) -> str:
    desc = info.description or ""
    tp, nullable = _unwrap(info.annotation)
    if _kind(tp) == "list":
        tp, _ = _unwrap(typing.get_args(tp)[0])
    if _kind(tp) == "enum":
        desc += " One of: " + ", ".join(typing.get_args(tp)) + "."
    if nullable:
        desc += " May be null."
    return desc.strip()


def _fields(table: str, model: type[BaseModel], column: str | None, done: tuple[str, ...], cur: str, prefix: str, source_ref: dict | None = None) -> list[dict]:
    """Fields of `model`. Below the top level they read the top-level `column` and select with
    JSON paths: one path per list level crossed (`done`), the last extended by struct names
    (`cur`). mlcroissant applies a path to each element of a list, so a path never spans a list.
    """
    out = []
    for name, info in model.model_fields.items():
        tp, _ = _unwrap(info.annotation)
        is_array = _kind(tp) == "list"
        if is_array:
            tp, _ = _unwrap(typing.get_args(tp)[0])
        fid = f"{prefix}/{name}"
        field: dict[str, Any] = {"@type": "cr:Field", "@id": fid, "name": name, "description": _description(info)}
        if _kind(tp) == "struct":
            if column is None:
                sub = (name, (), "")
            elif is_array:
                sub = (column, (*done, cur + name), "")
            else:
                sub = (column, done, f"{cur}{name}.")
            field["subField"] = _fields(table, tp, *sub, fid, source_ref)
        else:
            field["dataType"] = DATA_TYPES[_kind(tp)]
            source: dict[str, Any] = {**(source_ref or {"fileObject": {"@id": f"{table}.parquet"}}), "extract": {"column": column or name}}
            if column is not None:
                paths = [*done, cur + name]
                source["transform"] = [{"jsonPath": p} for p in paths] if len(paths) > 1 else {"jsonPath": paths[0]}
            field["source"] = source
        if is_array:
            field["isArray"] = True
            field["arrayShape"] = "-1"
        out.append(field)
    return out


def record_set(table: str, source_ref: dict | None = None, rs_id: str | None = None, note: str = "") -> dict:
    """source_ref: where the fields come from; {"fileSet": ...} for a table written as Parquet shards.
    rs_id: the record set's ID when it is not the table's name (`claims-annotations-only`)."""
    model = TABLES[table]
    rs_id = rs_id or table
    return {
        "@type": "cr:RecordSet",
        "@id": rs_id,
        "name": rs_id,
        "description": (model.__doc__ or "").strip().splitlines()[0] + note,
        "key": {"@id": f"{rs_id}/{ID_FIELDS[table]}"},
        "field": _fields(table, model, None, (), "", rs_id, source_ref),
    }


# --- the whole document --------------------------------------------------------------------------


def _file_object(folder: Path, name: str, description: str) -> dict:
    p = folder / name
    return {
        "@type": "cr:FileObject",
        "@id": name,
        "name": name,
        "description": description,
        "contentUrl": name,
        "contentSize": f"{p.stat().st_size} B",
        "encodingFormat": ENCODINGS.get(p.suffix, "application/jsonlines"),
        "sha256": sha256_file(p),
    }


def project_url() -> Optional[str]:
    """The project's address as pyproject.toml's [project.urls] declares it (Homepage, else Repository,
    else the first), read from the installed distribution's metadata; None when none is declared."""
    from importlib import metadata

    try:
        entries = metadata.metadata("claimset").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    urls = {}
    for entry in entries:
        label, _, address = entry.partition(",")
        if address.strip():
            urls[label.strip().lower()] = address.strip()
    for label in ("homepage", "repository", "source"):
        if label in urls:
            return urls[label]
    return next(iter(urls.values()), None)


def croissant(
    folder: Path,
    rows: dict[str, int],
    table_files: dict[str, list[str]],
    edition: str,
    version: str,
    released: Optional[str] = None,
    url: Optional[str] = None,
    editions: Optional[dict[str, dict]] = None,
    splits: Optional[dict[str, dict]] = None,
) -> dict:
    """`released`: the release date (YYYY-MM-DD) or None for a version not cut yet (no datePublished);
    `url`: the project's address, or None when none is declared (no `url`); `editions`: other editions
    published inside the release (manifest.json's `editions`), each with its own record sets;
    `splits`: the benchmark splits published in it (manifest.json's `splits`), a record set
    `<table>-<split>` each."""
    from .card import ARTICLE_FACTS, render_blocks

    folder = Path(folder)
    articles = []
    for name in table_files["articles"]:
        if name.endswith(".jsonl"):
            with open(folder / name, encoding="utf-8") as f:
                # what the card says of the articles (card.article_facts), not their texts: constant per article
                articles += [{k: a.get(k) for k in ARTICLE_FACTS} for a in (json.loads(line) for line in f if line.strip())]
    blocks = render_blocks(rows=rows, edition=edition, version=version, articles=articles, released=released)
    distribution = []
    for table in TABLES:
        for name in table_files[table]:
            kind = "Parquet" if name.endswith(".parquet") else "JSON Lines (same records)"
            distribution.append(_file_object(folder, name, f"The {table} table, {rows[table]} rows, as {kind}."))
    sources = {}
    for table in TABLES:  # a table above the shard size: its Parquet shards as one FileSet (tablewriter.py)
        shards = [n for n in table_files[table] if n.endswith(".parquet")]
        if len(shards) > 1:
            distribution.append(
                {
                    "@type": "cr:FileSet",
                    "@id": f"{table}-parquet",
                    "name": f"{table}-parquet",
                    "description": f"The {table} table as {len(shards)} Parquet shards.",
                    "encodingFormat": ENCODINGS[".parquet"],
                    "includes": f"{table}-*-of-{len(shards):05d}.parquet",
                }
            )
            sources[table] = {"fileSet": {"@id": f"{table}-parquet"}}
    for p in sorted(folder.iterdir()):
        if p.suffix == ".jsonl" and p.name not in {n for names in table_files.values() for n in names}:
            distribution.append(_file_object(folder, p.name, plain(blocks["fingerprints"])))
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": "claimset" if edition == "full" else f"claimset-{edition}",
        "description": plain(blocks["summary"]),
        "version": version,
        **({"datePublished": released} if released else {}),
        **({"url": url} if url else {}),
        "license": ["https://creativecommons.org/licenses/by/4.0/"],
        "creator": {"@type": "sc:Organization", "name": "The claimset team"},
        "citeAs": blocks["bibtex"].strip(),
        "keywords": ["claim detection", "attribution", "factuality", "source chains", "fact-checking", "misinformation", "news"],
        "inLanguage": ["en"],
        "isLiveDataset": False,
        "rai:dataCollectionType": ["Others"],
        # the texts are real news, but every annotation (the `claim` sentences included) is AI-generated
        "rai:hasSyntheticData": True,
    }
    for prop, (block, card) in RAI_BLOCKS.items():
        doc[prop] = plain(blocks[block]) if card == "one" else paragraphs(blocks[block])
    record_sets = [record_set(t, sources.get(t)) for t in TABLES]
    for ed_name, ed in sorted((editions or {}).items()):
        for table in TABLES:
            meta = ed["tables"][table]
            for name in meta["files"]:
                kind = "Parquet" if name.endswith(".parquet") else "JSON Lines (same records)"
                distribution.append(_file_object(folder, name, f"The {table} table of the {ed_name} edition (no article text), {meta['rows']} rows, as {kind}."))
            (parquet,) = [n for n in meta["files"] if n.endswith(".parquet")]
            note = f" ({ed_name} edition: article texts empty, quoted span texts replaced by their SHA-256)"
            record_sets.append(record_set(table, {"fileObject": {"@id": parquet}}, rs_id=f"{table}-{ed_name}", note=note))
        for name in ed["metadata"]:
            distribution.append(_file_object(folder, name, plain(render_blocks(rows=rows, edition=ed_name, version=version)["fingerprints"])))
    for split, tables in (splits or {}).items():
        for table, meta in tables.items():
            (parquet,) = meta["files"]
            distribution.append(_file_object(folder, parquet, f"The {table} table of the benchmark's {split} split, {meta['rows']} rows, as Parquet."))
            note = f" (benchmark {split} split: the rows of its articles; docs/benchmark.md)"
            record_sets.append(record_set(table, {"fileObject": {"@id": parquet}}, rs_id=f"{table}-{split}", note=note))
    doc["distribution"] = distribution
    doc["recordSet"] = record_sets
    return doc


def croissant_text(folder: Path, *args, **kwargs) -> str:
    """croissant(...) as the bytes of croissant.json."""
    return json.dumps(croissant(folder, *args, **kwargs), indent=2, ensure_ascii=False) + "\n"
