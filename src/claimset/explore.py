"""`claimset explore`: a static browser explorer of a release, with no server and no network.

The site is built from the published files (the release's JSONL, else its Parquet), so it shows
exactly what was released. It opens from file:// and works as a GitHub Pages site: plain HTML
with relative links, one CSS and one JS file copied beside it, figures as inline SVG, no CDN.

    site/index.html                  version, counts, figures, links to everything
    site/articles/<article_id>.html  the text with every claim highlighted; all fields per claim
    site/entities/<entity_id>.html   claims the entity makes, relays, or takes part in
    site/clusters/<cluster_id>.html  one proposition asserted, hedged and denied across articles

Article text is split at every span boundary (content, cue, hedge, mention, boilerplate, ...)
into segments; each segment is wrapped in one element per layer covering it, carrying the IDs of
the claims concerned, so overlapping and discontinuous spans render correctly and the text
content of the text container is exactly the stored text. Everything is in the HTML: JavaScript
only adds the selection panel and keyboard navigation.

Review mode (`changed_since`) compares claims by claim_id with an earlier release folder or with
release/claims.jsonl at a git revision, and marks the added and changed ones.

Output is deterministic (no timestamps) and written atomically (a temporary folder beside the
target, then renames).
"""

from __future__ import annotations

import calendar
import json
import math
import os
import shutil
import subprocess
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from markupsafe import Markup, escape

from .outputs import SITE, SITE_MARKER, OutputError, check_target, publishing
from .models import TABLES, URL_PATTERN, python_regex
from .version import __version__

PathLike = Union[str, os.PathLike]

EXPLORER = Path(__file__).resolve().parent / "explorer"
GENERATOR = "claimset explore"
GENERATOR_META = f'<meta name="generator" content="{GENERATOR}">'

CERTAINTIES = ("certain", "probable", "possible", "underspecified")
POLARITIES = ("positive", "negative")
CERT_ABBR = {"certain": "cert", "probable": "prob", "possible": "poss", "underspecified": "unsp"}
POL_SIGN = {"positive": "+", "negative": "\u2212"}
POL_WORD = {"positive": "positive (asserted)", "negative": "negative (denied or negated)"}
CLAIM_TYPES = ("event", "quantity", "causal", "position", "prediction", "commitment", "quote")

# Figure colours; the CSS uses the same ones for the highlights.
COLOUR = {"positive": "#2166ac", "negative": "#c0392b", "bar": "#4f7cac", "event": "#7b3294", "statement": "#1b7837"}


class ExploreError(Exception):
    """A usage problem: bad output folder, unknown revision, missing release."""


# --------------------------------------------------------------------------- reading


def _read_jsonl(data: str) -> list[dict]:
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def read_release(release: Path) -> tuple[dict, dict[str, list[dict]]]:
    """The manifest and every table as canonical dicts, from the JSONL files (else Parquet)."""
    from .loaders import manifest as read_manifest
    from .loaders import records

    if not (release / "manifest.json").is_file():
        raise ExploreError(f"{release}: not a release folder (no manifest.json); run `claimset build` first")
    man = read_manifest(release)
    tables: dict[str, list[dict]] = {}
    for table in TABLES:
        jsonl = release / f"{table}.jsonl"
        if jsonl.is_file():
            tables[table] = _read_jsonl(jsonl.read_text(encoding="utf-8"))
            _check_records(release, table, tables[table])
        else:
            tables[table] = [r.model_dump(mode="json") for r in records(table, release)]
    return man, tables


def _check_records(release: Path, table: str, rows: list) -> None:
    """Every record through its model: IDs become file names and URLs become links, so a tampered
    release must not reach the templates (no path outside the site, no javascript: link)."""
    from pydantic import ValidationError

    model = TABLES[table]
    for i, row in enumerate(rows, 1):
        try:
            model.model_validate(row)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(x) for x in err["loc"])
            raise ExploreError(
                f"{release}/{table}.jsonl:{i}: {where}: {err['msg']}; this is not a release claimset built "
                "(run `claimset verify` on it, or rebuild it with `claimset build`)"
            ) from None


def http_url(value) -> bool:
    """Jinja test: only absolute http(s) addresses become links (a second guard after the model)."""
    return isinstance(value, str) and re.fullmatch(python_regex(URL_PATTERN), value) is not None


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8")


