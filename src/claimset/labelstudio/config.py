"""The labeling interface: one Label Studio XML configuration covering every claim field.

Why this shape:
- One region per span role (labels of the `span` control); a claim is its first content region
  (the head, which carries the claim's own fields as per-region controls) plus every region tied
  to the head by a relation. Relations are Label Studio's way to group regions, and the editor
  draws them, so an annotator sees which cue belongs to which claim.
- Enumerations come from the models (models.py), entity choices from data/entities, so the
  interface cannot offer a value the validator would refuse.
- Boilerplate is shown as read-only regions of its own control, never as a claim span.
"""

from __future__ import annotations

import typing
from xml.sax.saxutils import quoteattr

from ..models import Certainty, ClaimType, Corroboration, EventType, EvidenceKind, Polarity, QuantityQualifier

TEXT = "text"  # the object tag, and the task data key holding the article text
SPAN = "span"  # Labels control of claim regions
BOILERPLATE = "boilerplate"  # Labels control of the article's boilerplate (read-only pre-annotations)

# Region labels (values of the `span` control) -> the claim field they fill.
CONTENT, CUE, CLAIMANT, RELAY, HEDGE, CORROBORATION, QUANTITY = (
    "Content", "Cue", "Claimant", "Relay", "Hedge", "Corroboration", "Quantity",
)
SPAN_LABELS = {
    CONTENT: ("content", "#e8a33d"),
    CUE: ("cue", "#5b8def"),
    CLAIMANT: ("claimant.mention", "#3fa66b"),
    RELAY: ("source_chain[].mention (relay)", "#8fcf9f"),
    HEDGE: ("hedges", "#c05fd0"),
    CORROBORATION: ("evidence.corroboration_spans", "#d05f5f"),
    QUANTITY: ("quantities[].span", "#2bb5b5"),
}
BOILERPLATE_KINDS = ("advert", "navigation", "share_subscribe", "source_link", "other")

AUTHOR = "author"
YES, NO = "yes", "no"
NO_EVENT = "none"
Q_CLAIM, Q_EVENT, Q_BOTH = "claim", "event", "claim and event"


def _values(lit) -> list[str]:
    return list(typing.get_args(lit))


# Per-claim controls on the head content region: (name, kind, field, options or None, choice mode).
# kind: "text" (TextArea, one value), "choices" (single), "multi" (several), "entity" (entity list).
CLAIM_CONTROLS: list[tuple[str, str, str]] = [
    ("claim_id", "text", "claim_id (empty for a new claim)"),
    ("claim", "text", "claim (the paraphrase)"),
    ("claimant", "entity+author", "claimant"),
    ("statement_date", "text", "statement_date (YYYY, YYYY-MM or YYYY-MM-DD; empty if not stated)"),
    ("certainty", "choices", "factuality.certainty"),
    ("polarity", "choices", "factuality.polarity"),
    ("conditional", "choices", "conditional"),
    ("claim_types", "multi", "claim_types"),
    ("cited", "multi", "evidence.cited"),
    ("corroboration", "choices", "evidence.corroboration"),
    ("event_type", "choices", "event.type (none: no event)"),
    ("event_agent", "entity", "event.agent"),
    ("event_recipient", "entity", "event.recipient"),
    ("event_item", "text", "event.item"),
    ("event_item_entity", "entity", "event.item_entity_id"),
    ("event_date", "text", "event.date"),
    ("event_location_name", "text", "event.location.name"),
    ("event_location_text", "text", "event.location.text (as written)"),
    ("event_location_entity", "entity", "event.location.entity_id"),
    ("annotator", "text", "annotator (your ID in docs/annotators.md)"),
]
RELAY_CONTROLS = [("relay_entity", "entity", "relay entity")]
QUANTITY_CONTROLS = [
    ("q_value", "number", "value (empty for a pure range)"),
    ("q_lower", "number", "lower bound (empty if open)"),
    ("q_upper", "number", "upper bound (empty if open)"),
    ("q_unit", "text", "unit, singular"),
    ("q_per", "text", "per (rate denominator; empty if none)"),
    ("q_qualifier", "choices", "qualifier"),
    ("q_approximate", "choices", "approximate"),
    ("q_role", "choices", "whose quantity (default: the claim's)"),
]
OPTIONS: dict[str, list[str]] = {
    "certainty": _values(Certainty),
    "polarity": _values(Polarity),
    "conditional": [NO, YES],
    "claim_types": _values(ClaimType),
    "cited": _values(EvidenceKind),
    "corroboration": _values(Corroboration),
    "event_type": [NO_EVENT, *_values(EventType)],
    "q_qualifier": _values(QuantityQualifier),
    "q_approximate": [NO, YES],
    "q_role": [Q_CLAIM, Q_EVENT, Q_BOTH],
}
PER_REGION = {name for name, _, _ in CLAIM_CONTROLS + RELAY_CONTROLS + QUANTITY_CONTROLS}


