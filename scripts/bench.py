#!/usr/bin/env python3
"""Benchmark claimset's validator, build and loader against the baselines, in one run.

    python scripts/bench.py                        # 10k, 100k and 1M claims, both shapes (long)
    python scripts/bench.py --sizes 10000 --quick  # a quick look
    python scripts/bench.py --sizes 300 --repeat 1 --no-memory --out /tmp/b.md --plot ''

Corpora come from claimset.sources.synth (seeded, generated from the models): one JSONL file per table
("jsonl") and the data/ layout with one folder per article ("dirs"). Every measurement runs in a
fresh child process (`bench.py --child ...`) that times only its own work (after imports) and
reports its peak RSS, so figures are comparable within the run. Each is repeated --repeat times
and the fastest kept (the machine may be shared). Writes a Markdown report (--out) and a plot of
time and memory against input size (--plot).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("entities", "articles", "claims", "clusters")
SAMPLE = {"jsonschema": 3000, "pydantic": 20000}
LOAD_REPEAT = 5


# --- children: one measurement each --------------------------------------------------------------------


def _files(corpus: Path, shape: str) -> list[Path]:
    if shape == "jsonl":
        return [corpus / f"{t}.jsonl" for t in TABLES]
    return [corpus / "data"]


def _source_files(corpus: Path, shape: str) -> list[Path]:
    if shape == "jsonl":
        return _files(corpus, shape)
    data = corpus / "data"
    out = sorted((data / "entities").glob("*.json"))
    for d in sorted((data / "articles").iterdir()):
        out += [d / "article.json", d / "text.txt", d / "claims.jsonl"]
    return out + sorted((data / "clusters").glob("*.json"))


def _prepare(kind: str, extra: str) -> None:
    """Imports and one-time set-up of the measured code, outside the timed region."""
    import orjson  # noqa: F401

    if kind in ("validate", "build"):
        import numpy  # noqa: F401

        from claimset.validation import parallel  # noqa: F401
        from claimset.publish import tablewriter  # noqa: F401
        from claimset.models import TABLES as T
        from claimset.validation import structure, typed

        for t in T:
            typed.table_check(t)
            typed.table_check(t, True)
            typed.to_struct  # noqa: B018
            structure._schema_validator(t)
    if kind in ("build", "arrow-convert", "claims-readjson", "load-arrow", "load-claimset"):
        import pyarrow.dataset  # noqa: F401
        import pyarrow.json  # noqa: F401
        import pyarrow.parquet as pq

        if kind.startswith("load"):  # warm the readers on the same files
            import claimset
            from claimset.loaders import parquet_files

            pq.read_table([str(p) for p in parquet_files("entities", Path(extra))])
            claimset.load("entities", Path(extra))
    if kind == "claims-jsonschema":
        import jsonschema  # noqa: F401
    if kind == "claims-pydantic":
        from claimset.models import Claim  # noqa: F401


def child(kind: str, corpus: Path, shape: str, jobs: int, extra: str) -> dict:
    _prepare(kind, extra)
    t0 = time.perf_counter()
    c0 = time.process_time()
    records = 0
    if kind == "floor":  # orjson on every record: the floor of a per-record validator
        import orjson

        loads = orjson.loads
        for p in _source_files(corpus, shape):
            if p.suffix == ".jsonl":
                with open(p, "rb") as f:
                    for line in f:
                        loads(line)
                        records += 1
            elif p.suffix == ".json":
                loads(p.read_bytes())
                records += 1
            else:
                p.read_bytes()
    elif kind in ("validate", "build"):
        from claimset.validation import parallel
        from claimset.publish import tablewriter

        if kind == "validate":
            rep = parallel.run(_files(corpus, shape), corpus, jobs=jobs)
        else:
            import shutil

            from claimset.publish.build import write_release, write_table_files

            out = Path(extra)
            with tablewriter.collect_tables(corpus, paths=_files(corpus, shape), jobs=jobs) as (rep, tables):
                t1 = time.perf_counter()
                read = t1 - t0  # validation plus the canonical lines and run files of the build
                tmp = out.with_name(out.name + ".tables")
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir(parents=True)
                for t in tables:  # the conversion proper: runs -> sorted JSONL + Parquet (shards)
                    write_table_files(t, tables[t], tmp)
                convert = time.perf_counter() - t1
                shutil.rmtree(tmp, ignore_errors=True)
                t2 = time.perf_counter()
                write_release(out, tables, "full")  # the release for the load test (not timed)
                t0 += time.perf_counter() - t2
        records = sum(rep.records.values())
        assert rep.ok, [p.as_dict() for p in rep.problems[:3]]
    elif kind == "claims-orjson":
        import orjson

        for line in _claim_lines(corpus, extra):
            orjson.loads(line)
            records += 1
    elif kind == "claims-readjson":
        import io

        import pyarrow.json as pj

        data = b"".join(_claim_lines(corpus, extra))
        t0, c0 = time.perf_counter(), time.process_time()
        records = pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(use_threads=False)).num_rows
    elif kind == "claims-jsonschema":
        from jsonschema import Draft202012Validator

        from claimset.models.schemas import json_schema

        v = Draft202012Validator(json_schema("claims"))
        lines = list(_claim_lines(corpus, extra))
        t0, c0 = time.perf_counter(), time.process_time()
        for line in lines:
            for _ in v.iter_errors(json.loads(line)):
                raise SystemExit("invalid record")
            records += 1
    elif kind == "claims-pydantic":
        from claimset.models import Claim

        lines = list(_claim_lines(corpus, extra))
        t0, c0 = time.perf_counter(), time.process_time()
        for line in lines:
            Claim.model_validate_json(line)
            records += 1
    elif kind == "arrow-convert":  # pyarrow's own JSONL -> Parquet, every table, one thread
        import pyarrow.json as pj
        import pyarrow.parquet as pq

        out = Path(extra)
        out.mkdir(parents=True, exist_ok=True)
        for p in _files(corpus, "jsonl"):
            t = pj.read_json(p, read_options=pj.ReadOptions(use_threads=False))
            pq.write_table(t, out / (p.stem + ".parquet"), compression="zstd")
            records += t.num_rows
    elif kind in ("load-arrow", "load-claimset"):
        release = Path(extra)
        if kind == "load-arrow":
            import pyarrow.parquet as pq

            from claimset.loaders import parquet_files

            files = [str(p) for p in parquet_files("claims", release)]
            t0, c0 = time.perf_counter(), time.process_time()
            records = pq.read_table(files).num_rows
        else:
            import claimset

            t0, c0 = time.perf_counter(), time.process_time()
            records = claimset.load("claims", release).num_rows
    else:
        raise SystemExit(f"unknown child {kind}")
    wall = time.perf_counter() - t0
    res = {
        "kind": kind,
        "records": records,
        "wall": wall,
        "cpu": time.process_time() - c0,
        "rss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }
    if kind == "build":
        res["convert"] = convert
        res["read"] = read
    return res


def _claim_lines(corpus: Path, n: str):
    """The first n claims of the corpus (both shapes hold the same records)."""
    limit = int(n) if n else None
    k = 0
    paths = [corpus / "claims.jsonl"] if (corpus / "claims.jsonl").exists() else sorted((corpus / "data" / "articles").glob("*/claims.jsonl"))
    for p in paths:
        with open(p, "rb") as f:
            for line in f:
                yield line
                k += 1
                if limit is not None and k >= limit:
                    return


# --- the parent: corpora, runs, report -----------------------------------------------------------------


def run_child(kind: str, corpus: Path, shape: str, jobs: int = 1, extra: str = "", repeat: int = 1) -> dict:
    best = None
    for _ in range(repeat):
        cmd = [sys.executable, __file__, "--child", kind, str(corpus), shape, str(jobs), extra]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"{kind} on {corpus} failed:\n{out.stderr[-3000:]}")
        res = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None or res["wall"] < best["wall"]:
            best = res
    return best


def run_interleaved(kinds: list[str], corpus: Path, shape: str, extra: str = "", repeat: int = 1) -> list[dict]:
    """Each kind `repeat` times, alternating (so drift in the machine's load hits all alike); fastest of each."""
    best: list = [None] * len(kinds)
    for _ in range(repeat):
        for i, kind in enumerate(kinds):
            res = run_child(kind, corpus, shape, extra=extra)
            if best[i] is None or res["wall"] < best[i]["wall"]:
                best[i] = res
    return best


def corpus_for(work: Path, shape: str, n: int) -> Path:
    from claimset.sources import synth

    path = work / f"{shape}-{n}"
    done = path / ".done"
    if not done.exists():
        import shutil

        shutil.rmtree(path, ignore_errors=True)
        t = time.perf_counter()
        if shape == "real":
            write_real(path, n)
        else:
            (synth.write_jsonl if shape == "jsonl" else synth.write_dirs)(path, n, seed=n)
        done.write_text(f"{time.perf_counter() - t:.1f}\n")
        print(f"  generated {path} in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def write_real(path: Path, n: int) -> None:
    """The released sources (data/ of this repository), article folders replicated with renamed IDs
    (<article>-rNNNNN, claims <article>-rNNNNN-cNNN) until about `n` claims; entities and clusters
    once, as released (the clusters name the original claims, which are copy 0)."""
    import shutil

    from claimset.utils import json_line, json_pretty

    src = ROOT / "data"
    data = path / "data"
    shutil.copytree(src / "entities", data / "entities")
    shutil.copytree(src / "clusters", data / "clusters")
    folders = sorted(d for d in (src / "articles").iterdir() if d.is_dir())
    per_copy = sum(sum(1 for _ in open(d / "claims.jsonl", encoding="utf-8")) for d in folders)
    copies = max(1, round(n / per_copy))
    for d in folders:
        meta = json.loads((d / "article.json").read_text(encoding="utf-8"))
        text = (d / "text.txt").read_bytes()
        claims = [json.loads(line) for line in (d / "claims.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        aid = meta["article_id"]
        for k in range(copies):
            new = aid if k == 0 else f"{aid}-r{k:05d}"
            out = data / "articles" / new
            out.mkdir(parents=True)
            (out / "article.json").write_text(json_pretty({**meta, "article_id": new}), encoding="utf-8")
            (out / "text.txt").write_bytes(text)
            lines = []
            for c in claims:
                c = {**c, "article_id": new, "claim_id": new + c["claim_id"][len(aid):]}
                lines.append(json_line(c))
            (out / "claims.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def size_of(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def mb(x: float) -> str:
    return f"{x / 1e6:,.0f}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=5, metavar=("KIND", "CORPUS", "SHAPE", "JOBS", "EXTRA"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="10000,100000,1000000", help="claims per corpus, comma-separated")
    ap.add_argument("--shapes", default="jsonl,dirs")
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "claimset-bench")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--plot", default=str(ROOT / "docs" / "benchmarks.png"), help="PNG path, or '' for none")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (at most 2 from 1M claims); the fastest is kept")
    ap.add_argument("--memory", default="100e6,1e9", help="claims JSONL sizes in bytes for the memory test ('' to skip)")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--render-only", action="store_true", help="rewrite the report and plot from WORK/bench.json (no measurement)")
    args = ap.parse_args(argv)
    if args.child:
        kind, corpus, shape, jobs, extra = args.child
        print(json.dumps(child(kind, Path(corpus), shape, int(jobs), extra)))
        return

    if args.render_only:
        saved = json.loads((args.work / "bench.json").read_text())
        args.out.write_text(render(saved["rows"], saved["memory"], args), encoding="utf-8")
        if args.plot:
            plot(saved["rows"], saved["memory"], Path(args.plot))
        print(f"wrote {args.out}")
        return
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    shapes = [s for s in args.shapes.split(",") if s]
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in sizes:
        rep = args.repeat if n < 1_000_000 else min(args.repeat, 2)
        for shape in shapes:
            print(f"{shape} {n:,} claims", flush=True)
            corpus = corpus_for(args.work, shape, n)
            nbytes = size_of(_source_files(corpus, shape))
            r = {"shape": shape, "claims": n, "bytes": nbytes}
            r["floor"] = run_child("floor", corpus, shape, repeat=rep)
            r["v1"] = run_child("validate", corpus, shape, 1, repeat=rep)
            r["v2"] = run_child("validate", corpus, shape, args.jobs, repeat=rep)
            r["records"] = r["v1"]["records"]
            if shape == "jsonl":
                sample = str(min(n, 100_000))
                r["c_orjson"] = run_child("claims-orjson", corpus, shape, extra=sample, repeat=rep)
                r["c_readjson"] = run_child("claims-readjson", corpus, shape, extra=sample, repeat=rep)
                r["c_pydantic"] = run_child("claims-pydantic", corpus, shape, extra=str(min(n, SAMPLE["pydantic"])), repeat=rep)
                r["c_jsonschema"] = run_child("claims-jsonschema", corpus, shape, extra=str(min(n, SAMPLE["jsonschema"])), repeat=rep)
                out = args.work / f"arrow-{n}"
                r["arrow"] = run_child("arrow-convert", corpus, shape, extra=str(out), repeat=rep)
                rel = args.work / f"release-{n}"
                r["build"] = run_child("build", corpus, shape, 1, extra=str(rel), repeat=rep)
                # about a second each and noisy (page faults of a fresh 1 GB table): interleaved, more repeats
                r["load_arrow"], r["load_claimset"] = run_interleaved(
                    ["load-arrow", "load-claimset"], corpus, shape, extra=str(rel), repeat=max(rep, LOAD_REPEAT)
                )
                man = json.loads((rel / "manifest.json").read_text())
                r["shards"] = {t: len([f for f in m["files"] if f.endswith(".parquet")]) for t, m in man["tables"].items()}
            rows.append(r)
            print("  " + ", ".join(f"{k} {v['wall']:.2f}s" for k, v in r.items() if isinstance(v, dict) and "wall" in v), flush=True)
    memory = []
    if not args.no_memory and args.memory:
        for target in [float(x) for x in args.memory.split(",") if x]:
            per_claim = 760  # bytes per synthetic claim line, measured
            n = int(target / per_claim)
            print(f"memory: {n:,} claims (~{target / 1e6:,.0f} MB of claims)", flush=True)
            corpus = corpus_for(args.work, "jsonl", n)
            res = run_child("validate", corpus, "jsonl", 1)
            res["claims_bytes"] = (corpus / "claims.jsonl").stat().st_size
            res["bytes"] = size_of(_source_files(corpus, "jsonl"))
            res["claims"] = n
            memory.append(res)
    report = render(rows, memory, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    (args.work / "bench.json").write_text(json.dumps({"rows": rows, "memory": memory}, indent=1))
    print(f"wrote {args.out}")
    if args.plot:
        plot(rows, memory, Path(args.plot))
        print(f"wrote {args.plot}")


# --- the report ------------------------------------------------------------------------------------------


def _conversion(r: dict) -> float:
    """What the build adds to validation: extra work while reading, then writing the tables."""
    return max(0.0, r["build"]["read"] - r["v1"]["wall"]) + r["build"]["convert"]


def _rate(m: dict) -> float:
    return m["records"] / m["wall"] if m["wall"] else float("inf")


def _peak(m: dict) -> str:
    return mb(max(m["rss_self"], m["rss_children"]))


def render(rows: list[dict], memory: list[dict], args) -> str:
    import claimset

    cpu = platform.processor() or platform.machine()
    out = [
        "# Benchmarks",
        "",
        f"Generated by `python scripts/bench.py` (claimset {claimset.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, {cpu}). Every figure comes from this one run: each measurement in a fresh process, timed after "
        "its imports, the fastest of the repeats kept. Corpora: `claimset.sources.synth` (seeded, generated from the models), "
        "about 10 claims per article, 2,000-character texts.",
        "",
        "## Validation: all checks, against the parse floor",
        "",
        "Floor: orjson parses every record of the same sources (and reads every text), nothing else: what no per-record "
        "validator can beat. claimset: `engine.run`, what `claimset validate` runs: structure, record semantics, dataset "
        "checks, every problem with file, line and column. Ratio = claimset records/s / floor records/s, on one core. "
        "",
        f"| shape | claims | records | MB | floor rec/s | claimset -j1 rec/s | ratio to floor | -j{args.jobs} rec/s | speed-up | MB/s -j1 | peak RSS -j1 (MB) | peak RSS -j{args.jobs} (MB, largest process) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        f, v1, v2 = r["floor"], r["v1"], r["v2"]
        out.append(
            f"| {r['shape']} | {r['claims']:,} | {r['records']:,} | {mb(r['bytes'])} | {fmt_rate(_rate(f))} | {fmt_rate(_rate(v1))} | "
            f"{_rate(v1) / _rate(f):.2f} | {fmt_rate(_rate(v2))} | {v1['wall'] / v2['wall']:.2f}x | {r['bytes'] / v1['wall'] / 1e6:,.1f} | "
            f"{_peak(v1)} | {_peak(v2)} |"
        )
    jl = [r for r in rows if r["shape"] == "jsonl"]
    if jl:
        out += [
            "",
            "## Per-record baselines (claims only, one core)",
            "",
            f"On the first claims of each JSONL corpus (jsonschema on {SAMPLE['jsonschema']:,}, pydantic on {SAMPLE['pydantic']:,}, the others on up to 100,000). "
            "claimset's rate is the whole validation above (-j1), every record and every check.",
            "",
            "| claims | orjson parse | pyarrow read_json | pydantic model_validate_json | jsonschema Draft 2020-12 | claimset (all checks) | claimset / jsonschema | claimset / orjson |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in jl:
            cs = _rate(r["v1"])
            out.append(
                f"| {r['claims']:,} | {fmt_rate(_rate(r['c_orjson']))} | {fmt_rate(_rate(r['c_readjson']))} | {fmt_rate(_rate(r['c_pydantic']))} | "
                f"{fmt_rate(_rate(r['c_jsonschema']))} | {fmt_rate(cs)} | {cs / _rate(r['c_jsonschema']):.0f}x | {cs / _rate(r['c_orjson']):.2f} |"
            )
        out += [
            "",
            "## Build: conversion stage and load",
            "",
            "Conversion: `claimset build`'s writing of the validated records (merge of the sorted runs, JSONL, Parquet through "
            "pyarrow's JSON reader, zstd), plus what the build adds to validation while reading (canonical bytes, run files): "
            "build time - validation time. Baseline: pyarrow `read_json` + `write_table` (zstd) of the same JSONL files, one thread. "
            "Load: `claimset.load('claims')` against `pyarrow.parquet.read_table` on the same files, "
            f"at least {LOAD_REPEAT} runs of each, alternating, the fastest kept.",
            "",
            "| claims | pyarrow JSONL->Parquet (s) | claimset conversion (s) | ratio | build peak RSS (MB) | Parquet shards (claims) | pq.read_table (s) | claimset.load (s) | ratio |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in jl:
            conv = _conversion(r)
            out.append(
                f"| {r['claims']:,} | {r['arrow']['wall']:.2f} | {conv:.2f} | {conv / r['arrow']['wall']:.2f} | {_peak(r['build'])} | "
                f"{r['shards']['claims']} | {r['load_arrow']['wall']:.3f} | {r['load_claimset']['wall']:.3f} | {r['load_claimset']['wall'] / r['load_arrow']['wall']:.2f} |"
            )
    if memory:
        out += [
            "",
            "## Memory: peak RSS against input size (one JSONL corpus, `claimset validate -j1`)",
            "",
            "| claims | claims JSONL (MB) | all sources (MB) | time (s) | peak RSS (MB) |",
            "|---|---|---|---|---|",
        ]
        for m in memory:
            out.append(f"| {m['claims']:,} | {mb(m['claims_bytes'])} | {mb(m['bytes'])} | {m['wall']:.1f} | {_peak(m)} |")
        if len(memory) >= 2:
            d = (max(memory[-1]["rss_self"], memory[-1]["rss_children"]) - max(memory[0]["rss_self"], memory[0]["rss_children"])) / 1e6
            out += ["", f"Difference between the largest and the smallest input: {d:,.0f} MB."]
    out += ["", "## Targets", "", *targets(rows, memory, args), "", NOTES]
    return "\n".join(out) + "\n"


NOTES = """## What the figures mean

**Single core.** All checks run at about half of the orjson parse floor on one JSONL file and at
three quarters of it on per-article folders (whose floor also pays for opening three files per
article). Two parts of the design make that possible.

- *Typed records, each rule once* (`src/claimset/validation/`, pure Python). Per claim on this
  machine (microseconds, measured separately with each part alone, released claims of about
  1.2 kB): msgspec parses and type-checks a line (types, enums, required and unknown fields,
  lengths, minimums) in about 7; the walker generated from the JSON Schema (patterns, the key count
  that proves there is no repeated key, float spelling) about 6 to 8; the record rules
  (`validation/records.py`: every span against the article text, the source chain, evidence,
  quantities, dates) about 13, and the entity references and content key about 3. The rules are
  the only implementation: a valid record and an invalid one go through the same functions; only a
  record whose structure the generated types refuse pays for jsonschema.
- *A folder reader* that lists each article folder once (`os.scandir`), reads each file with one
  `os.read`, builds relative paths by joining strings, resolves nothing unless an entry is a
  symbolic link (links, loops and anything unusual go to the reference reader, so reports are
  unchanged: tests/test_folders.py), and decodes `article.json` on the fast path. Measured on
  10,000 folders of ten claims, the reader alone took a folder from about 750 to 440
  microseconds.

What remains on one core is the parse itself (msgspec, about the floor) plus about 4
microseconds of Python per claim: the loop, the dataset arrays (hashes and locations), and the
article lookups (claims in a separate JSONL file read their article's line again: 8 KiB and a
decode per article). Articles cost about three times their parse: the NFC check and the SHA-256
of the text, which the floor does not do. Vectorising the span and reference checks over whole
tables (pyarrow compute) is the next step (issue: one rule, one place).

**Parallel.** Files, and byte ranges of large JSONL files, are validated in worker processes; the
parent merges the parts in source order, so reports and release bytes are the same for any
`--jobs`. The serial parts are discovery, the article index between phases, the merge and the
final sort of the hashes. At 10k claims they dominate (and starting the workers costs more than it
saves); from 100k on, 2 jobs give 1.7 to 2.0 times one job. The machine is shared with other work:
the speed-ups move with its load from run to run.

**Memory model.** JSONL is read in 1 MiB chunks; nothing keeps records. Per record the engine keeps
a 64-bit hash of its ID and its location, and for claims the hash of the content key: 24 bytes a
claim, 16-20 for others, in arrays. Duplicates are found at the end by sorting the hashes; only the
colliding records are read again, so C501 and C505 are exact; likewise a claim ID named by a
cluster is confirmed by reading the claim whose hash it matches, so C504 is exact. Entity IDs are kept as strings (few).
Claims in separate JSONL files are checked against their article found by hash: the article's own
JSONL line is read again (or, for articles that went through the reference path, a copy spilled to
a temporary file); claims in article folders use their folder's text. A JSONL run therefore holds
24 bytes per claim beyond a fixed ~130 MB (interpreter, msgspec, numpy, one chunk). The folder
layout also grows with the number of folders: discovery keeps each folder's path as a string
(about 170 bytes a folder) and the parts keep a table of the files holding records: about 400
bytes a folder in all beyond the fixed part and the per-claim arrays (195 MB for 100,000 folders).

**Build.** While validating, each record's canonical line (one msgspec encode; identical to the
reference `json_line(canonical(...))`, checked by tests/test_differential.py) goes to run files of
32 MB, sorted by ID. After a valid run the runs are merged by ID (concatenated when already in
order) into JSONL, and the same bytes, 32 MB at a time, go through pyarrow's own JSON reader with
the Arrow schema derived from the models into one Parquet row group each. Tables above 256 MB of
JSONL are split into equal-row shards (3 for the claims at 1M). The conversion costs pyarrow's own
read_json + write_table, plus one encode per record, the run files, and writing the JSONL files,
which the pyarrow baseline does not write at all. Peak memory of the build: ~330 MB, mostly
pyarrow's row-group buffers; smaller row groups (CLAIMSET_ROW_GROUP_BYTES) lower it.

**Load.** `claimset.load` reads the manifest's Parquet files as one dataset with the schema derived
from the models: pyarrow's own multi-file reader, so the ratio is 1 up to noise. A 1M-claim load
takes about a second and varies by a third from run to run on this shared machine (page faults of
a fresh 1 GB table), hence the alternating repeats.

**Not done.** The annotations-only edition (`--edition annotations-only`) is still built in memory
(the full release is streamed).
"""


def targets(rows: list[dict], memory: list[dict], args) -> list[str]:
    if not rows:
        return []
    big = max(r["claims"] for r in rows)
    lines = ["| target | measured (largest size) | met |", "|---|---|---|"]

    def row(name, value, ok):
        lines.append(f"| {name} | {value} | {'yes' if ok else '**no**'} |")

    for r in [r for r in rows if r["claims"] == big]:
        ratio = _rate(r["v1"]) / _rate(r["floor"])
        row(f"all checks >= 0.40 of the orjson floor, one core ({r['shape']})", f"{ratio:.2f}", ratio >= 0.4)
        sp = r["v1"]["wall"] / r["v2"]["wall"]
        row(f"-j{args.jobs} >= 1.7x -j1 ({r['shape']})", f"{sp:.2f}x", sp >= 1.7)
        if r["shape"] == "jsonl":
            js = _rate(r["v1"]) / _rate(r["c_jsonschema"])
            row(">= 30x jsonschema per record", f"{js:.0f}x", js >= 30)
            conv = _conversion(r) / r["arrow"]["wall"]
            row("conversion within 1.5x of pyarrow read_json + write_table", f"{conv:.2f}", conv <= 1.5)
            ld = r["load_claimset"]["wall"] / r["load_arrow"]["wall"]
            row("load within 1.2x of pq.read_table", f"{ld:.2f}", ld <= 1.2)
    if len(memory) >= 2:
        a, b = (max(m["rss_self"], m["rss_children"]) / 1e6 for m in (memory[0], memory[-1]))
        row("peak RSS: largest input - smallest < 50 MB", f"{b - a:,.0f} MB", b - a < 50)
        row("peak RSS of the largest input < 300 MB", f"{b:,.0f} MB", b < 300)
    return lines


def plot(rows: list[dict], memory: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for shape, style in (("jsonl", "-"), ("dirs", "--")):
        rs = sorted((r for r in rows if r["shape"] == shape), key=lambda r: r["bytes"])
        if not rs:
            continue
        x = [r["bytes"] / 1e6 for r in rs]
        for key, label in (("floor", "orjson floor"), ("v1", "claimset -j1"), ("v2", "claimset -j2")):
            ax1.plot(x, [r[key]["wall"] for r in rs], style, marker="o", label=f"{label} ({shape})")
        ax2.plot(x, [max(r["v1"]["rss_self"], r["v1"]["rss_children"]) / 1e6 for r in rs], style, marker="o", label=f"validate -j1 ({shape})")
        if shape == "jsonl" and "build" in rs[0]:
            ax1.plot(x, [r["arrow"]["wall"] for r in rs], ":", marker="s", label="pyarrow JSONL->Parquet")
            ax1.plot(x, [r["build"]["wall"] for r in rs], style, marker="s", label="claimset build -j1")
            ax2.plot(x, [max(r["build"]["rss_self"], r["build"]["rss_children"]) / 1e6 for r in rs], style, marker="s", label="build -j1 (jsonl)")
    if memory:
        ax2.plot([m["bytes"] / 1e6 for m in memory], [max(m["rss_self"], m["rss_children"]) / 1e6 for m in memory], "k^", label="memory test")
    for ax, title, ylabel in ((ax1, "Time against input size", "seconds"), (ax2, "Peak RSS against input size", "MB")):
        ax.set_xscale("log")
        ax.set_xlabel("input (MB)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    ax1.set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