def _git_toplevel(folder: Path) -> Optional[Path]:
    try:
        p = _git(["rev-parse", "--show-toplevel"], folder)
    except (OSError, ValueError):
        return None
    return Path(p.stdout.strip()).resolve() if p.returncode == 0 and p.stdout.strip() else None


def baseline_claims(since: str, release: Path) -> tuple[dict[str, dict], str]:
    """Claims of an earlier release folder, or of release/claims.jsonl at git revision `since`."""
    folder = Path(since)
    if folder.is_dir():
        if (folder / "claims.jsonl").is_file():
            rows = _read_jsonl((folder / "claims.jsonl").read_text(encoding="utf-8"))
        else:
            rows = read_release(folder)[1]["claims"]
        return {c["claim_id"]: c for c in rows}, f"release folder {since}"
    release = release.resolve()
    top = _git_toplevel(release if release.is_dir() else Path.cwd()) or _git_toplevel(Path.cwd())
    if top is None:
        raise ExploreError(f"--changed-since {since!r}: not a folder, and not inside a git repository")
    try:
        rel = release.relative_to(top).as_posix()
    except ValueError:
        rel = "release"
    if _git(["rev-parse", "--verify", "--quiet", f"{since}^{{commit}}"], top).returncode != 0:
        raise ExploreError(f"--changed-since {since!r}: neither a release folder nor a git revision of {top}")
    path = f"{rel}/claims.jsonl"
    if _git(["cat-file", "-e", f"{since}:{path}"], top).returncode != 0:
        return {}, f"git revision {since} (no {path} there: every claim is new)"
    shown = _git(["show", f"{since}:{path}"], top)
    if shown.returncode != 0:
        raise ExploreError(f"git show {since}:{path} failed: {shown.stderr.strip()}")
    return {c["claim_id"]: c for c in _read_jsonl(shown.stdout)}, f"git revision {since}"


