"""A validation run: parts read in worker processes, merged in source order, then the dataset checks.

Work is split across processes (fork) by groups of files or byte ranges of large JSONL files, in
four phases (entities; articles with their folders' claims; claims JSONL; clusters); the parent
merges the parts in source order, so results are identical for any --jobs.
"""

from __future__ import annotations

import array
import os
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from ..sources.jsonio import Failure, parse_record
from ..models import TABLES
from .dataset import Dataset
from .files import discover
from .problems import Origin, Problem, Report, Sink, Where
from .reader import Validator
from .records import ArticleInfo, check_claim
from .ids import names, present, repeated, strings
from .locations import LINE_BITS, fetch_records
from .progress import Progress, can_fork
from .stream import Context, Engine, failure_of
from .typed import to_struct

SPLIT_BYTES = 8 << 20  # JSONL files larger than this are split into byte ranges across jobs


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)



class ArticleIndex:
    """Every registered article by its ID: location, unit, and its JSONL line if it has one."""

    def __init__(self, packed, locs, units, lines, clean, engine: "Engine"):
        ids = names(packed)
        self.latest = {aid: pos for pos, aid in enumerate(ids)}  # a later registration wins
        # an ID registered more than once (C501 anyway): every position, for lookups bounded by unit
        self.every: dict[str, list[int]] = {}
        if len(self.latest) < len(ids):
            for pos in repeated(strings(packed)):
                self.every.setdefault(ids[pos], []).append(pos)
        self.locs = array.array("q", locs.astype("int64").tobytes())
        self.units = array.array("q", units.astype("int64").tobytes())
        self.lines = array.array("q", lines.astype("int64").tobytes())
        self.clean = clean.tobytes()
        self.engine = engine
        self.cache: dict[tuple, Any] = {}

    def lookup(self, aid: str, max_unit: Optional[int] = None) -> Optional[ArticleInfo]:
        """The latest registered article with this ID (before unit max_unit included), as the reference's dict."""
        key = (aid, max_unit)
        if key in self.cache:
            return self.cache[key]
        found = None
        for pos in reversed(self.every.get(aid) or ([self.latest[aid]] if aid in self.latest else [])):
            if max_unit is not None and self.units[pos] > max_unit:
                continue
            got = self.engine.article_at(self.locs[pos], self.lines[pos], self.clean[pos])
            if got is not None:
                found = got[1]
                break
        if len(self.cache) > 256:
            self.cache.clear()
        self.cache[key] = found
        return found

    def exists(self, aid: str) -> bool:
        return aid in self.latest


_CTX: Optional[Context] = None  # set in the parent before forking; inherited by the workers


# --- merging parts in the parent ---------------------------------------------------------------------


