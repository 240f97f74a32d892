"""scripts/bench.py keeps working: a run at a tiny size writes every table of the report (no timings asserted)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_bench_runs_at_a_tiny_size(tmp_path):
    out = tmp_path / "bench.md"
    cmd = [
        sys.executable, str(ROOT / "scripts" / "bench.py"),
        "--sizes", "200", "--repeat", "1", "--work", str(tmp_path / "work"), "--out", str(out), "--plot", "",
        "--memory", "60000,120000", "--real", "300",
    ]  # fmt: skip
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    for heading in ("## Validation", "## Per-record baselines", "## Build: conversion stage and load", "## Memory", "## Targets"):
        assert heading in text
    rows = [l for l in text.splitlines() if l.startswith("| jsonl |") or l.startswith("| dirs |")]
    assert len(rows) == 2
    real = [l for l in text.splitlines() if l.startswith("| real |")]
    assert len(real) == 1 and "| 300 |" in real[0]  # the released sources replicated to about 300 claims
    assert "| 200 |" in text
    assert "all checks >= 0.40 of the orjson floor" in text and "load within 1.2x" in text
    assert "validate -j1 >= 0.35 of the orjson floor" in text
