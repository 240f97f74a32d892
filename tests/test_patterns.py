"""The validator gives the same verdict as ECMA-262 (what ajv and other JSON Schema tools run) on every
pattern of the published schemas: node's RegExp with the "u" flag, as ajv compiles them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from claimset.models import TABLES, python_regex
from claimset.models.schemas import json_schema
from claimset.validation.validate import _schema_validator

TRICKY = [
    "", "a", "abc", "a-b", "-a", "a-", "abc\n", "abc\n\n", "\nabc", "ab\rc", "a\u2028", "a\u2029b", "a b", " a", "a ",
    "2024", "2024-02", "2024-02-29", "2024-13", "2024-02-29\n", "\u0662\u0660\u0662\u0664", "Q42", "Q42\n", "Q0",
    "en", "en-GB", "en\n", "EN", "https://example.org", "https://example.org\n", "http://a/b?c#d", "javascript:alert(1)",
    "https://a\u200bb", "North Korea", "North\x00Korea", "\u00e9t\u00e9", "\U0001f600", "a\u00a0", "\u00a0a", "a\u00adb",
    "0" * 64, "0" * 64 + "\n", "f" * 63, "abc$", "a\u202eb", "\ufeffa", "a\tb",
]  # fmt: skip


def _patterns(node, out: set) -> set:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            out.add(node["pattern"])
        for v in node.values():
            _patterns(v, out)
    elif isinstance(node, list):
        for v in node:
            _patterns(v, out)
    return out


PATTERNS = sorted(set().union(*(_patterns(json_schema(t), set()) for t in TABLES)))


def test_every_schema_pattern_is_covered():
    assert len(PATTERNS) >= 6  # ID, date, text, URL, language, hash, Wikidata


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed for ECMA-262 verdicts")
def test_python_verdicts_equal_ecma_262():
    script = (
        "const [ps, ss] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(ps.map(p => { const r = new RegExp(p, 'u'); return ss.map(s => r.test(s)); })));"
    )
    payload = json.dumps([PATTERNS, TRICKY])
    out = subprocess.run(["node", "-e", script], input=payload, capture_output=True, text=True, check=True, timeout=60)
    ecma = json.loads(out.stdout)
    for p, verdicts in zip(PATTERNS, ecma):
        py = [re.search(python_regex(p), s) is not None for s in TRICKY]
        diff = [repr(s) for s, a, b in zip(TRICKY, py, verdicts) if a != b]
        assert not diff, f"{p[:60]}: Python and ECMA-262 disagree on {diff}"


def test_the_schema_validator_uses_ecma_semantics():
    v = _schema_validator("entities")
    good = {"entity_id": "john-kirby", "name": "John Kirby", "type": "person", "aliases": [], "description": "US official.", "wikidata": None}
    assert v.is_valid(good)
    assert not v.is_valid({**good, "entity_id": "john-kirby\n"})  # jsonschema's own pattern check accepts this
    assert not v.is_valid({**good, "wikidata": "Q42\n"})