class Merged:
    """The whole run's state, assembled from parts in source order."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.problems: list[Problem] = []
        self.records = {t: 0 for t in TABLES}
        self.files = 0
        self.logs = {t: (bytearray(), []) for t in TABLES}  # packed IDs (ids.Log), numpy chunks of locations
        self.content = bytearray()
        self.art_units: list = []
        self.art_lines: list = []
        self.art_clean: list = []
        self.deferred_refs: list = []
        self.deferred_entity_refs: list = []
        self.deferred_claims: list = []
        self.present: dict[str, set] = {t: set() for t in TABLES}
        self.unread: set = set()

    def add(self, part: dict) -> None:
        import numpy as np

        offset = len(self.ctx.files)
        self.ctx.files.extend(part["files"])
        shift = part.get("shift", 0)
        add = np.int64((offset << LINE_BITS) + shift)
        for t in TABLES:
            keys, loc = part["logs"][t]
            if len(loc):
                self.logs[t] = (_joined(self.logs[t][0], keys), self.logs[t][1])
                self.logs[t][1].append(np.frombuffer(loc, dtype=np.int64) + add)
        self.content = _joined(self.content, part["content"])
        if len(part["art_units"]):
            self.art_units.append(np.frombuffer(part["art_units"], dtype=np.int64))
            at = np.frombuffer(part["art_lines"], dtype=np.int64)
            self.art_lines.append(np.where(at >= 0, at + (np.int64(offset) << np.int64(40)), at))
            self.art_clean.append(np.frombuffer(part["art_clean"], dtype=np.int8))
        if shift:
            self.problems.extend(Problem(p.file, p.line + shift, p.column, p.code, p.field, p.message) for p in part["problems"])
        else:
            self.problems.extend(part["problems"])
        for t, n in part["records"].items():
            self.records[t] += n
        self.files += part["nfiles"]
        self.deferred_refs.extend(_shift_where(part["deferred_refs"], shift, 1))
        self.deferred_entity_refs.extend(_shift_where(part["deferred_entity_refs"], shift, 1))
        self.deferred_claims.extend(part["deferred_claims"])
        for t, ids in part["present"].items():
            self.present[t] |= ids
        self.unread |= part["unread"]
        for name in part["entities"]:
            self.ctx.entities.add(name)

    def array(self, chunks, dtype: str = "int64"):
        import numpy as np

        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=dtype)


def _joined(packed: bytearray, more: bytearray) -> bytearray:
    """Packed keys followed by more; the first part's buffer is taken over, not copied (with one
    job it is all of them)."""
    if not packed:
        return more
    packed += more
    return packed


def _shift_where(items: list, shift: int, at: int) -> list:
    """Items holding a Where at index `at`, with its line moved by `shift` (byte-range parts)."""
    if not shift:
        return items
    out = []
    for it in items:
        w = it[at]
        out.append((*it[:at], Where(w.file, w.line + shift, w.column), *it[at + 1 :]))
    return out


def part_of(eng: Engine) -> dict:
    eng._tick(0)
    if eng.ctx.progress is not None:
        eng._report_progress()
    return {
        "files": eng.files,
        "logs": {t: (log.arrays(), log.locs) for t, log in eng.logs.items()},
        "content": eng.content.arrays(),
        "art_units": eng.art_units,
        "art_lines": eng.art_lines,
        "art_clean": eng.art_clean,
        "problems": eng.sink.problems,
        "records": eng.report.records,
        "nfiles": eng.report.files,
        "deferred_refs": eng.deferred_refs,
        "deferred_entity_refs": eng.deferred_entity_refs,
        "deferred_claims": eng.deferred_claims,
        "present": eng.data.present,
        "unread": eng.data.unread,
        "entities": [k for k, v in eng.entity_counts.items() if v > 0],
        "range": eng.range_info,
        "build": eng.build.part() if eng.build is not None else None,
    }


# --- tasks -----------------------------------------------------------------------------------------------


def run_task(task) -> dict:
    """A task: ("units", [unit indices]) or ("range", unit index, start, end)."""
    ctx = _CTX
    eng = Engine(ctx, build=_BUILD_FACTORY() if _BUILD_FACTORY else None)
    if task[0] == "units":
        for ui in task[1]:
            u = ctx.units[ui]
            eng.unit = ui
            eng.cur_aid = eng.cur_info = None
            eng.file_ids.clear()  # only the current unit's files are looked up: keep the dicts small
            eng._rel_ids.clear()
            if u.kind == "article":
                eng._article_dir(u.path)
            elif u.kind == "json":
                eng._json_file(u)
            else:
                eng._table = u.table
                eng.jsonl(u.path, u.table, None, 0, None)
    else:
        _, ui, start, end = task
        u = ctx.units[ui]
        eng.unit = ui
        eng._table = u.table
        eng.jsonl(u.path, u.table, None, start, end)
    return part_of(eng)


_BUILD_FACTORY: Optional[Callable] = None


def _split_points(path: Path, size: int, pieces: int) -> list[int]:
    """Byte offsets that start lines, cutting the file into about `pieces` ranges."""
    points = [0]
    with open(path, "rb") as f:
        for k in range(1, pieces):
            target = size * k // pieces
            if target <= points[-1]:
                continue
            f.seek(target)
            rest = f.readline()
            p = target + len(rest)
            if p < size and p > points[-1]:
                points.append(p)
    points.append(size)
    return points


def plan(ctx: Context, units: list[int], jobs: int, eng: Engine) -> list:
    """Tasks for a phase: groups of whole units, and byte ranges of large JSONL files."""
    tasks: list = []
    group: list[int] = []
    sizes = {}
    for ui in units:
        u = ctx.units[ui]
        if u.kind == "jsonl" and jobs > 1:
            try:
                st = os.stat(u.path)
                sizes[ui] = st.st_size
            except OSError:
                sizes[ui] = 0
    n_dirs = sum(1 for ui in units if ctx.units[ui].kind != "jsonl")
    per_group = max(1, n_dirs // (jobs * 8)) if jobs > 1 else max(1, n_dirs)
    for ui in units:
        u = ctx.units[ui]
        size = sizes.get(ui, 0)
        if u.kind == "jsonl" and jobs > 1 and size > SPLIT_BYTES and not u.path.is_symlink():
            if group:
                tasks.append(("units", group))
                group = []
            why = eng._outside(u.path)
            if why:
                tasks.append(("units", [ui]))
                continue
            pieces = max(2, min(jobs * 4, size // SPLIT_BYTES + 1))
            pts = _split_points(u.path, size, pieces)
            tasks.append(("ranges", ui, [("range", ui, a, b) for a, b in zip(pts, pts[1:])]))
            continue
        group.append(ui)
        if len(group) >= per_group or u.kind == "jsonl":
            tasks.append(("units", group))
            group = []
    if group:
        tasks.append(("units", group))
    return tasks


def execute(ctx: Context, tasks: list, jobs: int, merged: Merged, eng: Engine) -> None:
    """Run tasks (in workers when jobs > 1) and merge the parts in task order."""
    flat: list = []
    for t in tasks:
        if t[0] == "ranges":
            flat.extend(t[2])
        else:
            flat.append(t)
    if jobs > 1 and len(flat) > 1:
        import multiprocessing as mp

        from ..outputs import reset_in_worker

        with mp.get_context("fork").Pool(min(jobs, len(flat)), initializer=reset_in_worker) as pool:
            results = pool.imap(run_task, flat)
            _merge(ctx, tasks, results, merged, eng)
    else:
        _merge(ctx, tasks, (run_task(t) for t in flat), merged, eng)


def _merge(ctx: Context, tasks: list, results, merged: Merged, eng: Engine) -> None:
    for t in tasks:
        if t[0] != "ranges":
            part = next(results)
            merged.add(part)
            if eng.build is not None and part["build"] is not None:
                eng.build.merge(part["build"])
            continue
        ui = t[1]
        u = ctx.units[ui]
        parts = [next(results) for _ in t[2]]
        rel = eng.sink.rel(u.path)
        base = 0
        fails = []
        blank = True
        for p in parts:
            info = p["range"] or {"fail": None, "blank": True, "lines": 0}
            if info["fail"] is not None:
                fails.append((info["fail"], base))
            blank = blank and info["blank"]
            p["shift"] = base
            base += info["lines"]
        if fails or blank:
            merged.files += 1
            bom = [f for f in fails if f[0][0] == "bom"]
            utf8 = [f for f in fails if f[0][0] == "utf8"]
            crs = [f for f in fails if f[0][0] == "cr"]
            if bom:
                merged.problems.append(_problem(rel, failure_of(*bom[0])))
            elif utf8:
                merged.problems.append(_problem(rel, failure_of(*utf8[0])))
            elif crs:
                merged.problems.append(_problem(rel, failure_of(*crs[0])))
            else:
                merged.problems.append(Problem(rel, 1, 1, "C114", "", "the file is empty"))
            continue  # the file's records do not count, as when it is read whole
        for p in parts:
            merged.add(p)
            if eng.build is not None and p["build"] is not None:
                eng.build.merge(p["build"])


def _problem(rel: str, f: Failure) -> Problem:
    return Problem(rel, f.line, f.column, f.code, f.field, f.message)


# --- finishing: dataset checks on the merged state -----------------------------------------------------


def finish(ctx: Context, merged: Merged, eng: Engine) -> list[Problem]:
    """Dataset checks on the merged state, through the reference code wherever it decides something.

    Duplicate IDs (C501) and contents (C505): Arrow finds the records whose ID (or content key)
    occurs more than once; they are read again only to be located, and replayed in source order
    through a fresh Validator._record, which reports them exactly as the reference does. References
    and clusters: the reference Dataset.finish runs on the references that were not found when
    read, with the ID tables answered from the ID strings.
    """

    out: list[Problem] = []
    claim_ids = strings(merged.logs["claims"][0])
    for table in TABLES:
        again = set(repeated(strings(merged.logs[table][0])))
        if table == "claims":
            again.update(repeated(strings(merged.content)))
        if not again:
            continue
        locs = merged.array(merged.logs[table][1])
        order = sorted(again)
        recs = fetch_records(ctx, [locs[i] for i in order])
        replay = Validator(ctx.root)
        for i in order:
            rel, raw, line0, text_file, text = recs[int(locs[i])]
            obj, fail = parse_record(raw, line0)
            if fail:
                continue
            if text is not None and isinstance(obj, dict) and "text" not in obj:
                obj = {**obj, "text": text}
            replay._record(table, obj, Origin(rel, raw, line0, text_file))
        out.extend(p for p in replay.sink.problems if p.code in ("C501", "C505"))
    index = ctx.index
    ds = Dataset()
    ds.ids = {
        "articles": index.latest if index is not None else {},
        "entities": ctx.entities,
        "claims": present(claim_ids, {m[0] for m in eng.data.cluster_members}),
        "clusters": {},
    }
    ds.article_refs = merged.deferred_refs
    ds.entity_refs = merged.deferred_entity_refs
    ds.cluster_sizes = eng.data.cluster_sizes
    ds.cluster_members = eng.data.cluster_members
    ds.present, ds.unread = merged.present, merged.unread
    sink = Sink(ctx.root)
    ds.finish(sink)
    out.extend(sink.problems)
    # claims checked against an article other than their folder's: the one read before them
    for unit, origin in merged.deferred_claims:
        rec = to_struct("claims", parse_record(origin.text(), origin.line0)[0])
        art = index.lookup(rec.article_id, max_unit=unit) if index is not None else None
        if art is not None:
            sink = Sink(ctx.root)
            check_claim(rec, origin, art, sink)
            out.extend(sink.problems)
    return out


# --- the run ----------------------------------------------------------------------------------------------


def run(paths: Sequence[Path], root: Path, jobs: int = 1, progress: bool = False, build=None) -> Report:
    """Validate `paths` (relative problem paths from `root`) with `jobs` processes."""
    global _CTX, _BUILD_FACTORY

    root = Path(root)
    ctx = Context(root=root, units=[])
    parent = Engine(ctx, build=build.collector() if build is not None else None)
    try:
        units = discover(paths, parent.root, parent.sink)
        ctx.units = units
        if jobs > 1 and not can_fork():
            jobs = 1
        _CTX = ctx
        _BUILD_FACTORY = build.collector if build is not None else None
        bar = Progress.start(ctx, units) if progress else None
        merged = Merged(ctx)
        merged.problems.extend(parent.sink.problems)
        parent.sink.problems = []
        idx = list(range(len(units)))
        ents = [i for i in idx if units[i].table == "entities" and units[i].kind == "json"] + [
            i for i in idx if units[i].table == "entities" and units[i].kind == "jsonl"
        ]
        arts = [i for i in idx if units[i].kind == "article"] + [i for i in idx if units[i].table == "articles" and units[i].kind == "jsonl"]
        claims = [i for i in idx if units[i].table == "claims" and units[i].kind == "jsonl"]
        clusters = [i for i in idx if units[i].table == "clusters" and units[i].kind == "json"] + [
            i for i in idx if units[i].table == "clusters" and units[i].kind == "jsonl"
        ]
        ctx.seq = [0] * len(units)
        for k, ui in enumerate(ents + arts + claims + clusters):
            ctx.seq[ui] = k
        # phase 1: entities (claims check their references as they are read)
        execute(ctx, plan(ctx, ents, jobs, parent), jobs, merged, parent)
        # phase 2: article folders (with their claims) and articles JSONL
        execute(ctx, plan(ctx, arts, jobs, parent), jobs, merged, parent)
        art_ids = merged.logs["articles"][0]
        art_loc = merged.array(merged.logs["articles"][1])
        art_units = merged.array(merged.art_units)
        art_lines = merged.array(merged.art_lines)
        art_clean = merged.array(merged.art_clean, "int8")
        ctx.index = ArticleIndex(art_ids, art_loc, art_units, art_lines, art_clean, parent)
        # phase 3: claims JSONL, against the articles read again from their sources
        execute(ctx, plan(ctx, claims, jobs, parent), jobs, merged, parent)
        # phase 4: clusters, in this process, against every claim ID
        for ui in clusters:
            u = units[ui]
            parent.unit = ui
            if u.kind == "json":
                parent._json_file(u)
            else:
                parent._table = u.table
                parent.jsonl(u.path, u.table, None, 0, None)
        part = part_of(parent)
        merged.add(part)
        merged.problems.extend(finish(ctx, merged, parent))
        if bar is not None:
            bar.stop()
        report = Report()
        report.problems = sorted(set(merged.problems))
        report.records = merged.records
        report.files = merged.files
        if build is not None:
            build.done(report, parent.build)
        return report
    finally:
        _CTX = None
        _BUILD_FACTORY = None
