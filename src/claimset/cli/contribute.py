"""Contributor commands: new-article, new-entity, find, add-claim, stats.

Registered on the main app by cli/main.py; each delegates to the contribute package.
Exit codes: 0 done, 1 refused (the message says why and what to do).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

ROOT_OPT = typer.Option(Path("."), "--root", help="Repository root (holds data/ and release/).")


def _fail(e: Exception) -> None:
    typer.echo(f"error: {e}", err=True)
    raise typer.Exit(getattr(e, "exit_code", 1))


def _show(text: str, n: int = 60) -> str:
    r = json.dumps(text, ensure_ascii=False)
    return r if len(r) <= n else r[: n - 4] + '..."'


def new_article(
    file: Path = typer.Argument(..., help="The raw article text, a UTF-8 file."),
    title: Optional[str] = typer.Option(None, help="Title as it appears in the text (default: the first line)."),
    publisher: Optional[str] = typer.Option(None, help="Publisher named by the text."),
    published: Optional[str] = typer.Option(None, help="Publication date: YYYY, YYYY-MM or YYYY-MM-DD."),
    url: Optional[str] = typer.Option(None, help="Original address."),
    article_id: Optional[str] = typer.Option(None, "--id", help="Article ID (default: a slug of the title and date)."),
    published_basis: Optional[str] = typer.Option(None, help="stated, inferred or unknown (default: stated if --published)."),
    published_note: Optional[str] = typer.Option(None, help="How the date was found or inferred."),
    language: str = typer.Option("en", help="BCP 47 language tag."),
    rights: Optional[str] = typer.Option(
        None, "--rights", metavar="RIGHTS",
        help="Required: what may be redistributed of the text: full_text, excerpt, url_only, or unknown (the publisher's terms are not known).",
    ),
    provenance: Optional[str] = typer.Option(None, help="Where the text came from (default: the file name)."),
    not_boilerplate: List[str] = typer.Option([], "--not-boilerplate", help="Reject a proposed boilerplate span: its exact text (repeatable)."),
    boilerplate: List[str] = typer.Option([], "--boilerplate", help="Mark more boilerplate: KIND=PASSAGE (repeatable)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be written; write nothing."),
    root: Path = ROOT_OPT,
) -> None:
    """Ingest a raw text file into data/articles/<id>/ and propose its boilerplate."""
    from ..contribute import ContributeError, new_article as run

    if rights is None:  # asked, never assumed: the card states each article's terms from this field
        from ..contribute import rights_values

        typer.echo(f"error: --rights is required: say what may be redistributed of the text: {rights_values()}", err=True)
        raise typer.Exit(2)
    try:
        r = run(
            root, file, title=title, publisher=publisher, published=published, url=url, article_id=article_id,
            language=language, rights=rights, provenance=provenance, published_basis=published_basis,
            published_note=published_note, not_boilerplate=not_boilerplate, extra_boilerplate=boilerplate, dry_run=dry_run,
        )
    except ContributeError as e:
        _fail(e)
    a, ing = r.article, r.ingested
    rel = f"data/articles/{a['article_id']}"
    typer.echo(f"read {file}: {len(ing.text):,} characters, {ing.text.count(chr(10)):,} lines, valid UTF-8")
    if ing.crlf_normalised:
        typer.echo(f"line endings: {ing.crlf_normalised} CRLF/CR line ending(s) converted to LF")
    else:
        typer.echo("line endings: LF, unchanged")
    typer.echo("Unicode: " + ("normalised to NFC (some characters were decomposed)" if ing.nfc_changed else "already NFC, unchanged"))
    typer.echo(f"text_sha256: {a['text_sha256']}")
    typer.echo(f"article_id: {a['article_id']}")
    for note in r.notes:
        typer.echo(f"note: {note}")
    typer.echo("")
    if a["boilerplate"]:
        typer.echo(f"Proposed boilerplate ({len(a['boilerplate'])} span(s)); check each is web furniture, not reporting:")
        for i, b in enumerate(a["boilerplate"], 1):
            typer.echo(f"  {i}. {b['start']}-{b['end']} {b['kind']}: {_show(b['text'])}")
        typer.echo("  Reject a wrong one by deleting its entry from article.json (or, with --dry-run first, --not-boilerplate TEXT).")
    else:
        typer.echo("Proposed boilerplate: none found; mark any with --boilerplate KIND=PASSAGE.")
    typer.echo("")
    if not r.written:
        typer.echo("dry run: nothing was written")
        return
    typer.echo(f"wrote {rel}/text.txt and {rel}/article.json")
    typer.echo("")
    typer.echo("Next steps:")
    typer.echo(f"  1. Check title, publisher, published and published_basis in {rel}/article.json.")
    typer.echo(f"  2. Annotate claims (docs/guidelines.md): claimset add-claim {a['article_id']} --quote \"...\" --claim \"...\" --claimant ENTITY_ID|author --type TYPE --annotator YOU")
    typer.echo("  3. claimset validate, then claimset build, then commit data/ and release/ and open a pull request.")


def new_entity(
    entity_id: str = typer.Argument(..., help="Stable slug, e.g. john-kirby."),
    name: str = typer.Option(..., help="Canonical name."),
    type: str = typer.Option(..., "--type", help="person, organization, government, country, media_outlet, military_force, weapon_system or place."),
    description: str = typer.Option(..., help="One line saying who or what this is."),
    alias: List[str] = typer.Option([], "--alias", help="Another name the texts use (repeatable)."),
    wikidata: Optional[str] = typer.Option(None, help="Wikidata QID, only where certain."),
    root: Path = ROOT_OPT,
) -> None:
    """Add a claimant or event participant as data/entities/<id>.json."""
    from ..contribute import ContributeError, new_entity as run

    try:
        _, path, _ = run(root, entity_id, name=name, type=type, description=description, aliases=alias, wikidata=wikidata)
    except ContributeError as e:
        _fail(e)
    typer.echo(f"wrote data/entities/{path.name}")


def find(
    article_id: str = typer.Argument(..., help="The article to search."),
    passage: str = typer.Argument(..., help="The words, copied exactly from text.txt."),
    occurrence: Optional[int] = typer.Option(None, help="Which occurrence, 1-based, when the words occur more than once."),
    root: Path = ROOT_OPT,
) -> None:
    """Print the span (code-point offsets) of a quoted passage, as JSON for a record."""
    from ..contribute import ContributeError, find_passage

    try:
        span = find_passage(root, article_id, passage, occurrence)
    except ContributeError as e:
        _fail(e)
    typer.echo(json.dumps(span, ensure_ascii=False))


def add_claim(
    article_id: str = typer.Argument(..., help="The article the claim is anchored in."),
    quote: List[str] = typer.Option(..., "--quote", help="The claim's words copied from the text (repeat for each part of an interrupted quote)."),
    claim: str = typer.Option(..., help="A standalone sentence stating the claim."),
    claimant: str = typer.Option(..., help="Entity ID of who makes the claim, or 'author'."),
    types: List[str] = typer.Option([], "--type", help="event, quantity, causal, position, prediction, commitment, quote (repeatable)."),
    annotator: str = typer.Option(..., envvar="CLAIMSET_ANNOTATOR", help="Your annotator ID (or set CLAIMSET_ANNOTATOR)."),
    occurrence: Optional[int] = typer.Option(None, help="Which occurrence of the first --quote, when it occurs more than once."),
    mention: Optional[str] = typer.Option(None, help="Words naming the claimant (default: its nearest name in the text)."),
    relay: List[str] = typer.Option([], "--relay", help="A relay between claimant and author: ENTITY_ID or ENTITY_ID=WORDS (repeatable, in order)."),
    cue: Optional[str] = typer.Option(None, help="Reporting verb or phrase (said, according to)."),
    hedge: List[str] = typer.Option([], "--hedge", help="A hedge cue (repeatable)."),
    certainty: str = typer.Option("certain", help="certain, probable, possible or underspecified."),
    polarity: str = typer.Option("positive", help="positive, or negative for a denial."),
    conditional: bool = typer.Option(False, "--conditional", help="The claim is put under a condition."),
    cited: List[str] = typer.Option([], "--cited", help="Evidence the claimant cites (default none_stated; repeatable)."),
    corroboration: str = typer.Option("not_addressed", help="not_addressed, unconfirmed, no_evidence_presented, confirmed or disputed."),
    corroboration_span: List[str] = typer.Option([], "--corroboration-span", help="The article's words about corroboration (repeatable)."),
    statement_date: Optional[str] = typer.Option(None, help="When the claimant made the claim (YYYY[-MM[-DD]])."),
    quantity: List[str] = typer.Option([], "--quantity", help="'PASSAGE|unit=UNIT[|value=..|lower=..|upper=..|qualifier=..|approximate=true|per=..]' (repeatable)."),
    event: Optional[str] = typer.Option(None, help="Event type, when the claim reports an event."),
    agent: Optional[str] = typer.Option(None, help="Entity ID of the event's agent."),
    recipient: Optional[str] = typer.Option(None, help="Entity ID of the event's recipient or target."),
    item: Optional[str] = typer.Option(None, help="What is transferred or used, normalised (ballistic missiles)."),
    event_date: Optional[str] = typer.Option(None, help="When the event happened."),
    event_quantity: bool = typer.Option(False, "--event-quantity", help="The first --quantity is how much of the event's item."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the record; write nothing."),
    root: Path = ROOT_OPT,
) -> None:
    """Turn quoted passages into a complete claim (offsets computed), validate it, append it to claims.jsonl.

    Cues, hedges and mentions are looked up in the claim's sentence, then its paragraph, then
    the whole text; if the words occur twice there, quote some context and put the span's words
    in square brackets: --cue "Kirby \\[said] on".
    """
    from ..contribute import ContributeError, add_claim as run
    from ..utils import json_pretty

    try:
        r = run(
            root, article_id, quotes=quote, claim=claim, claimant=claimant, annotator=annotator, occurrence=occurrence,
            mention=mention, relays=relay, cue=cue, hedges=hedge, certainty=certainty, polarity=polarity,
            conditional=conditional, types=types, cited=cited, corroboration=corroboration,
            corroboration_spans=corroboration_span, statement_date=statement_date, quantities=quantity, event=event,
            agent=agent, recipient=recipient, item=item, event_date=event_date, event_quantity=event_quantity, dry_run=dry_run,
        )
    except ContributeError as e:
        _fail(e)
    rec = r.record
    typer.echo(f"claim {rec['claim_id']}")
    width = max(len(f) for f, _, _ in r.choices)
    for fld, span, how in r.choices:
        typer.echo(f"  {fld:<{width}}  {span['start']}-{span['end']}  {_show(span['text'], 50)}  ({how})")
    who = rec["claimant"]["entity_id"] or "author"
    chain = " > ".join(s["entity_id"] or "author" for s in rec["source_chain"])
    typer.echo(f"  claimant {who}; source chain {chain}")
    f = rec["factuality"]
    typer.echo(f"  {f['certainty']}, {f['polarity']}; types {', '.join(rec['claim_types'])}; statement_date {rec['statement_date'] or 'not stated'}")
    ev = rec["event"]
    if ev:
        q = ev["quantity"]
        parts = [f"{k} {ev[k]}" for k in ("agent", "recipient", "item", "date") if ev[k]]
        if q:
            parts.append(f"quantity {q['span']['text']!r}")
        typer.echo(f"  event {ev['type']}" + (": " + ", ".join(parts) if parts else ""))
    for note in r.notes:
        typer.echo(f"note: {note}")
    rel = f"data/articles/{article_id}/claims.jsonl"
    if not r.written:
        typer.echo(json_pretty(rec), nl=False)
        typer.echo("dry run: valid; nothing was written")
        return
    typer.echo(f"valid; appended to {rel} line {r.line}")


def stats(
    article: Optional[str] = typer.Option(None, help="Count one article only."),
    fmt: Optional[str] = typer.Option(
        None, "--format", metavar="FORMAT", help="table, tsv or json (default: table on a terminal, tsv when piped: tab-separated, never wrapped)."
    ),
    root: Path = ROOT_OPT,
) -> None:
    """Counts per table, per article, per claimant and per label, from data/."""
    import sys

    from ..contribute.stats import compute, render, tsv

    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "tsv"
    if fmt not in ("table", "tsv", "json"):
        typer.echo("error: --format must be table, tsv or json", err=True)
        raise typer.Exit(2)
    if not (Path(root) / "data").is_dir():
        typer.echo(f"error: no data/ under {root}", err=True)
        raise typer.Exit(2)
    s = compute(root, article)
    if article is not None and not s.articles:
        typer.echo(f"error: no article {article!r} in data/articles/", err=True)
        raise typer.Exit(1)
    if fmt == "json":
        typer.echo(json.dumps(s.as_dict(), indent=2, ensure_ascii=False))
    elif fmt == "tsv":
        if s.article:
            typer.echo(f"# article {s.article} (entities: those its claims name; clusters: those holding its claims)")
        typer.echo(tsv(s), nl=False)
    else:
        render(s)


def coverage(
    update: bool = typer.Option(False, "--update", help="Record new uncovered sentences in the review file (reason to be written) and drop covered ones."),
    root: Path = ROOT_OPT,
) -> None:
    """Sentences that carry no claim: each must be annotated or reviewed (a reason in docs/uncovered-sentences.json)."""
    from ..contribute.coverage import HOW_TO, review
    from ..contribute.coverage import update as write_review
    from ..validation.validate import require_repository

    root = require_repository(root)
    try:
        todo = write_review(root) if update else review(root)[1]
    except (OSError, ValueError, KeyError, TypeError) as e:
        typer.echo(f"error: cannot read the sources or the review file ({e}); run claimset validate first", err=True)
        raise typer.Exit(2)
    if update:
        typer.echo("wrote docs/uncovered-sentences.json")
    for line in todo:
        typer.echo(line)
    if todo and update:
        typer.echo(
            f"claimset coverage: {len(todo)} sentence(s) to review: for each, annotate the claim it makes "
            "(claimset add-claim) or write in docs/uncovered-sentences.json why it carries none"
        )
        raise typer.Exit(1)
    if todo:
        typer.echo(f"claimset coverage: {len(todo)} sentence(s) to review: {HOW_TO}")
        raise typer.Exit(1)
    typer.echo("claimset coverage: every sentence without a claim has a reviewed reason")


def register(app: typer.Typer) -> None:
    app.command("coverage")(coverage)
    app.command("new-article")(new_article)
    app.command("new-entity")(new_entity)
    app.command("find")(find)
    app.command("add-claim")(add_claim)
    app.command("stats")(stats)
