"""What PyPI, citation tools and readers check before they trust a dataset package: the licences,
the distribution metadata (twine check), CITATION.cff (cffconvert), and that they all agree.

twine and cffconvert run from their own virtual environment (pip, from the package registry),
because cffconvert 2.0 pins a jsonschema older than claimset's."""

from __future__ import annotations

import email
import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

from claimset.version import __version__

from conftest import ROOT

TOOLS = ["twine==7.0.0", "cffconvert==2.0.0"]


@pytest.fixture(scope="module")
def tools(tmp_path_factory) -> Path:
    env = tmp_path_factory.mktemp("publish-tools") / "venv"
    venv.create(env, with_pip=True)
    r = subprocess.run([str(env / "bin" / "pip"), "install", "-q", *TOOLS], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        pytest.fail(f"could not install {TOOLS} from the package registry:\n{r.stderr[-2000:]}")
    return env / "bin"


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([str(Path(sys.executable).parent / "hatchling"), "build", "-d", str(out)], cwd=ROOT, check=True, capture_output=True, timeout=600)
    (whl,) = out.glob("claimset-*.whl")
    (sdist,) = out.glob("claimset-*.tar.gz")
    return {"wheel": whl, "sdist": sdist}


def test_licence_files_and_expression():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    ann = (ROOT / "LICENSE-annotations").read_text(encoding="utf-8")
    assert "Attribution 4.0 International" in ann and "NOT covered" in ann  # the article texts are the publishers'
    py = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT AND CC-BY-4.0"' in py


def test_wheel_metadata_is_complete(dists):
    whl = dists["wheel"]
    assert whl.name == f"claimset-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(whl) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(z.read(meta_name))
        names = z.namelist()
    assert meta["License-Expression"] == "MIT AND CC-BY-4.0"
    assert set(meta.get_all("License-File")) == {"LICENSE", "LICENSE-annotations"}
    assert any(n.endswith("licenses/LICENSE-annotations") for n in names)
    classifiers = meta.get_all("Classifier")
    for v in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {v}" in classifiers
    assert meta["Requires-Python"] == ">=3.10"


def test_twine_check_passes(tools, dists):
    r = subprocess.run([str(tools / "twine"), "check", "--strict", str(dists["wheel"]), str(dists["sdist"])], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("PASSED") == 2


def test_citation_cff_validates_and_agrees(tools):
    r = subprocess.run([str(tools / "cffconvert"), "--validate", "-i", str(ROOT / "CITATION.cff")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["version"] == __version__, "CITATION.cff's version must be version.py's (bump both)"
    assert cff["license"] == ["MIT", "CC-BY-4.0"]
    card = (ROOT / "README.md").read_text(encoding="utf-8")
    assert cff["title"] in card, "the card's BibTeX and CITATION.cff name the dataset alike"
    assert re.search(r"version\s*=\s*\{" + re.escape(__version__) + r"\}", card), "the card's BibTeX gives the version"


def test_card_and_croissant_licences_agree():
    import json

    front = yaml.safe_load((ROOT / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    assert front["license"] == "cc-by-4.0"
    croissant = json.loads((ROOT / "release" / "croissant.json").read_text(encoding="utf-8"))
    assert croissant["license"] == ["https://creativecommons.org/licenses/by/4.0/"]
    assert croissant["version"] == __version__


def test_card_croissant_and_citation_agree_on_title_version_licence_and_date():
    """One title, version, licence and release date in the dataset card (README.md), release/croissant.json
    and CITATION.cff. The release date is the CHANGELOG heading's (`## X.Y.Z (YYYY-MM-DD)`, written when
    the version is cut); an undated heading is a version not cut yet, with no date anywhere."""
    import json

    from claimset.publish.card import CARD_BEGIN, CARD_END
    from claimset.publish.changelog import release_date

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(readme.split("---\n")[1])
    card = readme.split(CARD_BEGIN, 1)[1].split(CARD_END, 1)[0]
    bibtex = re.search(r"```bibtex\n(.*?)\n```", card, re.S)[1]
    croissant = json.loads((ROOT / "release" / "croissant.json").read_text(encoding="utf-8"))
    released = release_date(ROOT, __version__)
    rebuild = "run `claimset build` and commit release/ and README.md"

    # title
    assert re.search(r"title\s*=\s*\{" + re.escape(cff["title"]) + r"\}", bibtex), "CITATION.cff's title must be the card's BibTeX title"
    assert croissant["citeAs"] == bibtex, f"croissant.json's citeAs must be the card's BibTeX: {rebuild}"
    # version
    assert cff["version"] == __version__, f"CITATION.cff: set `version: {__version__}` (version.py's)"
    assert croissant["version"] == __version__, rebuild
    assert re.search(r"version\s*=\s*\{" + re.escape(__version__) + r"\}", bibtex), rebuild
    # licence
    assert cff["license"] == ["MIT", "CC-BY-4.0"]
    assert front["license"] == "cc-by-4.0" and croissant["license"] == ["https://creativecommons.org/licenses/by/4.0/"]
    assert "annotations CC BY 4.0" in bibtex
    # release date
    if released is None:
        assert "date-released" not in cff, (
            f"CHANGELOG.md's `## {__version__}` heading has no date (not released yet): remove `date-released` from "
            f"CITATION.cff, or date the heading `## {__version__} (YYYY-MM-DD)` when cutting the release"
        )
        assert "datePublished" not in croissant and "date " not in bibtex, rebuild
    else:
        assert str(cff.get("date-released")) == released, f"CITATION.cff: set `date-released: {released}` (CHANGELOG.md's `## {__version__} ({released})`)"
        assert croissant.get("datePublished") == released, rebuild
        assert re.search(r"date\s*=\s*\{" + released + r"\}", bibtex), rebuild
