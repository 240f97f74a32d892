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
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench_report import LOAD_REPEAT, SAMPLE, plot, render

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("entities", "articles", "claims", "clusters")


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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=5, metavar=("KIND", "CORPUS", "SHAPE", "JOBS", "EXTRA"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="10000,100000,1000000", help="claims per synthetic corpus, comma-separated")
    ap.add_argument("--shapes", default="jsonl,dirs", help="synthetic shapes measured at --sizes")
    ap.add_argument("--real", default="300000,800000", help="claims of the real-shaped corpus, comma-separated ('' to skip; 800k is about 1 GB)")
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
    runs = [(n, shape) for n in sizes for shape in shapes] + [(int(float(n)), "real") for n in args.real.split(",") if n]
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n, shape in runs:
        rep = args.repeat if n < 1_000_000 else min(args.repeat, 2)
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


if __name__ == "__main__":
    main()
