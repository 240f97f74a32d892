"""Hatchling build hook: compile the validator's fast path (src/claimset/_cfast.c) into the wheel.

The extension is optional at run time: without it (no C compiler, or CLAIMSET_PURE=1 at build
time) the wheel is pure Python and the validator uses fastcheck.py's pure-Python fast path, which
gives the same verdicts more slowly; the build says so instead of failing. Editable installs
(`pip install -e .`) import from src/, so there the module is built in place beside its source.

The module carries the SHA-256 of the C source it was built from; fastcheck refuses a module
built from another version of the source (an editable install not rebuilt after an edit).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sysconfig
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src", "claimset", "_cfast.c")


def compile_extension(source: Path, work: Path) -> Path:
    """Build claimset._cfast from `source` in `work` with setuptools' compiler set-up; return the file."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    args = [] if os.name == "nt" else ["-O2"]
    ext = Extension(
        "claimset._cfast", [str(source)], define_macros=[("CFAST_SOURCE_SHA256", f'"{digest}"')], extra_compile_args=args
    )
    cmd = build_ext(Distribution({"name": "claimset", "ext_modules": [ext]}))
    cmd.build_lib = str(work / "lib")
    cmd.build_temp = str(work / "tmp")
    cmd.ensure_finalized()
    cmd.run()
    return Path(cmd.get_ext_fullpath("claimset._cfast"))


class CompiledFastPath(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        if os.environ.get("CLAIMSET_PURE") == "1":
            self.app.display_info("claimset: CLAIMSET_PURE=1, building without the compiled fast path")
            return
        self._work = Path(tempfile.mkdtemp(prefix="claimset-cfast-"))
        try:
            built = compile_extension(Path(self.root) / SOURCE, self._work)
        except Exception as e:  # no compiler or headers: a pure wheel still works
            self.app.display_warning(
                f"claimset: the compiled fast path was not built ({type(e).__name__}: {e}); "
                "validation will use the slower pure-Python fast path"
            )
            return
        name = "_cfast" + sysconfig.get_config_var("EXT_SUFFIX")
        if version == "editable":
            shutil.copyfile(built, Path(self.root) / SOURCE.parent / name)
        else:
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
            build_data["force_include"][str(built)] = f"claimset/{name}"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        work = getattr(self, "_work", None)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
