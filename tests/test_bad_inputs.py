"""The bad-input corpus: every malformed contribution is reported (code, file, line), never crashes,
and `claimset build` on it writes nothing and leaves the previous release byte for byte.

The cases are declared in tests/bad_inputs/cases.json (see tests/bad_inputs/README.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from typer.main import get_command

from claimset.publish.build import BuildError, build
from claimset.cli.main import app
from claimset.validation.rules import RULES
from claimset.utils import sha256_text
from claimset.validation.validate import validate

from conftest import make_records, write_dataset
from release_helpers import files_of

COMMAND = get_command(app)  # built once: typer rebuilds it on every CliRunner call otherwise
HERE = Path(__file__).resolve().parent / "bad_inputs"
MANIFEST = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
CASES = MANIFEST["cases"]
ALIASES = {
    "$CLAIMS": "data/articles/tiny-2023-10/claims.jsonl",
    "$ARTICLE": "data/articles/tiny-2023-10/article.json",
    "$TEXT": "data/articles/tiny-2023-10/text.txt",
    "$KIRBY": "data/entities/john-kirby.json",
    "$CLUSTER": "data/clusters/nk-sent-boxes.json",
}
# A sample run through the installed command in a subprocess (the rest use the in-process CLI).
SUBPROCESS_SAMPLE = {"line-of-50-mb", "deeply-nested-100000", "not-json-at-all", "symlink-loop"}


def _name(p: str) -> str:
    return ALIASES.get(p, p)


# --- record edits ---------------------------------------------------------------------------------------

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _steps(path: str) -> list:
    out = []
    for m in _STEP.finditer(path):
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    return out


def _parent(recs: dict, path: str):
    steps = _steps(path)
    obj = recs
    for s in steps[:-1]:
        obj = obj[s]
    return obj, steps[-1]


def _get(recs: dict, path: str):
    obj, last = _parent(recs, path)
    return obj[last]


def _span(text: str, quote: str, nth: int) -> tuple[int, int]:
    start = -1
    for _ in range(nth):
        start = text.index(quote, start + 1)
    return start, start + len(quote)


def _span_op(recs: dict, text: str, op: dict) -> None:
    if "span" in op:
        s, e = _span(text, op["quote"], op.get("nth", 1))
        sp = {"start": s + op.get("start", 0), "end": e + op.get("end", 0), "text": op.get("text", op["quote"])}
        if op.get("append"):
            _get(recs, op["span"]).append(sp)
        else:
            obj, last = _parent(recs, op["span"])
            obj[last] = {**obj[last], **sp} if isinstance(obj[last], dict) else sp
    elif "utf8_offsets" in op:
        sp = _get(recs, op["utf8_offsets"])
        data = text.encode("utf-8")
        sp["start"], sp["end"] = len(text[: sp["start"]].encode()), len(text[: sp["end"]].encode())
        assert data[sp["start"] : sp["end"]].decode() == sp["text"]


def apply_records(recs: dict, ops: list) -> None:
    text = recs["article"]["text"]
    for op in ops:
        if "span" in op or "utf8_offsets" in op:
            _span_op(recs, text, op)
        elif "set" in op:
            obj, last = _parent(recs, op["set"])
            obj[last] = op["value"]
        elif "add" in op:
            obj, last = _parent(recs, op["add"])
            obj[last] += op["value"]
        elif "delete" in op:
            obj, last = _parent(recs, op["delete"])
            del obj[last]
        elif "append" in op:
            _get(recs, op["append"]).append(op["value"])
        elif "insert" in op:
            _get(recs, op["insert"]).insert(op["at"], op["value"])
        elif "append_text" in op:
            text = recs["article"]["text"] = text + op["append_text"]
            if op.get("rehash"):
                recs["article"]["text_sha256"] = sha256_text(text)
        else:
            raise AssertionError(f"unknown record op {op}")


# --- file edits ----------------------------------------------------------------------------------------------


def _generate(kind: str, lines: list[str], line: int) -> list[str]:
    if kind == "deep_nesting":
        new = '{"claim_id": ' + "[" * 100_000 + "]" * 100_000 + "}"
    elif kind == "nested_arrays":
        new = '{"claim_id": "x", "hedges": ' + "[" * 900 + "]" * 900 + "}"
    elif kind == "huge_line":
        new = '{"claim": "' + "a" * (50 * 1024 * 1024) + '"}'
    else:
        raise AssertionError(kind)
    return lines[: line - 1] + [new] + lines[line - 1 :]


def apply_files(root: Path, ops: list) -> None:
    for op in ops:
        if "write" in op:
            p = root / _name(op["write"])
            p.parent.mkdir(parents=True, exist_ok=True)
            if p.is_symlink():
                p.unlink()
            if "text" in op:
                p.write_bytes(op["text"].encode("utf-8"))
            elif "hex" in op:
                p.write_bytes(bytes.fromhex(op["hex"]))
            else:
                p.write_bytes((HERE / "raw" / op["raw"]).read_bytes())
        elif "replace" in op:
            p = root / _name(op["replace"])
            data = p.read_bytes()
            old = op["old"].encode("utf-8")
            new = bytes.fromhex(op["new_hex"]) if "new_hex" in op else op["new"].encode("utf-8")
            assert old in data, f"{op['old']!r} not in {p}"
            p.write_bytes(data.replace(old, new, op.get("count", -1)))
        elif "prepend_hex" in op:
            p = root / _name(op["prepend_hex"])
            p.write_bytes(bytes.fromhex(op["hex"]) + p.read_bytes())
        elif "truncate" in op:
            p = root / _name(op["truncate"])
            p.write_bytes(p.read_bytes()[: -op["drop"]])
        elif "remove" in op:
            (root / _name(op["remove"])).unlink()
        elif "copy" in op:
            src, dst = root / _name(op["copy"]), root / _name(op["to"])
            shutil.copytree(src, dst) if src.is_dir() else shutil.copyfile(src, dst)
        elif "mkdir" in op:
            (root / _name(op["mkdir"])).mkdir(parents=True)
        elif "symlink" in op:
            p = root / _name(op["symlink"])
            outside = root.parent / "outside"
            if op["to"] == "self":
                if p.is_dir():
                    shutil.rmtree(p)
                else:
                    p.unlink()
                os.symlink(p.name, p)
            elif op["to"] == "outside-dir":
                shutil.copytree(p, outside / p.name)
                shutil.rmtree(p)
                os.symlink(outside / p.name, p)
            else:
                outside.mkdir(exist_ok=True)
                shutil.copyfile(p, outside / p.name)
                p.unlink()
                os.symlink(outside / p.name, p)
        elif "generate" in op:
            p = root / _name(op["generate"])
            lines = p.read_text(encoding="utf-8").split("\n")
            p.write_text("\n".join(_generate(op["kind"], lines, op["line"])), encoding="utf-8")
        else:
            raise AssertionError(f"unknown file op {op}")


def make_case(case: dict, root: Path) -> Path:
    recs = json.loads(json.dumps(make_records()))  # no shared sub-objects: an edit changes one place
    apply_records(recs, case.get("records", []))
    root.mkdir(parents=True, exist_ok=True)
    write_dataset(root, recs)
    apply_files(root, case.get("files", []))
    return root


@pytest.fixture(autouse=True)
def _no_fsync(monkeypatch):
    """Durability is not under test here; fsync per written file would dominate the run time."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)


