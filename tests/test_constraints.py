"""The pinned toolchain (constraints.txt) resolves on every Python the quickstart names.

Resolution only (pip --dry-run, the package registry), on the newest: 3.11 is installed for real by
.ci/run, and the GitHub workflow's matrix installs, builds and tests on 3.11, 3.12 and 3.13 (3.12 and
3.13 were also checked by hand: the release rebuilds byte for byte). Each resolution costs about 40 s,
so the suite checks one."""

from __future__ import annotations

import glob
import subprocess

import pytest

from conftest import ROOT


def _interpreter(version: str):
    found = sorted(glob.glob(f"/root/.pyenv/versions/{version}.*/bin/python")) + sorted(glob.glob(f"/usr/bin/python{version}"))
    return found[0] if found else None


@pytest.mark.parametrize("version", ["3.13"])
def test_quickstart_pins_resolve(version, tmp_path):
    py = _interpreter(version)
    if py is None:
        pytest.skip(f"no Python {version} on this machine")
    env = tmp_path / "venv"
    subprocess.run([py, "-m", "venv", str(env)], check=True)
    r = subprocess.run(
        [str(env / "bin" / "pip"), "install", "--dry-run", "-q", "-c", "constraints.txt", "-e", ".[test]"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]


def test_every_pin_is_exact():
    lines = [l.strip() for l in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()]
    pins = [l for l in lines if l and not l.startswith("#")]
    assert pins and all("==" in l and not any(op in l for op in (">=", "<=", "~=", "!=")) for l in pins), pins
