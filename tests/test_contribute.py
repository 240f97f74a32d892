"""Contributor tools: new-article, find, add-claim, new-entity and stats, as library and command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from typer.main import get_command

from claimset.cli.main import app
from claimset.contribute import (
    ContributeError,
    add_claim,
    article_id_for,
    find_passage,
    new_article,
    new_entity,
    next_claim_id,
    parse_quantity,
)
from claimset.contribute.stats import compute
from claimset.validation.validate import validate

from conftest import TEXT, claims_path

COMMAND = get_command(app)
AID = "tiny-2023-10"
RAW = (
    "Kirby says Pyongyang sent shells\r\n"
    "Advertisement\r\n"
    "\u201cNorth Korea sent over 1000 boxes to Russia,\u201d Kirby said. Cafe\u0301 owners said nothing.\r\n"
    "Share this article on Facebook\r\n"
    "Source link\r\n"
)


def cli(*args: str, env=None):
    return CliRunner().invoke(COMMAND, list(args), env=env)


@pytest.fixture
def raw_file(tmp_path) -> Path:
    p = tmp_path / "raw.txt"
    p.write_bytes(RAW.encode("utf-8"))
    return p


# --- new-article ----------------------------------------------------------------------------------------------


def test_article_id_is_a_stable_slug():
    assert article_id_for("‘Putin is begging North Korea for weapons’", "2024-01") == "putin-is-begging-north-korea-for-weapons-2024-01"
    assert article_id_for("Café: Ünïcode & more", None) == "cafe-unicode-more"
    assert article_id_for("x", "2024") == article_id_for("x", "2024")


def test_new_article_normalises_reports_and_validates(tiny, raw_file):
    r = cli("new-article", str(raw_file), "--published", "2023-10-06", "--publisher", "Example News", "--url", "https://example.org/a", "--rights", "unknown", "--root", str(tiny))
    assert r.exit_code == 0, r.output
    aid = "kirby-says-pyongyang-sent-shells-2023-10-06"
    assert f"article_id: {aid}" in r.output
    assert "line endings: 5 CRLF/CR line ending(s) converted to LF" in r.output
    assert "Unicode: normalised to NFC" in r.output
    assert "title taken from the first line of the text" in r.output
    assert re.search(r"1\. \d+-\d+ advert: \"Advertisement\"", r.output)
    assert "share_subscribe" in r.output and "source_link" in r.output
    assert "Next steps:" in r.output and f"claimset add-claim {aid}" in r.output
    folder = tiny / "data" / "articles" / aid
    text = (folder / "text.txt").read_bytes()
    assert b"\r" not in text and "Caf\u00e9".encode() in text
    meta = json.loads((folder / "article.json").read_text(encoding="utf-8"))
    assert meta["published_basis"]["kind"] == "stated" and meta["publisher"] == "Example News" and meta["rights"] == "unknown"
    assert [b["kind"] for b in meta["boilerplate"]] == ["advert", "share_subscribe", "source_link"]
    assert "text" not in meta
    assert validate(root=tiny).ok, validate(root=tiny).problems


def test_new_article_refuses_existing_folder_and_bad_input(tiny, raw_file, tmp_path):
    R = ("--rights", "unknown")
    assert cli("new-article", str(raw_file), "--id", AID, *R, "--root", str(tiny)).exit_code == 1
    r = cli("new-article", str(raw_file), "--id", AID, *R, "--root", str(tiny))
    assert "already exists" in r.output
    r = cli("new-article", str(raw_file), "--published", "2024-02-30", *R, "--root", str(tiny))
    assert r.exit_code == 1 and "not a date on the calendar" in r.output
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Caf\xe9\n".encode("latin-1"))
    r = cli("new-article", str(bad), *R, "--root", str(tiny))
    assert r.exit_code == 1 and "not valid UTF-8" in r.output
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\n\n")
    assert "holds no text" in cli("new-article", str(empty), *R, "--root", str(tiny)).output
    assert not (tiny / "data" / "articles" / "caf").exists()


def test_new_article_asks_for_rights_instead_of_assuming(tiny, raw_file):
    """--rights has no default: a missing or unknown value is a one-line usage error naming the values."""
    for extra, said in (([], "--rights is required"), (["--rights", "free"], "--rights 'free' is not a rights value")):
        r = cli("new-article", str(raw_file), *extra, "--root", str(tiny))
        assert r.exit_code == 2, r.output
        (line,) = r.output.strip().splitlines()
        assert line.startswith(f"error: {said}") and "full_text, excerpt, url_only or unknown" in line
    assert not (tiny / "data" / "articles" / "kirby-says-pyongyang-sent-shells").exists()
    with pytest.raises(ContributeError, match="--rights is required"):
        new_article(tiny, raw_file, dry_run=True)
    assert new_article(tiny, raw_file, rights="url_only", dry_run=True).article["rights"] == "url_only"


def test_new_article_boilerplate_choices_and_bom(tiny, raw_file):
    raw_file.write_bytes(b"\xef\xbb\xbf" + raw_file.read_bytes())
    r = new_article(tiny, raw_file, title="Kirby says Pyongyang sent shells", not_boilerplate=["Source link"], rights="unknown",
                    extra_boilerplate=["other=Cafe\u0301 owners said nothing."], dry_run=True)
    assert not r.written and not r.folder.exists()
    assert "removed the UTF-8 byte-order mark" in " ".join(r.notes)
    kinds = [(b["kind"], b["text"]) for b in r.article["boilerplate"]]
    assert ("other", "Caf\u00e9 owners said nothing.") in kinds  # quoted from the raw file, found in the NFC text
    assert ("source_link", "Source link") not in kinds
    with pytest.raises(ContributeError, match="not a proposed boilerplate span"):
        new_article(tiny, raw_file, not_boilerplate=["Related"], rights="unknown", dry_run=True)
    with pytest.raises(ContributeError, match="KIND=PASSAGE"):
        new_article(tiny, raw_file, extra_boilerplate=["junk=Source link"], rights="unknown", dry_run=True)


# --- find and add-claim -------------------------------------------------------------------------------------------


def test_find_prints_the_span_and_refuses_ambiguity(tiny):
    r = cli("find", AID, "over 1000 boxes", "--root", str(tiny))
    assert r.exit_code == 0
    span = json.loads(r.output)
    assert TEXT[span["start"] : span["end"]] == "over 1000 boxes" == span["text"]
    assert find_passage(tiny, AID, "over 1000 boxes") == span
    r = cli("find", AID, "North Korea", "--root", str(tiny))
    assert r.exit_code == 1 and "occurs 2 times" in r.output and "--occurrence" in r.output
    assert json.loads(cli("find", AID, "North Korea", "--occurrence", "2", "--root", str(tiny)).output)["start"] == TEXT.rindex("North Korea")
    r = cli("find", AID, '"North Korea sent', "--root", str(tiny))
    assert r.exit_code == 1 and "curly quotes" in r.output
    r = cli("find", "no-such-article", "x", "--root", str(tiny))
    assert r.exit_code == 1 and "claimset new-article" in r.output


def _add(tiny, **kw):
    args = dict(
        quotes=["denied it"], claim="North Korea denied sending boxes to Russia.", claimant="north-korea",
        annotator="ann-z", cue="denied", types=["event"], polarity="negative",
    )
    args.update(kw)
    return add_claim(tiny, AID, **args)


def test_add_claim_computes_every_span_and_appends(tiny):
    before = claims_path(tiny).read_bytes()
    r = _add(tiny)
    assert r.written and r.line == 4
    rec = r.record
    assert rec["claim_id"] == f"{AID}-c003"
    assert rec["content"] == [{"start": TEXT.index("denied it"), "end": TEXT.index("denied it") + 9, "text": "denied it"}]
    for sp in [*rec["content"], rec["cue"], rec["claimant"]["mention"]]:
        assert TEXT[sp["start"] : sp["end"]] == sp["text"]
    assert rec["claimant"]["mention"]["start"] == TEXT.rindex("North Korea")  # nearest name, not the first one
    assert [s["entity_id"] for s in rec["source_chain"]] == ["north-korea", None]
    after = claims_path(tiny).read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1
    assert validate(root=tiny).ok


def test_add_claim_refuses_and_writes_nothing(tiny):
    before = claims_path(tiny).read_bytes()
    with pytest.raises(ContributeError, match="occurs 2 times"):
        _add(tiny, quotes=["North Korea"])
    with pytest.raises(ContributeError, match="not found"):
        _add(tiny, quotes=["Pyongyang sent missiles"])
    with pytest.raises(ContributeError, match="curly quotes"):
        _add(tiny, quotes=['"North Korea sent over'])
    with pytest.raises(ContributeError, match="not in data/entities/.*did you mean north-korea"):
        _add(tiny, claimant="north-koreaa")
    with pytest.raises(ContributeError, match=r"C404 \[statement-after-publication\]"):
        _add(tiny, statement_date="2023-11-01")
    with pytest.raises(ContributeError, match=r"C415 \[span-in-boilerplate\]"):
        _add(tiny, quotes=["Advertisement"], cue=None)
    with pytest.raises(ContributeError, match=r"C505 \[duplicate-content\]"):
        _add(tiny, quotes=["it"])
    with pytest.raises(ContributeError, match="give at least one --type"):
        _add(tiny, types=[])
    lines = claims_path(tiny).read_bytes()
    assert lines.startswith(before) and lines.count(b"\n") <= before.count(b"\n") + 1


def test_add_claim_context_brackets_and_interrupted_quotes(tiny):
    with pytest.raises(ContributeError, match=r"occurs 7 times in the claim's sentence.*\[brackets\]"):
        _add(tiny, quotes=["over 1000 boxes"], cue="o", claimant="john-kirby", types=["event"])
    r = _add(tiny, quotes=["North Korea sent over 1000 boxes", "to Russia"], claimant="john-kirby", cue="Kirby [said] on",
             polarity="positive", types=["quote"], statement_date="2023-10-02", dry_run=True)
    assert not r.written
    c = r.record["content"]
    assert [s["text"] for s in c] == ["North Korea sent over 1000 boxes", "to Russia"] and c[0]["end"] < c[1]["start"]
    assert r.record["cue"]["text"] == "said"
    assert r.record["claimant"]["mention"]["text"] == "Kirby"
    assert r.record["claimant"]["mention"]["start"] == TEXT.index("Kirby said")


def test_add_claim_author_relays_quantities_event(tiny):
    r = _add(tiny, quotes=["sent shells"], claimant="author", cue=None, polarity="positive",
             types=["event"], event="arms_transfer", agent="north-korea", recipient="russia", item="artillery shells")
    assert r.record["statement_date"] == "2023-10-05"  # the author's claims: the publication date
    assert r.record["source_chain"] == [r.record["claimant"]] and r.record["claimant"]["kind"] == "author"
    r = _add(tiny, quotes=["North Korea sent over 1000 boxes \u2026 to Russia"], claimant="john-kirby", relays=["north-korea=North Korea"],
             polarity="positive", cue="Kirby [said]", types=["event"], quantities=["over 1000 boxes|unit=box"], event="arms_transfer", event_quantity=True)
    q = r.record["quantities"][0]
    assert (q["value"], q["lower"], q["upper"], q["qualifier"], q["approximate"]) == (1000.0, 1000.0, None, "more_than", False)
    assert "quantity" in r.record["claim_types"] and r.record["event"]["quantity"] == q
    assert [s["entity_id"] for s in r.record["source_chain"]] == ["john-kirby", "north-korea", None]
    assert r.record["claim_id"] == f"{AID}-c004"
    assert validate(root=tiny).ok


def test_claim_numbers_are_never_reused(tiny):
    (tiny / "release").mkdir()
    (tiny / "release" / "claims.jsonl").write_text(json.dumps({"claim_id": f"{AID}-c017"}) + "\n", encoding="utf-8")
    assert next_claim_id(tiny, AID) == f"{AID}-c018"


@pytest.mark.parametrize(
    "passage, opts, want",
    [
        ("at least 31", "", (31.0, 31.0, None, "at_least", False)),
        ("as many as 158", "", (158.0, None, 158.0, "up_to", False)),
        ("400-800 kilometers", "", (None, 400.0, 800.0, "range", False)),
        ("around $5 million", "", (5_000_000.0, None, None, "exact", True)),
        ("1,000 boxes", "|qualifier=exact", (1000.0, None, None, "exact", False)),
        ("two drones", "|value=2", (2.0, None, None, "exact", False)),
    ],
)
def test_quantities_are_read_from_the_passage(passage, opts, want):
    text = f"Officials said {passage} were counted."
    q = parse_quantity(passage + "|unit=thing" + opts, text, (0, len(text)))
    assert (q["value"], q["lower"], q["upper"], q["qualifier"], q["approximate"]) == want
    assert text[q["span"]["start"] : q["span"]["end"]] == passage


def test_add_claim_command(tiny):
    r = cli("add-claim", AID, "--quote", "denied it", "--claim", "North Korea did not send boxes.", "--claimant", "north-korea",
            "--cue", "denied", "--type", "event", "--polarity", "negative", "--root", str(tiny), env={"CLAIMSET_ANNOTATOR": "ann-z"})
    assert r.exit_code == 0, r.output
    assert f"claim {AID}-c003" in r.output and "appended to" in r.output and "line 4" in r.output
    assert re.search(r"cue\s+133-139\s+\"denied\"", r.output)
    r = cli("add-claim", AID, "--quote", "it", "--claim", "x", "--claimant", "north-korea", "--type", "event",
            "--certainty", "likely", "--annotator", "a", "--dry-run", "--root", str(tiny))
    assert r.exit_code == 1 and "C304" in r.output and "nothing was written" in r.output


def test_new_entity(tiny):
    r = cli("new-entity", "cnn", "--name", "CNN", "--type", "media_outlet", "--description", "US news channel.", "--root", str(tiny))
    assert r.exit_code == 0 and (tiny / "data" / "entities" / "cnn.json").exists()
    assert validate(root=tiny).ok
    assert cli("new-entity", "cnn", "--name", "CNN", "--type", "media_outlet", "--description", "x", "--root", str(tiny)).exit_code == 1
    with pytest.raises(ContributeError, match="C304"):
        new_entity(tiny, "bbc", name="BBC", type="broadcaster", description="UK broadcaster.")


# --- stats -----------------------------------------------------------------------------------------------------------


def test_stats_counts(tiny):
    s = compute(tiny)
    assert s.tables == {"articles": 1, "claims": 3, "entities": 3, "clusters": 1}
    assert s.articles[0]["claims"] == 3 and s.articles[0]["boilerplate"] == 1
    assert {r["claimant"]: r["claims"] for r in s.claimants} == {"john-kirby": 2, "north-korea": 1}
    assert s.labels["factuality.polarity"] == {"positive": 2, "negative": 1}
    assert s.labels["claim_types"]["event"] == 3


def test_stats_piped_is_tsv_that_never_wraps(tiny):
    """Not on a terminal (CliRunner, a pipe), stats prints tab-separated blocks: one line per row,
    whole IDs, plain numbers, however narrow the terminal would be."""
    long_id = "tiny-2023-10"
    r = cli("stats", "--root", str(tiny), env={"COLUMNS": "20"})
    assert r.exit_code == 0, r.output
    assert r.output == cli("stats", "--format", "tsv", "--root", str(tiny), env={"COLUMNS": "20"}).output
    blocks = [b.splitlines() for b in r.output.strip().split("\n\n")]
    assert [b[0].split("\t") for b in blocks] == [
        ["table", "records"],
        ["article", "published", "chars", "boilerplate", "claims", "claimants"],
        ["claimant", "name", "claims"],
        ["field", "value", "claims"],
    ]
    assert blocks[0][1:] == ["articles\t1", "claims\t3", "entities\t3", "clusters\t1"]
    (row,) = blocks[1][1:]
    assert row.split("\t")[0] == long_id and len(row.split("\t")) == 6
    assert "john-kirby\tJohn Kirby\t2" in blocks[2]
    assert all(len(line.split("\t")) == 3 for line in blocks[3]) and "factuality.polarity\tnegative\t1" in blocks[3]
    assert "─" not in r.output
    assert cli("stats", "--format", "csv", "--root", str(tiny)).exit_code == 2


def test_stats_command_tables_and_json(tiny):
    r = cli("stats", "--format", "table", "--root", str(tiny), env={"COLUMNS": "120"})
    assert r.exit_code == 0, r.output
    for title in ("Records per table", "Per article", "Per claimant", "Per label"):
        assert title in r.output
    assert re.search(r"john-kirby\s+John Kirby\s+2", r.output)
    out = json.loads(cli("stats", "--format", "json", "--article", AID, "--root", str(tiny)).output)
    assert out["tables"]["claims"] == 3 and out["article"] == AID
    assert cli("stats", "--article", "nope", "--root", str(tiny)).exit_code == 1
