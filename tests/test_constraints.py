"""The pinned toolchain (constraints.txt) resolves on every Python the quickstart names, 3.10 to 3.13.

Resolution only, for each version as the target (uv pip compile --python-version: markers and
Requires-Python are those of the target, no interpreter needed, the four at once in seconds where
pip took minutes); .ci/run installs one of them for real with pip, and the GitHub workflow's matrix
installs, builds and tests on each. The release's bytes come from pyarrow (Parquet), orjson
(JSONL) and matplotlib with pillow (the card's figure): those have one pin for every Python, so
each rebuilds the same release."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

VERSIONS = ("3.10", "3.11", "3.12", "3.13")
BYTE_SHAPING = ("pyarrow", "orjson", "matplotlib", "pillow")
UV = Path(sys.executable).with_name("uv")


def _pins():
    lines = [l.strip() for l in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()]
    return [l for l in lines if l and not l.startswith("#")]


def _resolve(constraints: Path, versions=VERSIONS) -> dict[str, subprocess.CompletedProcess]:
    """The quickstart's `pip install -c constraints.txt -e ".[test]"`, resolved for each target."""
    procs = {
        v: subprocess.Popen(
            [str(UV), "pip", "compile", "-q", "--python-version", v, "--python-platform", "x86_64-manylinux_2_28",
             "-c", str(constraints), "pyproject.toml", "--extra", "test", "-o", "/dev/null"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for v in versions
    }
    return {v: subprocess.CompletedProcess(p.args, p.wait(timeout=600), *p.communicate()) for v, p in procs.items()}


def test_quickstart_pins_resolve_on_every_python():
    failed = {v: r.stderr[-2000:] for v, r in _resolve(ROOT / "constraints.txt").items() if r.returncode}
    assert not failed, failed


def test_a_pin_that_drops_a_python_fails_to_resolve(tmp_path):
    """The must-fail case: numpy's 3.11-only pin without its marker cannot resolve on 3.10."""
    pins = [l for l in _pins() if not l.startswith("numpy==")]
    newest = next(l for l in _pins() if l.startswith("numpy==") and '>= "3.11"' in l).split(";")[0]
    bad = tmp_path / "constraints.txt"
    bad.write_text("\n".join([*pins, newest]) + "\n", encoding="utf-8")
    r = _resolve(bad, ("3.10",))["3.10"]
    assert r.returncode != 0 and "numpy" in r.stderr, r.stderr[-2000:]


def test_every_pin_is_exact():
    pins = _pins()
    assert pins
    assert all(not any(op in l.split(";")[0] for op in (">=", "<=", "~=", "!=")) and "==" in l for l in pins), pins


def test_what_shapes_the_release_bytes_has_one_version_for_every_python():
    for name in BYTE_SHAPING:
        lines = [l for l in _pins() if re.split(r"[=;\s]", l, maxsplit=1)[0].lower().replace("_", "-") == name]
        assert len(lines) == 1 and ";" not in lines[0], (name, lines)


def test_per_python_pins_cover_each_version_once():
    by_name: dict = {}
    for l in _pins():
        name, _, rest = l.partition("==")
        by_name.setdefault(name.lower(), []).append(rest.partition(";")[2].strip())
    for name, markers in by_name.items():
        if len(markers) > 1:
            assert sorted(markers) == ['python_version < "3.11"', 'python_version >= "3.11"'], (name, markers)
