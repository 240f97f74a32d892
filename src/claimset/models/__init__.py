"""The records of claimset: the one source of truth for every schema.

JSON Schema (schema/), the Arrow/Parquet schema, the Hugging Face features and the
data-model table in the docs are all generated from these classes (see schemas.py).

Every field is required; a field with nothing to say is written as null or [].
That makes a forgotten field an error instead of a silent default.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# Patterns are ECMA-262 regular expressions, the dialect of JSON Schema (and of ajv, which non-Python
# users run): `$` matches only at the very end. Python's `$` also matches before a final newline, so
# Python code must use python_regex(), never the raw pattern.
ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
DATE_PATTERN = r"^[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?$"
# Free text is one line of visible text: no C0/C1 control characters (NUL, tab, newline, ESC, DEL),
# no line or paragraph separators, no zero-width or bidirectional-control characters, and it
# neither starts nor ends with white space. (Article texts and span texts are not Text: they are
# stored exactly.)
_INVISIBLE = r"\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_SPACE = r"\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
TEXT_PATTERN = rf"^[^{_INVISIBLE}{_SPACE}](?:[^{_INVISIBLE}]*[^{_INVISIBLE}{_SPACE}])?$"
# An absolute http(s) address: no white space, controls or invisible characters anywhere.
URL_PATTERN = rf"^https?://[^{_INVISIBLE}{_SPACE}/?#]+(?:[/?#][^{_INVISIBLE}{_SPACE}]*)?$"


def python_regex(pattern: str) -> str:
    """The Python spelling of an ECMA-262 pattern of this module: a final `$` becomes `\\Z`.

    Only what the patterns here use is translated (tests/test_patterns.py checks every schema
    pattern against node's RegExp on tricky strings); `\\d`, `\\w` and `\\s` are not used because
    their meanings differ between the two dialects."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return pattern



def check_partial_date(value: str) -> str:
    """Reject dates the pattern admits but the calendar does not (2024-02-30)."""
    if re.fullmatch(DATE_PATTERN, value) and len(value) == 10:
        _dt.date.fromisoformat(value)  # raises ValueError on an impossible day
    return value


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=120)]
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN, max_length=2000)]
PartialDate = Annotated[
    str,
    StringConstraints(pattern=DATE_PATTERN),
    AfterValidator(check_partial_date),
    Field(description="ISO 8601 date with reduced precision allowed: YYYY, YYYY-MM or YYYY-MM-DD."),
]
NonNeg = Annotated[int, Field(ge=0)]

Certainty = Literal["certain", "probable", "possible", "underspecified"]
Polarity = Literal["positive", "negative"]
ClaimType = Literal["event", "quantity", "causal", "position", "prediction", "commitment", "quote"]
EvidenceKind = Literal[
    "intelligence", "imagery", "documents", "official_statement", "media_report", "expert_analysis", "none_stated"
]
Corroboration = Literal["not_addressed", "unconfirmed", "no_evidence_presented", "confirmed", "disputed"]
EventType = Literal[
    "arms_transfer",
    "troop_deployment",
    "missile_strike",
    "air_strike",
    "sanction",
    "military_aid",
    "military_offensive",
    "meeting",
    "compensation",
    "other",
]
QuantityQualifier = Literal["exact", "at_least", "more_than", "at_most", "up_to", "range"]
EntityType = Literal[
    "person",
    "organization",
    "government",
    "country",
    "media_outlet",
    "military_force",
    "weapon_system",
    "place",
]
BoilerplateKind = Literal["advert", "navigation", "share_subscribe", "source_link", "other"]
Rights = Literal["full_text", "excerpt", "url_only", "unknown"]
# What each `rights` value lets anyone redistribute; the dataset card states it per article.
RIGHTS_TERMS: dict[str, str] = {
    "full_text": "the publisher's terms allow redistributing the full text",
    "excerpt": "the publisher's terms allow redistributing excerpts only, not the full text",
    "url_only": "only the address may be redistributed, not the text",
    "unknown": (
        "the publisher's terms are not known; the text is included for research only and must not be "
        "redistributed outside the dataset"
    ),
}
PublishedBasisKind = Literal["stated", "inferred", "unknown"]
SourceKind = Literal["entity", "author"]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Span(Record):
    """A stretch of the article text: Unicode code points, end-exclusive (text[start:end])."""

    start: NonNeg = Field(description="First code point of the span (0-based).")
    end: NonNeg = Field(description="One past the last code point of the span.")
    text: str = Field(description="Exactly text[start:end]; checked by the validator.")