@pytest.fixture(autouse=True)
def _drop_big_files(tmp_path):
    yield
    for p in tmp_path.rglob("*"):
        if p.is_file() and not p.is_symlink() and p.stat().st_size > 1_000_000:
            p.unlink()


@pytest.fixture(scope="module")
def good_release(tmp_path_factory) -> Path:
    """The release of the valid tiny dataset: every bad case must leave it exactly as it was."""
    root = tmp_path_factory.mktemp("good")
    write_dataset(root, make_records())
    return build(root).out


def _files(folder: Path) -> dict[str, bytes]:
    return files_of(folder)


def _describe(problems) -> list:
    return [(p.code, p.file, p.line, p.field, p.message[:120]) for p in problems]


# --- the manifest itself ---------------------------------------------------------------------------------------


def test_corpus_is_large_and_distinct():
    names = [c["name"] for c in CASES]
    assert len(names) >= 50
    assert len(set(names)) == len(names), "case names must be unique"
    specs = [json.dumps([c.get("records"), c.get("files")], sort_keys=True) for c in CASES]
    assert len(set(specs)) == len(specs), "two cases make the same input"
    for c in CASES:
        assert c["expect"]["code"] in RULES, c["name"]
        assert c.get("what"), f"{c['name']}: say what the contributor did wrong"


