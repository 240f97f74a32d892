"""Writing the site: pages rendered from the templates, then published atomically beside the target."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..outputs import SITE, SITE_MARKER, OutputError, check_target, publishing
from ..models import TABLES
from ..version import __version__
from .figures import figures
from .release import (
    CERT_ABBR,
    CERTAINTIES,
    EXPLORER,
    GENERATOR,
    POL_SIGN,
    POL_WORD,
    POLARITIES,
    ExploreError,
    PathLike,
    Review,
    Site,
    baseline_claims,
    compare,
    http_url,
    read_release,
)
from .render import LAYER_TITLE, fmt_number, fmt_quantity, render_text

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
    from ..loaders import default_release

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