class Boilerplate(Record):
    """Web furniture kept in the text but marked so no claim is anchored in it."""

    start: NonNeg = Field(description="First code point of the boilerplate.")
    end: NonNeg = Field(description="One past the last code point.")
    kind: BoilerplateKind = Field(description="advert, navigation, share_subscribe, source_link or other.")
    text: str = Field(description="Exactly text[start:end].")


class PublishedBasis(Record):
    kind: PublishedBasisKind = Field(description="stated in the text, inferred from the events reported, or unknown.")
    note: Text = Field(description="How the date was found or inferred.")


class Article(Record):
    """One news article, its text stored exactly as received (NFC only)."""

    article_id: Id = Field(description="Stable, human-readable slug.")
    title: Text = Field(description="Title as it appears in the text.")
    publisher: Optional[Text] = Field(description="Publisher named by the text; null when the text names none.")
    url: Optional[Url] = Field(description="Original absolute http(s) address, when known; null otherwise.")
    published: Optional[PartialDate] = Field(description="Publication date, reduced precision allowed.")
    published_basis: PublishedBasis = Field(description="Whether the date is stated or inferred, and how.")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")] = Field(
        description="BCP 47 language tag."
    )
    text: str = Field(description="Full text, NFC, otherwise exactly the source (typos kept).")
    text_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="SHA-256 of the UTF-8 encoded text."
    )
    boilerplate: list[Boilerplate] = Field(description="Spans of web boilerplate, recorded rather than deleted.")
    rights: Rights = Field(
        description="What may be redistributed of the text: full_text, excerpt, url_only, or unknown (the publisher's "
        "terms are not known; the text is included for research only and must not be redistributed outside the dataset)."
    )
    provenance: Text = Field(description="Where the text came from (for seeds: the seed file name).")


class Source(Record):
    """Who says something: an entity of the entities table, or the article's author."""

    kind: SourceKind = Field(description="entity, or author for the article's own voice.")
    entity_id: Optional[Id] = Field(description="Entity ID; null exactly when kind is author.")
    name: Text = Field(description="The name as written at the mention (canonical name if there is none).")
    mention: Optional[Span] = Field(description="Where the text names this source; null when it does not.")


class Factuality(Record):
    """FactBank-style factuality from the claimant's point of view."""

    certainty: Certainty = Field(description="certain, probable, possible or underspecified.")
    polarity: Polarity = Field(description="positive, or negative for a denial or negated proposition.")


class Evidence(Record):
    cited: list[EvidenceKind] = Field(description="What the claimant cites as support; none_stated if nothing.")
    corroboration: Corroboration = Field(description="What the article says about corroboration of the claim.")
    corroboration_spans: list[Span] = Field(description="The article's words about corroboration, if any.")


class Quantity(Record):
    """A number in a claim, with its range and unit normalised."""

    span: Span = Field(description="The quantity as written.")
    value: Optional[float] = Field(description="The stated figure; null for a pure range.")
    lower: Optional[float] = Field(description="Lower bound implied by the text; null if open.")
    upper: Optional[float] = Field(description="Upper bound implied by the text; null if open.")
    unit: Text = Field(description="Unit, singular (kilometre, artillery shell, USD, person).")
    per: Optional[Text] = Field(description="Rate denominator (year), or null.")
    qualifier: QuantityQualifier = Field(description="exact, at_least, more_than, at_most, up_to or range.")
    approximate: bool = Field(description="True for about/around/approximately/estimated.")