def test_corpus_covers_the_issue_list():
    """Every kind of mistake the issue lists has at least one case (by tag)."""
    tags = {t for c in CASES for t in c.get("tags", [])}
    wanted = {
        "off-by-one-left", "off-by-one-right", "wrong-character", "curly-vs-straight", "utf8-bytes", "in-boilerplate",
        "empty-span", "reversed-span", "past-end", "duplicate-id-across-files", "dangling-article", "dangling-entity",
        "dangling-claim", "claim-in-two-clusters", "empty-cluster", "invalid-enum", "invalid-date", "impossible-date",
        "statement-after-publication", "lower-above-upper", "unknown-field", "missing-field", "wrong-type", "nan",
        "not-nfc", "wrong-hash", "bom", "crlf", "invalid-utf8", "truncated", "empty-file", "array-for-object",
        "deep-nesting", "huge-line", "not-json", "symlink-outside",
    }
    assert wanted <= tags, sorted(wanted - tags)


# --- every case -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input_is_reported_and_build_refuses(case, tmp_path, good_release):
    root = make_case(case, tmp_path / "repo")
    exp = case["expect"]
    file = _name(exp["file"])

    # the library: the problem is reported at the right place, nothing raises
    report = validate(root=root)
    hits = [p for p in report.problems if p.code == exp["code"] and p.file == file and p.line == exp["line"]]
    assert hits, f"expected {exp['code']} at {file}:{exp['line']}; got {_describe(report.problems)}"
    if "field" in exp:
        assert any(p.field == exp["field"] for p in hits), _describe(hits)
    if "message" in exp:
        assert any(exp["message"] in p.message for p in hits), _describe(hits)
    for p in report.problems:
        assert p.message and p.fix and p.line >= 1 and p.column >= 1
        assert "Traceback" not in p.message

    # the command line (in process): exit 1, the annotation GitHub shows on that line
    r = CliRunner().invoke(COMMAND, ["validate", "--root", str(root), "--format", "github"])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code == 1, r.output
    assert f"::error file={file.replace(',', '%2C')},line={exp['line']}," in r.output
    assert f"title={exp['code']} " in r.output

    # build: refuses, writes nothing, the previous release stays byte for byte
    shutil.copytree(good_release, root / "release")
    before = _files(root / "release")
    with pytest.raises(BuildError) as err:
        build(root)
    assert err.value.report is not None and not err.value.report.ok
    assert _files(root / "release") == before
    assert not [p.name for p in root.iterdir() if p.name.startswith(".release")]


@pytest.mark.parametrize("name", sorted(SUBPROCESS_SAMPLE))
def test_installed_command_reports_without_traceback(name, tmp_path, good_release):
    case = next(c for c in CASES if c["name"] == name)
    root = make_case(case, tmp_path / "repo")
    exp = case["expect"]
    shutil.copytree(good_release, root / "release")
    before = _files(root / "release")
    cmd = [sys.executable, "-m", "claimset"]
    pipes = dict(cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with subprocess.Popen(cmd + ["validate"], **pipes) as v, subprocess.Popen(cmd + ["build"], **pipes) as b:
        (v_out, v_err), (b_out, b_err) = v.communicate(timeout=120), b.communicate(timeout=120)
    assert v.returncode == 1
    assert "Traceback" not in v_out + v_err
    assert re.search(rf"^{re.escape(_name(exp['file']))}:{exp['line']}:\d+: {exp['code']} \[", v_out, re.M), v_out[-2000:]
    assert "    fix: " in v_out
    assert b.returncode == 1 and "nothing was written" in b_err
    assert "Traceback" not in b_out + b_err
    assert _files(root / "release") == before
