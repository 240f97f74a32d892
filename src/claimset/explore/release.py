"""The release as the explorer reads it: records checked for what may reach a page, indexed, compared with an earlier release."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from markupsafe import Markup

from ..models import TABLES, URL_PATTERN, python_regex

PathLike = Union[str, os.PathLike]

EXPLORER = Path(__file__).resolve().parent  # templates/ and static/ sit beside the modules
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
    from ..loaders import manifest as read_manifest
    from ..loaders import records

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