class Location(Record):
    name: Text = Field(description="Normalised place name.")
    text: Optional[Text] = Field(description="The place as written in the article (may be misspelled).")
    entity_id: Optional[Id] = Field(description="Place entity, when it has one.")


class Event(Record):
    """The event a claim reports: who did what to whom, when, where, with what."""

    type: EventType = Field(description="Event type.")
    agent: Optional[Id] = Field(description="Entity that acts (supplier, attacker).")
    recipient: Optional[Id] = Field(description="Entity that receives or is targeted.")
    item: Optional[Text] = Field(description="What is transferred or used, normalised (ballistic missiles).")
    item_entity_id: Optional[Id] = Field(description="Weapon-system entity for the item, when there is one.")
    quantity: Optional[Quantity] = Field(description="How much of the item, when stated.")
    date: Optional[PartialDate] = Field(description="When the event happened.")
    location: Optional[Location] = Field(description="Where the event happened.")


class Claim(Record):
    """One claim: attributed, anchored to the text, typed."""

    claim_id: Id = Field(description="Stable across releases, never reused.")
    article_id: Id = Field(description="The article the claim is anchored in.")
    content: list[Span] = Field(min_length=1, description="The claim's words; several spans if interrupted.")
    claim: Text = Field(description="A standalone, decontextualised sentence stating the claim.")
    claimant: Source = Field(description="Who makes the claim (the author for unattributed claims).")
    source_chain: list[Source] = Field(
        min_length=1, description="Claimant first, then each relay, ending with the article's author."
    )
    cue: Optional[Span] = Field(description="Reporting verb or phrase (said, accused, according to); null if none.")
    statement_date: Optional[PartialDate] = Field(description="When the claimant made the claim, if known.")
    factuality: Factuality = Field(description="Certainty and polarity as the claimant presents it.")
    conditional: bool = Field(description="True for claims put as conditional (if true, ...).")
    hedges: list[Span] = Field(description="Hedge cues: if that's true, reportedly, still assessing.")
    evidence: Evidence = Field(description="Evidence cited and corroboration reported.")
    claim_types: list[ClaimType] = Field(min_length=1, description="One or more claim types.")
    event: Optional[Event] = Field(description="Structured event, when the claim reports one.")
    quantities: list[Quantity] = Field(description="Quantities in the claim.")
    annotator: Id = Field(description="Annotator ID (a slug, as in docs/annotators.md).")


class Entity(Record):
    """A claimant or event participant, with every name the corpus uses for it."""

    entity_id: Id = Field(description="Stable slug.")
    name: Text = Field(description="Canonical name.")
    type: EntityType = Field(description="Entity type.")
    aliases: list[Text] = Field(description="Other names in the corpus, misspellings included.")
    description: Text = Field(description="One line saying who or what this is.")
    wikidata: Optional[Annotated[str, StringConstraints(pattern=r"^Q[1-9][0-9]*$")]] = Field(
        description="Wikidata QID, only where certain; else null."
    )


class Cluster(Record):
    """The same proposition asserted, hedged or denied across articles."""

    cluster_id: Id = Field(description="Stable slug.")
    proposition: Text = Field(description="One canonical statement of the proposition.")
    claim_ids: list[Id] = Field(description="Claims that assert, hedge or deny the proposition.")


TABLES: dict[str, type[Record]] = {
    "articles": Article,
    "claims": Claim,
    "entities": Entity,
    "clusters": Cluster,
}
ID_FIELDS: dict[str, str] = {
    "articles": "article_id",
    "claims": "claim_id",
    "entities": "entity_id",
    "clusters": "cluster_id",
}
