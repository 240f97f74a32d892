"""Every validation rule: a stable code, a name, what it checks and how to fix a failure.

Codes never change meaning once released; docs/rules.md is generated from this table.
C1xx files and encoding, C2xx JSON syntax, C3xx JSON Schema, C4xx record semantics, C5xx dataset.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    stage: str
    checks: str
    fix: str


_RULES = [
    # files and encoding
    Rule("C101", "unreadable-file", "file", "A source file or folder cannot be read (no permission), or is not a regular file (a FIFO, socket or device).", "Check the path exists, is a regular file or folder, and is readable."),
    Rule("C102", "no-data", "file", "A path holds no claimset source files.", "Point at data/, an article folder or a <table>.jsonl file."),
    Rule("C103", "unexpected-file", "file", "A file in data/ that the layout does not define.", "Move or rename it: see the data layout in the README."),
    Rule("C104", "symlink-outside", "file", "A symbolic link that points outside the repository.", "Replace the link with the file itself."),
    Rule("C105", "missing-part", "file", "An article folder without article.json or text.txt.", "Add the missing file (claimset new-article creates both)."),
    Rule("C111", "byte-order-mark", "file", "The file starts with a UTF-8 byte-order mark.", "Save the file as UTF-8 without BOM."),
    Rule("C112", "invalid-utf8", "file", "The file is not valid UTF-8.", "Re-save the file as UTF-8."),
    Rule("C113", "crlf-line-ending", "file", "The file has CR or CRLF line endings.", "Convert line endings to LF (\\n)."),
    Rule("C114", "empty-file", "file", "The file is empty or holds only whitespace.", "Add the record(s) or delete the file."),
    Rule("C115", "line-too-long", "file", "A record is larger than the 10 MB limit.", "Split the record; a claim record is a few kilobytes."),
    # JSON syntax
    Rule("C201", "json-syntax", "json", "The text is not valid JSON (truncated, a stray comma, not JSON at all, an unpaired surrogate escape).", "Fix the JSON at the position given."),
    Rule("C202", "duplicate-key", "json", "An object has the same key twice.", "Keep one of the two values."),
    Rule("C203", "non-finite-number", "json", "NaN, Infinity or -Infinity, which JSON does not allow, or a number too large for a double (1e400).", "Use a number, or null where the field allows it."),
    Rule("C204", "too-deeply-nested", "json", "Nesting deeper than any claimset record can be.", "Check the brackets: the record is malformed."),
    Rule("C205", "blank-line", "json", "An empty line in a JSONL file.", "Delete the empty line."),
    # JSON Schema
    Rule("C301", "wrong-type", "schema", "A value has the wrong JSON type (string, number, array, object, null).", "Use the type the data model gives for the field."),
    Rule("C302", "missing-field", "schema", "A required field is absent (every field is required; write null or [] when empty).", "Add the field."),
    Rule("C303", "unknown-field", "schema", "A field the data model does not define (often a typo).", "Remove it, or correct its name."),
    Rule("C304", "invalid-enum", "schema", "A value outside the field's allowed set.", "Use one of the allowed values listed in the message."),
    Rule("C305", "invalid-format", "schema", "A string that does not match its format (IDs, dates, hashes, language tags).", "Follow the pattern in the message."),
    Rule("C306", "out-of-range", "schema", "A number, string or list outside its allowed size (negative offset, empty list, an integer of more than 20 digits).", "Use a value within the limit in the message."),
    Rule("C307", "url-not-http", "schema", "A URL that is not an absolute http(s) address (javascript:, data:, relative, or with white space or invisible characters).", "Write the article's address as https://..., or null when it is not known."),
    Rule("C308", "invisible-character", "schema", "Free text (names, paraphrases, notes) with a control, zero-width, bidirectional or line-separator character, or with white space at either end.", "Delete the character or the surrounding white space (the message gives its position)."),
    # record semantics
    Rule("C401", "text-not-nfc", "record", "The article text is not in Unicode NFC.", "Normalise the text to NFC (claimset new-article does)."),
    Rule("C402", "text-hash-mismatch", "record", "text_sha256 is not the SHA-256 of the UTF-8 text.", "Recompute the hash, or restore the original text."),
    Rule("C403", "impossible-date", "record", "A date the calendar does not have (2024-02-30).", "Correct the date."),
    Rule("C404", "statement-after-publication", "record", "A statement date later than the article's publication.", "Correct the date: a claim cannot be made after it was published."),
    Rule("C411", "span-reversed", "record", "A span whose end is before its start.", "Swap or correct start and end."),
    Rule("C412", "span-empty", "record", "A span with start equal to end.", "Give the span at least one character."),
    Rule("C413", "span-out-of-bounds", "record", "A span that ends past the end of the text.", "Recompute the offsets with claimset find (or claimset add-claim)."),
    Rule("C414", "span-text-mismatch", "record", "A span's text differs from text[start:end] (code points, end-exclusive).", "Recompute the offsets with claimset find (or claimset add-claim); the message says what the offsets point at."),
    Rule("C415", "span-in-boilerplate", "record", "A content span overlaps boilerplate.", "Anchor the claim in the article's own text, or correct the boilerplate span."),
    Rule("C416", "spans-overlap", "record", "Two content spans of one claim, or two boilerplate spans, overlap or are out of order.", "List spans in text order without overlap."),
    Rule("C421", "quantity-bounds", "record", "A quantity with lower > value, value > upper or lower > upper.", "Correct the bounds: lower <= value <= upper."),
    Rule("C431", "source-kind", "record", "A source with kind author and an entity_id, or kind entity without one.", "Use entity_id null exactly for the author."),
    Rule("C432", "source-chain", "record", "A source chain that does not start with the claimant or end with the author.", "List the claimant first, each relay, then the author."),
    Rule("C433", "evidence-none-stated", "record", "none_stated listed together with other evidence, or no evidence kind at all.", "Use none_stated alone, or list what is cited."),
    Rule("C434", "quantity-type", "record", "claim_types has quantity but quantities is empty, or the reverse.", "Add the quantities, or the quantity type."),
    Rule("C435", "duplicate-value", "record", "A value listed twice in claim_types, evidence.cited, aliases or claim_ids, or the same span listed twice in hedges or evidence.corroboration_spans.", "Remove the repeat."),
    Rule("C436", "claim-id-prefix", "record", "A claim ID that does not start with its article ID and '-c'.", "Name claims <article_id>-c<NNN>."),
    Rule("C437", "wrong-place", "record", "A record in a file or folder that names another ID.", "Move the record, or correct its ID."),
    # dataset
    Rule("C501", "duplicate-id", "dataset", "Two records of one table with the same ID.", "Give the new record an unused ID; never reuse a released ID."),
    Rule("C502", "unknown-article", "dataset", "A claim whose article_id names no article.", "Correct the ID or add the article."),
    Rule("C503", "unknown-entity", "dataset", "A reference to an entity_id that names no entity.", "Correct the ID or add the entity under data/entities/."),
    Rule("C504", "unknown-claim", "dataset", "A cluster that lists a claim_id that names no claim.", "Correct the ID or remove it from the cluster."),
    Rule("C505", "duplicate-content", "dataset", "Two claims of one article with the same content spans.", "Merge them into one claim, or correct the spans."),
    Rule("C506", "empty-cluster", "dataset", "A cluster with no claim.", "Add its claims or delete the cluster."),
    Rule("C507", "claim-in-several-clusters", "dataset", "A claim listed in more than one cluster.", "Keep the claim in the one cluster whose proposition it states."),
]

RULES: dict[str, Rule] = {r.code: r for r in _RULES}


def rules_markdown() -> str:
    out = [
        "# Validation rules",
        "",
        "Generated from `src/claimset/validation/rules.py` by `claimset schema export`; do not edit by hand.",
        "Every rule has a must-pass and a must-fail fixture in `tests/test_rules.py`.",
        "",
        "| code | name | stage | what it checks | how to fix |",
        "|---|---|---|---|---|",
    ]
    for r in _RULES:
        out.append(f"| {r.code} | `{r.name}` | {r.stage} | {r.checks} | {r.fix} |")
    return "\n".join(out) + "\n"