def _control(name: str, kind: str, label: str, entities: list[tuple[str, str]]) -> str:
    head = f"  <Header value={quoteattr(label)} size=\"6\"/>\n"
    if kind == "text":
        return head + f'  <TextArea name="{name}" toName="{TEXT}" perRegion="true" editable="true" maxSubmissions="1" rows="1"/>\n'
    if kind == "number":
        return head + f'  <Number name="{name}" toName="{TEXT}" perRegion="true" step="any"/>\n'
    if kind in ("choices", "multi"):
        opts = OPTIONS[name]
    else:  # entity choices: the entity list (hint: the canonical name), plus author for a claimant
        opts = ([AUTHOR] if kind == "entity+author" else []) + [e for e, _ in entities]
    hints = dict(entities)
    choice = "multiple" if kind == "multi" else "single"
    layout = ' layout="select"' if kind.startswith("entity") else ' showInline="true"'
    body = "".join(f"    <Choice value={quoteattr(o)}{' hint=' + quoteattr(hints[o]) if o in hints else ''}/>\n" for o in opts)
    return head + f'  <Choices name="{name}" toName="{TEXT}" perRegion="true" choice="{choice}"{layout}>\n{body}  </Choices>\n'


def _panel(label: str, controls, entities) -> str:
    inner = "".join(_control(n, k, lab, entities) for n, k, lab in controls)
    return f'<View visibleWhen="region-selected" whenLabelValue="{label}">\n{inner}</View>\n'


def labeling_config(entities: list[tuple[str, str]]) -> str:
    """The XML for a Label Studio project; `entities` is [(entity_id, name)] in a stable order."""
    labels = "".join(
        f"    <Label value={quoteattr(v)} background=\"{color}\" hint={quoteattr(field)}/>\n"
        for v, (field, color) in SPAN_LABELS.items()
    )
    bp = "".join(f'    <Label value="{k}" background="#bbbbbb"/>\n' for k in BOILERPLATE_KINDS)
    return (
        "<!-- claimset: labeling configuration generated by `claimset export label-studio`; do not edit by hand. -->\n"
        "<View>\n"
        '<Header value="Mark the claim\'s words as Content; relate its cue, claimant, relays, hedges, '
        'corroboration words and quantities to its first Content region. Grey regions are boilerplate: no claim there."/>\n'
        f'<Labels name="{SPAN}" toName="{TEXT}" choice="single">\n{labels}</Labels>\n'
        f'<Labels name="{BOILERPLATE}" toName="{TEXT}" choice="single">\n{bp}</Labels>\n'
        f'<Text name="{TEXT}" value="${TEXT}" granularity="symbol"/>\n'
        '<Relations>\n    <Relation value="of claim"/>\n</Relations>\n'
        + _panel(CONTENT, CLAIM_CONTROLS, entities)
        + _panel(RELAY, RELAY_CONTROLS, entities)
        + _panel(QUANTITY, QUANTITY_CONTROLS, entities)
        + "</View>\n"
    )