@dataclass
class Review:
    since: str
    description: str
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    removed: list[dict] = field(default_factory=list)

    def status(self, claim_id: str) -> Optional[str]:
        if claim_id in self.changed:
            return "changed"
        if claim_id in self._added:
            return "added"
        return None

    def __post_init__(self) -> None:
        self._added = set(self.added)

    @property
    def total(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


def compare(claims: list[dict], before: dict[str, dict], since: str, description: str) -> Review:
    now = {c["claim_id"]: c for c in claims}
    added = sorted(cid for cid in now if cid not in before)
    changed = {
        cid: sorted(k for k in set(now[cid]) | set(before[cid]) if now[cid].get(k) != before[cid].get(k))
        for cid in sorted(now)
        if cid in before and now[cid] != before[cid]
    }
    removed = [before[cid] for cid in sorted(before) if cid not in now]
    return Review(since, description, added, changed, removed)


# --------------------------------------------------------------------------- the model of the site


def first_start(claim: dict) -> int:
    return min(s["start"] for s in claim["content"])


class Site:
    """The release, indexed, with the helpers the templates call."""

    def __init__(self, manifest: dict, tables: dict[str, list[dict]], review: Optional[Review] = None):
        self.manifest = manifest
        self.review = review
        self.articles = {a["article_id"]: a for a in sorted(tables["articles"], key=lambda a: a["article_id"])}
        self.entities = {e["entity_id"]: e for e in sorted(tables["entities"], key=lambda e: e["entity_id"])}
        self.clusters = {c["cluster_id"]: c for c in sorted(tables["clusters"], key=lambda c: c["cluster_id"])}
        self.claims = {c["claim_id"]: c for c in sorted(tables["claims"], key=lambda c: c["claim_id"])}
        self.by_article: dict[str, list[dict]] = {aid: [] for aid in self.articles}
        for c in self.claims.values():
            self.by_article.setdefault(c["article_id"], []).append(c)
        for aid in self.by_article:
            self.by_article[aid].sort(key=lambda c: (first_start(c), c["claim_id"]))
        self.clusters_of: dict[str, list[str]] = defaultdict(list)
        for cl in self.clusters.values():
            for cid in cl["claim_ids"]:
                self.clusters_of[cid].append(cl["cluster_id"])

    # ---- names and links (root: "" on the index, "../" one level down)

    def short(self, claim_id: str) -> str:
        c = self.claims.get(claim_id)
        prefix = f"{c['article_id']}-" if c else ""
        return claim_id[len(prefix):] if prefix and claim_id.startswith(prefix) else claim_id

    def label(self, c: dict, review: bool = True) -> str:
        """The claim's text marker: number, certainty, polarity, "if" when conditional (and NEW/CHANGED)."""
        f = c["factuality"]
        text = f"{self.short(c['claim_id'])} {CERT_ABBR[f['certainty']]} {POL_SIGN[f['polarity']]}"
        if c["conditional"]:
            text += " if"
        status = self.review.status(c["claim_id"]) if self.review and review else None
        if status:
            text += " \u00b7 " + ("NEW" if status == "added" else "CHANGED")
        return text

    def classes(self, c: dict) -> str:
        f = c["factuality"]
        out = f"pol-{f['polarity']} cert-{f['certainty']}"
        if c["conditional"]:
            out += " conditional"
        status = self.review.status(c["claim_id"]) if self.review else None
        if status:
            out += f" rv-{status}"
        return out

    def status(self, claim_id: str) -> Optional[str]:
        return self.review.status(claim_id) if self.review else None

    def changed_fields(self, claim_id: str) -> list[str]:
        return self.review.changed.get(claim_id, []) if self.review else []

    def claim_href(self, claim_id: str, root: str) -> str:
        c = self.claims[claim_id]
        return f"{root}articles/{c['article_id']}.html#claim-{claim_id}"

    def entity_name(self, entity_id: Optional[str]) -> str:
        if entity_id is None:
            return "author"
        e = self.entities.get(entity_id)
        return e["name"] if e else entity_id

    def ent(self, entity_id: Optional[str], root: str, text: Optional[str] = None) -> Markup:
        """A link to the entity page (or the plain ID when the release has no such entity)."""
        if entity_id is None:
            return Markup("<span class=\"author\">{}</span>").format(text or "the article's author")
        e = self.entities.get(entity_id)
        if e is None:
            return Markup("<code>{}</code>").format(entity_id)
        return Markup('<a href="{}entities/{}.html" title="{}">{}</a>').format(
            root, entity_id, f"{e['name']} ({e['type']}): {e['description']}", text or e["name"]
        )

    def article_title(self, article_id: str) -> str:
        a = self.articles.get(article_id)
        return a["title"] if a else article_id

    def quote(self, c: dict) -> str:
        return " \u2026 ".join(s["text"] for s in c["content"])

    def cluster_peers(self, c: dict) -> list[tuple[dict, list[dict]]]:
        """Each cluster of the claim with its other claims (other articles first)."""
        out = []
        for clid in self.clusters_of.get(c["claim_id"], []):
            cl = self.clusters[clid]
            peers = [self.claims[x] for x in cl["claim_ids"] if x in self.claims and x != c["claim_id"]]
            peers.sort(key=lambda p: (p["article_id"] == c["article_id"], p["article_id"], first_start(p), p["claim_id"]))
            out.append((cl, peers))
        return out

    def cluster_articles(self, cluster: dict) -> list[str]:
        return sorted({self.claims[x]["article_id"] for x in cluster["claim_ids"] if x in self.claims})

    def stance(self, c: dict) -> str:
        """asserted, hedged or denied: the three columns of a cluster page."""
        f = c["factuality"]
        if f["polarity"] == "negative":
            return "denied"
        if f["certainty"] != "certain" or c["conditional"]:
            return "hedged"
        return "asserted"

    def entity_roles(self, entity_id: str) -> dict[str, list[tuple[dict, list[str]]]]:
        made, relayed, participant = [], [], []
        for c in self.claims.values():
            if c["claimant"]["entity_id"] == entity_id:
                made.append((c, ["claimant"]))
            if any(s["entity_id"] == entity_id for s in c["source_chain"][1:]):
                relayed.append((c, ["relay"]))
            ev = c["event"]
            if ev:
                roles = [f"event {r}" for r, v in (("agent", ev["agent"]), ("recipient", ev["recipient"]), ("item", ev["item_entity_id"])) if v == entity_id]
                if ev["location"] and ev["location"]["entity_id"] == entity_id:
                    roles.append("event location")
                if roles:
                    participant.append((c, roles))
        key = lambda t: (t[0]["article_id"], first_start(t[0]), t[0]["claim_id"])  # noqa: E731
        return {"made": sorted(made, key=key), "relayed": sorted(relayed, key=key), "participant": sorted(participant, key=key)}


def fmt_number(x: Optional[float]) -> str:
    if x is None:
        return "\u2013"
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def fmt_quantity(q: dict) -> str:
    parts = [fmt_number(q["value"]) if q["value"] is not None else "", q["unit"]]
    text = " ".join(p for p in parts if p)
    if q["per"]:
        text += f" per {q['per']}"
    bounds = f"[{fmt_number(q['lower'])}, {fmt_number(q['upper'])}]"
    extra = q["qualifier"].replace("_", " ") + (", approximate" if q["approximate"] else "")
    return f"{text} {bounds} ({extra})"


# --------------------------------------------------------------------------- the article text


LAYERS = ("mention", "relay", "cue", "hedge", "corroboration", "quantity")
LAYER_TITLE = {
    "mention": "claimant mention",
    "relay": "relay mention",
    "cue": "reporting cue",
    "hedge": "hedge",
    "corroboration": "corroboration",
    "quantity": "quantity",
}


def _esc(text: str) -> str:
    # HTML parsers turn CR and CRLF into LF; a character reference keeps a stored CR a CR.
    return str(escape(text)).replace("\r", "&#13;")


def _spans_of(c: dict) -> Iterable[tuple[str, dict]]:
    mention = c["claimant"]["mention"]
    if mention:
        yield "mention", mention
    for src in c["source_chain"][1:]:
        if src["mention"] and src["mention"] != mention:
            yield "relay", src["mention"]
    if c["cue"]:
        yield "cue", c["cue"]
    for h in c["hedges"]:
        yield "hedge", h
    for s in c["evidence"]["corroboration_spans"]:
        yield "corroboration", s
    quantities = list(c["quantities"])
    if c["event"] and c["event"]["quantity"] and c["event"]["quantity"] not in quantities:
        quantities.append(c["event"]["quantity"])
    for q in quantities:
        yield "quantity", q["span"]


def render_text(site: Site, article: dict, claims: list[dict]) -> Markup:
    """The article text as HTML whose text content is exactly article['text'].

    A sweep over the span boundaries: between two consecutive boundaries the set of covering
    spans is constant, and that segment is wrapped once per covering span.
    """
    text = article["text"]
    n = len(text)
    items: list[tuple[int, int, str, Any]] = []  # (start, end, kind, payload)
    for b in article["boilerplate"]:
        items.append((b["start"], b["end"], "boilerplate", b["kind"]))
    for c in claims:
        for i, sp in enumerate(c["content"]):
            items.append((sp["start"], sp["end"], "content", (c, i)))
        for layer, sp in _spans_of(c):
            items.append((sp["start"], sp["end"], layer, c["claim_id"]))
    clip = lambda v: min(max(v, 0), n)  # noqa: E731
    starts: dict[int, list[int]] = defaultdict(list)
    ends: dict[int, list[int]] = defaultdict(list)
    for k, (a, b, _, _) in enumerate(items):
        if clip(a) < clip(b):
            starts[clip(a)].append(k)
            ends[clip(b)].append(k)
    cuts = sorted({0, n, *starts, *ends})
    active: set[int] = set()
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        html = _esc(text[a:b])
        here = [items[k] for k in sorted(active)]
        # innermost first: the smaller layers (cue, hedge, mention, ...), then the claims' content
        for layer in reversed(LAYERS):
            ids = sorted({p for _, _, kind, p in here if kind == layer})
            if ids:
                html = f'<span class="{layer}" data-of="{_esc(" ".join(ids))}" title="{LAYER_TITLE[layer]}">{html}</span>'
        covering = sorted(
            ((st, e, p[0], p[1]) for st, e, kind, p in here if kind == "content"),
            key=lambda t: (t[0], -t[1], t[2]["claim_id"], t[3]),
        )
        depth = len(covering)
        for level, (st, _e, c, i) in reversed(list(enumerate(covering))):
            cid = c["claim_id"]
            attrs = [
                f'class="claim {site.classes(c)}"',
                f'data-claim="{_esc(cid)}"',
                f'data-span="{i}"',
                f'title="{_esc(site.label(c) + ": " + c["claim"])}"',
            ]
            if depth > 1:
                attrs.append(f'style="--ring:{depth - 1 - level}"')
            if a == clip(st):
                if i == 0:
                    attrs += ['data-head=""', f'id="hl-{_esc(cid)}"', 'tabindex="0"', f'data-label="{_esc(site.label(c))}"']
                else:
                    attrs.append(f'data-label="{_esc(chr(0x21B3) + " " + site.short(cid))}"')
            html = f"<mark {' '.join(attrs)}>{html}</mark>"
        kinds = sorted({p for _, _, kind, p in here if kind == "boilerplate"})
        if kinds:
            html = f'<span class="boilerplate" data-kind="{_esc(" ".join(kinds))}" title="boilerplate: {_esc(", ".join(kinds))}">{html}</span>'
        out.append(html)
    return Markup("".join(out))


# --------------------------------------------------------------------------- figures (inline SVG)


def _svg_text(x: float, y: float, text: str, cls: str = "", anchor: str = "start", extra: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}{extra}>{_esc(text)}</text>'


def _clip(label: str, width_chars: int) -> str:
    return label if len(label) <= width_chars else label[: max(1, width_chars - 1)] + "\u2026"


def _svg_open(fid: str, w: int, h: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-labelledby="{fid}-t {fid}-d" class="chart"><title id="{fid}-t">{_esc(title)}</title>'
        f'<desc id="{fid}-d">{_esc(desc)}</desc>'
    )


def svg_hbars(fid: str, title: str, rows: list[tuple[str, int, Optional[str]]], unit: str = "claims") -> Markup:
    """Horizontal bars with the value printed at the end of each bar; labels link when given an href."""
    if not rows:
        return Markup('<p class="empty">No data in this release.</p>')
    label_chars = min(38, max(8, max(len(r[0]) for r in rows)))
    lw = int(label_chars * 7.2) + 16
    bw, rh, pad = 380, 22, 8
    w, h = lw + bw + 50, pad * 2 + rh * len(rows)
    vmax = max(v for _, v, _ in rows) or 1
    desc = "; ".join(f"{lab}: {v}" for lab, v, _ in rows)
    parts = [_svg_open(fid, w, h, title, desc)]
    for i, (lab, v, href) in enumerate(rows):
        y = pad + i * rh
        label = _svg_text(lw - 8, y + 15, _clip(lab, label_chars), "lab", "end")
        if href:
            label = f'<a href="{_esc(href)}">{label}</a>'
        parts.append(f"<g><title>{_esc(f'{lab}: {v} {unit}')}</title>{label}")
        bar = max(1.0, v / vmax * bw) if v else 0
        parts.append(f'<rect x="{lw}" y="{y + 4}" width="{bar:.1f}" height="{rh - 8}" fill="{COLOUR["bar"]}"/>')
        parts.append(_svg_text(lw + bar + 5, y + 15, str(v), "val") + "</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def svg_certainty_polarity(fid: str, counts: Counter) -> Markup:
    """Grouped bars: one group per certainty, a solid bar for positive and a hatched one for negative."""
    lw, bw, gh, pad = 120, 400, 44, 10
    w, h = lw + bw + 60, pad * 2 + gh * len(CERTAINTIES) + 24
    vmax = max(counts.values(), default=0) or 1
    desc = "; ".join(f"{c} {p}: {counts[(c, p)]}" for c in CERTAINTIES for p in POLARITIES)
    parts = [
        _svg_open(fid, w, h, "Certainty by polarity", desc),
        f'<defs><pattern id="{fid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#f6d5d1"/><rect width="3" height="6" fill="{COLOUR["negative"]}"/></pattern></defs>',
    ]
    for gi, cert in enumerate(CERTAINTIES):
        y0 = pad + gi * gh
        parts.append(_svg_text(lw - 8, y0 + 22, cert, "lab", "end"))
        for pi, pol in enumerate(POLARITIES):
            v = counts[(cert, pol)]
            y = y0 + 4 + pi * 18
            bar = max(1.0, v / vmax * bw) if v else 0
            fill = COLOUR["positive"] if pol == "positive" else f"url(#{fid}-hatch)"
            stroke = f' stroke="{COLOUR["negative"]}"' if pol == "negative" and v else ""
            parts.append(f"<g><title>{_esc(f'{cert}, {pol}: {v} claims')}</title>")
            parts.append(f'<rect x="{lw}" y="{y}" width="{bar:.1f}" height="14" fill="{fill}"{stroke}/>')
            parts.append(_svg_text(lw + bar + 5, y + 11, f"{POL_SIGN[pol]} {v}", "val") + "</g>")
    ly = pad + gh * len(CERTAINTIES) + 8
    parts.append(f'<rect x="{lw}" y="{ly}" width="14" height="12" fill="{COLOUR["positive"]}"/>')
    parts.append(_svg_text(lw + 20, ly + 10, "+ positive (solid)", "val"))
    parts.append(f'<rect x="{lw + 170}" y="{ly}" width="14" height="12" fill="url(#{fid}-hatch)" stroke="{COLOUR["negative"]}"/>')
    parts.append(_svg_text(lw + 190, ly + 10, "\u2212 negative (hatched)", "val"))
    parts.append("</svg>")
    return Markup("".join(parts))


def _date_parts(d: str) -> tuple[int, Optional[int], Optional[int]]:
    bits = [int(x) for x in d.split("-")]
    return bits[0], (bits[1] if len(bits) > 1 else None), (bits[2] if len(bits) > 2 else None)


def _date_extent(d: str) -> tuple[float, float]:
    """A partial date as an interval in months since year 0."""
    y, m, day = _date_parts(d)
    if m is None:
        return y * 12.0, y * 12.0 + 12
    if day is None:
        return y * 12.0 + m - 1, y * 12.0 + m
    x = y * 12 + m - 1 + (day - 0.5) / calendar.monthrange(y, m)[1]
    return x, x


def svg_timeline(fid: str, dates: dict[str, Counter]) -> Markup:
    """Event and statement dates on one month axis; day dates as dots, months as bars, years as bands."""
    every = [d for c in dates.values() for d in c]
    if not every:
        return Markup('<p class="empty">No event or statement dates in this release.</p>')
    lo = min(_date_extent(d)[0] for d in every)
    hi = max(_date_extent(d)[1] for d in every)
    lo = math.floor(lo) - 1
    hi = math.ceil(hi) + 1
    lo -= lo % 3
    hi += (3 - hi % 3) % 3
    span = max(hi - lo, 3)
    lw, pw, rh, top = 130, 900, 76, 24
    rows = list(dates)
    w, h = lw + pw + 40, top + rh * len(rows) + 40
    x = lambda v: lw + (v - lo) / span * pw  # noqa: E731
    desc = "; ".join(f"{k}: " + ", ".join(f"{d} ({n})" for d, n in sorted(c.items())) for k, c in dates.items())
    parts = [_svg_open(fid, w, h, "Timeline of event and statement dates", desc)]
    axis_y = top + rh * len(rows) + 4
    step = 3 if span <= 48 else 12
    for m in range(lo, hi + 1):
        xm = x(m)
        year, month = divmod(m, 12)
        if m % step == 0:
            parts.append(f'<line x1="{xm:.1f}" x2="{xm:.1f}" y1="{top}" y2="{axis_y + 4}" class="grid"/>')
            parts.append(_svg_text(xm, axis_y + 17, f"{year}-{month + 1:02d}", "tick", "middle"))
        else:
            parts.append(f'<line x1="{xm:.1f}" x2="{xm:.1f}" y1="{axis_y}" y2="{axis_y + 3}" class="axis"/>')
    parts.append(f'<line x1="{lw}" x2="{lw + pw}" y1="{axis_y}" y2="{axis_y}" class="axis"/>')
    for ri, kind in enumerate(rows):
        cy = top + ri * rh + rh / 2
        placed: list[tuple[float, int]] = []
        colour = COLOUR.get(kind, COLOUR["bar"])
        parts.append(_svg_text(lw - 10, cy + 4, f"{kind} dates", "lab", "end"))
        parts.append(f'<line x1="{lw}" x2="{lw + pw}" y1="{cy}" y2="{cy}" class="lane"/>')
        for d, cnt in sorted(dates[kind].items(), key=lambda t: (_date_extent(t[0]), t[0])):
            a, b = _date_extent(d)
            tip = f"<title>{_esc(f'{kind} date {d}: {cnt} claim' + ('s' if cnt != 1 else ''))}</title>"
            r = 3 + 1.6 * math.sqrt(cnt)
            if a == b:
                shape = f'<circle cx="{x(a):.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}" fill-opacity=".8"/>'
                lx = x(a)
            elif b - a <= 1:
                shape = (
                    f'<rect x="{x(a):.1f}" y="{cy - r:.1f}" width="{x(b) - x(a):.1f}" height="{2 * r:.1f}" rx="3" '
                    f'fill="{colour}" fill-opacity=".45" stroke="{colour}"/>'
                )
                lx = (x(a) + x(b)) / 2
            else:
                shape = (
                    f'<rect x="{x(a):.1f}" y="{cy + 8:.1f}" width="{x(b) - x(a):.1f}" height="8" '
                    f'fill="{colour}" fill-opacity=".18" stroke="{colour}" stroke-dasharray="3 2"/>'
                )
                lx = (x(a) + x(b)) / 2
                parts.append(f"<g>{tip}{shape}{_svg_text(lx, cy + 27, f'{d}: {cnt}', 'val', 'middle')}</g>")
                continue
            label = ""
            if cnt > 1:
                # counts go above the lane, one level higher when a neighbour's count is too close
                level = next(lv for lv in range(99) if all(abs(px - lx) >= 18 or pl != lv for px, pl in placed))
                placed.append((lx, level))
                label = _svg_text(lx, cy - 14 - 11 * level, str(cnt), "val", "middle")
            parts.append(f"<g>{tip}{shape}{label}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def figures(site: Site) -> list[dict]:
    claims = list(site.claims.values())
    figs = []

    rows = [(a["title"], len(site.by_article.get(aid, [])), f"articles/{aid}.html") for aid, a in site.articles.items()]
    figs.append(
        {
            "id": "fig-per-article",
            "title": "Claims per article",
            "svg": svg_hbars("fig-per-article", "Claims per article", rows),
            "head": ["article", "claims"],
            "rows": [(Markup('<a href="{}">{}</a>').format(h, t), n) for t, n, h in rows],
        }
    )

    per = Counter(c["claimant"]["entity_id"] or "" for c in claims)
    order = sorted(per.items(), key=lambda t: (-t[1], site.entity_name(t[0] or None).lower()))
    crow = [
        (site.entity_name(eid or None) if eid else "author (the article's own voice)", n, f"entities/{eid}.html" if eid in site.entities else None)
        for eid, n in order
    ]
    figs.append(
        {
            "id": "fig-per-claimant",
            "title": "Claims per claimant",
            "svg": svg_hbars("fig-per-claimant", "Claims per claimant", crow[:25]),
            "note": f"The 25 most frequent of {len(crow)} claimants; the table lists all." if len(crow) > 25 else "",
            "head": ["claimant", "claims"],
            "rows": [(Markup('<a href="{}">{}</a>').format(h, t) if h else t, n) for t, n, h in crow],
        }
    )

    cp = Counter((c["factuality"]["certainty"], c["factuality"]["polarity"]) for c in claims)
    figs.append(
        {
            "id": "fig-certainty",
            "title": "Certainty by polarity",
            "svg": svg_certainty_polarity("fig-certainty", cp),
            "head": ["certainty", "+ positive", "\u2212 negative", "total"],
            "rows": [(cert, cp[(cert, "positive")], cp[(cert, "negative")], cp[(cert, "positive")] + cp[(cert, "negative")]) for cert in CERTAINTIES],
        }
    )

    types = Counter(t for c in claims for t in c["claim_types"])
    trows = [(t, types[t], None) for t in CLAIM_TYPES]
    figs.append(
        {
            "id": "fig-types",
            "title": "Claim types",
            "svg": svg_hbars("fig-types", "Claim types", trows),
            "note": "A claim can have several types.",
            "head": ["type", "claims"],
            "rows": [(t, n) for t, n, _ in trows],
        }
    )

    dates = {
        "event": Counter(c["event"]["date"] for c in claims if c["event"] and c["event"]["date"]),
        "statement": Counter(c["statement_date"] for c in claims if c["statement_date"]),
    }
    figs.append(
        {
            "id": "fig-timeline",
            "title": "Timeline of event and statement dates",
            "svg": svg_timeline("fig-timeline", dates),
            "note": "Dots: a day; bars: a month; dashed bands: a year only. Size grows with the number of claims.",
            "head": ["kind", "date", "claims"],
            "rows": [(k, d, n) for k in dates for d, n in sorted(dates[k].items())],
        }
    )
    return figs


# --------------------------------------------------------------------------- writing


@dataclass
class SiteResult:
    out: Path
    pages: list[str]
    counts: dict[str, int]
    review: Optional[Review] = None


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(EXPLORER / "templates")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.tests["http_url"] = http_url
    env.globals.update(
        CERTAINTIES=CERTAINTIES,
        POLARITIES=POLARITIES,
        CERT_ABBR=CERT_ABBR,
        POL_SIGN=POL_SIGN,
        POL_WORD=POL_WORD,
        LAYER_TITLE=LAYER_TITLE,
        fmt_quantity=fmt_quantity,
        fmt_number=fmt_number,
        generator=GENERATOR,
        package_version=__version__,
    )
    return env


def build_site(
    release_dir: Optional[PathLike] = None,
    out_dir: PathLike = "site",
    changed_since: Optional[str] = None,
) -> SiteResult:
    """Write the explorer for a release (default: the installed or repository release) to out_dir."""
    from .loaders import default_release

    release = Path(release_dir) if release_dir else default_release()
    out = Path(os.path.abspath(out_dir))
    man, tables = read_release(release)
    review = None
    if changed_since:
        before, description = baseline_claims(changed_since, release)
        review = compare(tables["claims"], before, changed_since, description)
    site = Site(man, tables, review)
    try:
        check_target(out, SITE)
    except OutputError as e:
        raise ExploreError(str(e)) from None

    env = _environment()
    pages: dict[str, str] = {}
    counts = {t: len(tables[t]) for t in TABLES}
    common = {"site": site, "manifest": man, "review": review, "counts": counts}

    pages["index.html"] = env.get_template("index.html.j2").render(root="", figures=figures(site), page="index", **common)
    for aid, article in site.articles.items():
        claims = site.by_article.get(aid, [])
        removed = [c for c in (review.removed if review else []) if c["article_id"] == aid]
        pages[f"articles/{aid}.html"] = env.get_template("article.html.j2").render(
            root="../", article=article, claims=claims, text_html=render_text(site, article, claims), removed=removed, page="article", **common
        )
    for eid, entity in site.entities.items():
        pages[f"entities/{eid}.html"] = env.get_template("entity.html.j2").render(
            root="../", entity=entity, roles=site.entity_roles(eid), page="entity", **common
        )
    for clid, cluster in site.clusters.items():
        members = [site.claims[c] for c in cluster["claim_ids"] if c in site.claims]
        columns = {s: [c for c in members if site.stance(c) == s] for s in ("asserted", "hedged", "denied")}
        missing = [c for c in cluster["claim_ids"] if c not in site.claims]
        pages[f"clusters/{clid}.html"] = env.get_template("cluster.html.j2").render(
            root="../", cluster=cluster, columns=columns, missing=missing, members=members, page="cluster", **common
        )

    try:
        with publishing(out, SITE) as tmp:
            _write_site(tmp, pages)
    except OutputError as e:
        raise ExploreError(str(e)) from None
    return SiteResult(out=out, pages=sorted(pages), counts=counts, review=review)


def _write_site(tmp: Path, pages: dict[str, str]) -> None:
    for rel, html in sorted(pages.items()):
        p = tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(html, encoding="utf-8", newline="\n")
    static = tmp / "static"
    static.mkdir()
    for src in sorted((EXPLORER / "static").iterdir()):
        if src.is_file() and src.suffix in (".css", ".js", ".svg"):
            shutil.copyfile(src, static / src.name)
    (tmp / SITE_MARKER).write_text(json.dumps({"generator": GENERATOR}) + "\n", encoding="utf-8")
    for dirpath, dirnames, filenames in os.walk(tmp):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)


def summary_markdown(result: SiteResult, limit: int = 50) -> str:
    """A Markdown note for a pull request's step summary: what changed, and where the site is."""
    lines = ["### Claim explorer", ""]
    c = result.counts
    lines.append(f"Built for {c['articles']} articles, {c['claims']} claims, {c['entities']} entities, {c['clusters']} clusters.")
    r = result.review
    if r is not None:
        lines += ["", f"Since {r.description}: **{len(r.added)} added, {len(r.changed)} changed, {len(r.removed)} removed** claims.", ""]
        rows = [(cid, "added", "") for cid in r.added] + [(cid, "changed", ", ".join(f)) for cid, f in r.changed.items()]
        rows += [(x["claim_id"], "removed", "") for x in r.removed]
        if rows:
            lines += ["| claim | change | fields |", "|---|---|---|"]
            lines += [f"| `{cid}` | {what} | {fields} |" for cid, what, fields in rows[:limit]]
            if len(rows) > limit:
                lines.append(f"\n... and {len(rows) - limit} more (see the site's index).")
    return "\n".join(lines) + "\n"
