"""Completeness: every sentence that carries a claim has one; the rest were reviewed by hand."""

from __future__ import annotations

import json

from claimset.contribute.coverage import sentences, uncovered

from conftest import ROOT


def test_sentence_split():
    t = "Kirby said the U.S. believes it. Mr. Kirby left.\n\u201cWe are concerned.\u201d He said so."
    assert [t[s:e] for s, e in sentences(t)] == [
        "Kirby said the U.S. believes it.",
        "Mr. Kirby left.",
        "\u201cWe are concerned.\u201d",
        "He said so.",
    ]


def test_uncovered_skips_boilerplate_and_covered():
    t = "One claim here.\nAdvertisement:\nNo claim here."
    claims = [{"content": [{"start": 0, "end": 5}]}]
    assert uncovered(t, [(16, 30)], claims) == ["No claim here."]


def test_every_uncovered_sentence_was_reviewed():
    from claimset.contribute.coverage import HOW_TO, review

    _, problems = review(ROOT)
    assert not problems, "\n".join(problems[:20]) + f"\n{len(problems)} problem(s): {HOW_TO}"


def test_coverage_command_guides_a_contributor(tmp_path):
    """A new article's unannotated sentences: the command lists them and says what to do; --update
    records them for review; a reason for each makes it pass."""

    from typer.testing import CliRunner

    from claimset.cli.main import app

    from conftest import TEXT, make_records, write_dataset

    tiny = write_dataset(tmp_path, make_records(TEXT + "Officials met on Tuesday.\n"))
    r = CliRunner().invoke(app, ["coverage", "--root", str(tiny)])
    assert r.exit_code == 1 and "not reviewed: 'Officials met on Tuesday.'" in r.output and "claimset coverage --update" in r.output
    r = CliRunner().invoke(app, ["coverage", "--root", str(tiny), "--update"])
    assert r.exit_code == 1 and "no reason given" in r.output
    path = tiny / "docs" / "uncovered-sentences.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc = {a: {s: "Test fixture: no claim." for s in sents} for a, sents in doc.items()}
    path.write_text(json.dumps(doc), encoding="utf-8")
    r = CliRunner().invoke(app, ["coverage", "--root", str(tiny)])
    assert r.exit_code == 0, r.output
