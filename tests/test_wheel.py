"""The wheel ships the release: install it in a fresh environment outside the repository, load offline."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (whl,) = dist.glob("claimset-*.whl")
    return whl


def test_wheel_contains_release_and_schemas(wheel):
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for table in ("articles", "claims", "entities", "clusters"):
        assert f"claimset/release/{table}.parquet" in names
    assert "claimset/release/manifest.json" in names
    # one pure wheel for every platform: no compiled code of our own
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    assert not [n for n in names if n.endswith((".so", ".pyd", ".c"))], names


def test_fresh_venv_loads_claims_offline(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    # the wheel itself goes in with pip's unpacker (no network, no dependencies) ...
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(site), str(wheel)], check=True)
    # ... and its dependencies come from this environment, appended after the wheel on sys.path
    (site / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    code = (
        "import claimset, pathlib, json;"
        "t = claimset.load('claims');"
        "m = claimset.manifest();"
        "assert t.num_rows == m['tables']['claims']['rows'];"
        "assert 'site-packages' in claimset.__file__ and 'work' not in pathlib.Path(claimset.__file__).parts[:2], claimset.__file__;"
        "print(json.dumps({'file': claimset.__file__, 'claims': t.num_rows, 'entities': claimset.load('entities').num_rows}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CLAIMSET_RELEASE")}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", NO_PROXY="*", http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")
    out = subprocess.run([str(py), "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert str(env_dir) in out.stdout
