"""The dataset layer (C5xx): IDs, references and clusters, checked once every record is read.

The one-process reader keeps IDs and references here as they are read; the streaming reader
keeps the same facts compactly and answers the same questions (parallel.finish)."""

from __future__ import annotations

from ..models import ID_FIELDS, TABLES
from .problems import Sink, Where

class Dataset:
    """IDs and references only; checked once every record has been read."""

    def __init__(self):
        self.ids: dict[str, dict[str, Where]] = {t: {} for t in TABLES}
        self.entity_refs: list[tuple[str, Where, str]] = []
        self.article_refs: list[tuple[str, Where]] = []
        self.contents: dict[tuple, str] = {}
        self.cluster_members: list[tuple[str, str, Where, str]] = []  # claim, cluster, where, field
        self.cluster_sizes: list[tuple[str, int, Where]] = []
        # IDs of records that exist but failed a check of their own (already reported), and
        # articles whose claims could not be read: references to them are not reported again.
        self.present: dict[str, set[str]] = {t: set() for t in TABLES}
        self.unread: set[str] = set()

    def exists(self, table: str, rid: str) -> bool:
        if rid in self.ids[table] or rid in self.present[table]:
            return True
        if table == "claims":
            aid, sep, _ = rid.rpartition("-c")
            return bool(sep) and aid in self.unread
        return False

    def add_id(self, table: str, rid: str, where: Where, sink: Sink) -> None:
        seen = self.ids[table]
        if rid in seen:
            first = seen[rid]
            what = ID_FIELDS[table].replace("_id", " ID")
            sink.at(where.file, where.line, where.column, "C501", ID_FIELDS[table], f"{what} {rid!r} is already used at {first.file}:{first.line}")
            if first.file != where.file:  # either file may be the new one: annotate both
                sink.at(first.file, first.line, first.column, "C501", ID_FIELDS[table], f"{what} {rid!r} is used again at {where.file}:{where.line}")
        else:
            seen[rid] = where

    def finish(self, sink: Sink) -> None:
        for rid, where in self.article_refs:
            if not self.exists("articles", rid):
                sink.at(where.file, where.line, where.column, "C502", "article_id", f"no article has ID {rid!r}")
        for rid, where, fld in self.entity_refs:
            if not self.exists("entities", rid):
                sink.at(where.file, where.line, where.column, "C503", fld, f"no entity has ID {rid!r}")
        for cid, size, where in self.cluster_sizes:
            if size == 0:
                sink.at(where.file, where.line, where.column, "C506", "claim_ids", f"cluster {cid!r} has no claim")
        first_cluster: dict[str, str] = {}
        for claim, cluster, where, fld in self.cluster_members:
            if claim not in self.ids["claims"]:
                if not self.exists("claims", claim):
                    sink.at(where.file, where.line, where.column, "C504", fld, f"no claim has ID {claim!r}")
            elif claim in first_cluster and first_cluster[claim] != cluster:
                sink.at(where.file, where.line, where.column, "C507", fld, f"claim {claim!r} is already in cluster {first_cluster[claim]!r}")
            else:
                first_cluster.setdefault(claim, cluster)

